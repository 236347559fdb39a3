"""services.transaction_events on its own: every arrival order of a stream, with repeats,
gives the same transaction; samples that came before the EVSE was known follow it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chargegrid.domain.meter import Sample
from chargegrid.domain.transactions import EventType
from chargegrid.services import stations, transaction_events
from chargegrid.store.database import create_db_engine, create_session_factory
from chargegrid.store.models import MeterValue, Transaction

T0 = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=1)


def _stream() -> list[dict[str, Any]]:
    def reading(wh: int, minutes: int) -> list[Sample]:
        return [Sample(timestamp=T0 + timedelta(minutes=minutes), value=str(wh), unit="Wh")]

    return [
        {"event_type": EventType.STARTED, "seq_no": 0, "timestamp": T0,
         "trigger_reason": "CablePluggedIn", "evse_id": 3, "connector_id": 1,
         "samples": reading(100, 0)},
        {"event_type": EventType.UPDATED, "seq_no": 1, "timestamp": T0 + timedelta(minutes=1),
         "trigger_reason": "Authorized", "id_tag": "TAG1"},
        {"event_type": EventType.UPDATED, "seq_no": 2, "timestamp": T0 + timedelta(minutes=30),
         "trigger_reason": "MeterValuePeriodic", "samples": reading(4100, 30)},
        {"event_type": EventType.ENDED, "seq_no": 3, "timestamp": T0 + timedelta(minutes=60),
         "trigger_reason": "StopAuthorized", "stopped_reason": "Local", "id_tag": "TAG1",
         "samples": reading(7100, 60)},
    ]


def _snapshot(session: Session, uid: str) -> tuple[Any, ...]:
    tx = transaction_events.get_by_uid(session, station_id="S", uid=uid)
    assert tx is not None
    rows = session.scalars(select(MeterValue).where(MeterValue.transaction_id == tx.id)).all()
    return (tx.evse_id, tx.connector_id, tx.id_tag, tx.stop_id_tag, tx.state, tx.started_at,
            tx.stopped_at, tx.meter_start_wh, tx.meter_stop_wh, tx.energy_wh,
            tx.meter_values_energy_wh, tx.stop_reason,
            tuple(sorted((r.evse_id, r.value) for r in rows)),
            tuple(e.seq_no for e in transaction_events.events_of(session, transaction_id=tx.id)))


def test_all_orders_with_repeats_converge(database_url: str) -> None:
    engine = create_db_engine(database_url)
    factory: sessionmaker[Session] = create_session_factory(engine)
    with factory() as session:
        stations.create(session, station_id="S", now=NOW)
        session.commit()
    snapshots = set()
    stream = _stream()
    for n, order in enumerate(itertools.permutations(range(4))):
        uid = f"u{n}"
        with factory() as session:
            for i in (*order, order[0], order[-1]):  # the first and last arrive twice
                transaction_events.record_event(session, station_id="S", uid=uid, now=NOW,
                                                **stream[i])
            session.commit()
            snapshots.add(_snapshot(session, uid))
    assert len(snapshots) == 1
    (evse, _, tag, stop_tag, state, started, stopped, start_wh, stop_wh, energy, span,
     reason, samples, seqs) = snapshots.pop()
    assert (evse, tag, stop_tag, state, reason) == (3, "TAG1", "TAG1", "ended", "Local")
    assert (started, stopped) == (T0, T0 + timedelta(minutes=60))
    assert (start_wh, stop_wh, energy, span) == (100, 7100, 7000, 7000.0)
    assert samples == ((3, "100"), (3, "4100"), (3, "7100")) and seqs == (0, 1, 2, 3)
    with factory() as session:
        assert len(session.scalars(select(Transaction)).all()) == 24
        assert transaction_events.active_uids(session, station_id="S") == {}
    engine.dispose()
