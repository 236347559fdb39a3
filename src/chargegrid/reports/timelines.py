"""Status timelines per connector, read from the status history: the state in force when
the window opens (the last record before it) plus every record inside the window.

Loaded once per report and shared: charging time per session and occupancy per station
are both computed from the same timelines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chargegrid.reports.intervals import Span, spans_in, union
from chargegrid.store.models import StatusRecord

EvseKey = tuple[str, int]
Timelines = dict[tuple[str, int, int], list[tuple[datetime, str]]]
_CHUNK = 500


def load_timelines(session: Session, *, station_ids: Collection[str], start: datetime,
                   end: datetime) -> Timelines:
    """Per (station, EVSE > 0, connector): (time, status) in time order, the first entry
    being the state in force at `start` when one is known. Connector 0 / EVSE 0 (the
    station itself) is left out."""
    timelines: Timelines = defaultdict(list)
    ids = sorted(set(station_ids))
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        last_before = (select(func.max(StatusRecord.id).label("last_id"))
                       .where(StatusRecord.station_id.in_(chunk),
                              StatusRecord.timestamp < start, StatusRecord.evse_id > 0)
                       .group_by(StatusRecord.station_id, StatusRecord.evse_id,
                                 StatusRecord.connector_id).subquery())
        openers = session.execute(
            select(StatusRecord.station_id, StatusRecord.evse_id, StatusRecord.connector_id,
                   StatusRecord.status)
            .where(StatusRecord.id.in_(select(last_before.c.last_id))))
        for station_id, evse_id, connector_id, status in openers:
            timelines[(station_id, evse_id, connector_id)].append((start, status))
        inside = session.execute(
            select(StatusRecord.station_id, StatusRecord.evse_id, StatusRecord.connector_id,
                   StatusRecord.timestamp, StatusRecord.status)
            .where(StatusRecord.station_id.in_(chunk), StatusRecord.evse_id > 0,
                   StatusRecord.timestamp >= start, StatusRecord.timestamp < end)
            .order_by(StatusRecord.timestamp, StatusRecord.id))
        for station_id, evse_id, connector_id, at, status in inside:
            timelines[(station_id, evse_id, connector_id)].append((at, status))
    return timelines


def evse_spans(timelines: Timelines, *, states: frozenset[str], start: datetime,
               end: datetime) -> dict[EvseKey, list[Span]]:
    """Per (station, EVSE): merged spans in [start, end) in one of `states`, any connector
    of the EVSE counting."""
    result: dict[EvseKey, list[Span]] = defaultdict(list)
    for (station_id, evse_id, _), timeline in timelines.items():
        result[(station_id, evse_id)].extend(spans_in(timeline, states, start, end))
    return {key: union(spans) for key, spans in result.items()}
