"""Status timelines per EVSE, read from the status history: the state in force when the
window opens (the last record before it) plus every record inside the window."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chargegrid.reports.intervals import Span, spans_in, union
from chargegrid.store.models import StatusRecord

EvseKey = tuple[str, int]
_CHUNK = 500


def evse_spans(session: Session, *, station_ids: Collection[str], start: datetime,
               end: datetime, states: frozenset[str]) -> dict[EvseKey, list[Span]]:
    """Per (station, EVSE > 0): merged spans in [start, end) in one of `states`, any
    connector of the EVSE counting (connector 0 / EVSE 0 is the station itself: skipped)."""
    per_connector: dict[tuple[str, int, int], list[tuple[datetime, str]]] = defaultdict(list)
    ids = sorted(set(station_ids))
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        last_before = (select(StatusRecord.station_id, StatusRecord.evse_id,
                              StatusRecord.connector_id,
                              func.max(StatusRecord.id).label("last_id"))
                       .where(StatusRecord.station_id.in_(chunk),
                              StatusRecord.timestamp < start, StatusRecord.evse_id > 0)
                       .group_by(StatusRecord.station_id, StatusRecord.evse_id,
                                 StatusRecord.connector_id).subquery())
        openers = session.execute(
            select(StatusRecord.station_id, StatusRecord.evse_id, StatusRecord.connector_id,
                   StatusRecord.status)
            .join(last_before, StatusRecord.id == last_before.c.last_id))
        for station_id, evse_id, connector_id, status in openers:
            per_connector[(station_id, evse_id, connector_id)].append((start, status))
        inside = session.execute(
            select(StatusRecord.station_id, StatusRecord.evse_id, StatusRecord.connector_id,
                   StatusRecord.timestamp, StatusRecord.status)
            .where(StatusRecord.station_id.in_(chunk), StatusRecord.evse_id > 0,
                   StatusRecord.timestamp >= start, StatusRecord.timestamp < end)
            .order_by(StatusRecord.timestamp, StatusRecord.id))
        for station_id, evse_id, connector_id, at, status in inside:
            per_connector[(station_id, evse_id, connector_id)].append((at, status))
    result: dict[EvseKey, list[Span]] = defaultdict(list)
    for (station_id, evse_id, _), timeline in per_connector.items():
        result[(station_id, evse_id)].extend(spans_in(timeline, states, start, end))
    return {key: union(spans) for key, spans in result.items()}
