"""Event-sourced transactions (OCPP 2.0.1 TransactionEvent, in version-neutral terms).

A station buffers events while offline and may deliver them late, out of order and more than
once. So every event is stored once per (transaction, seqNo), the transaction is created by
whichever event arrives first, and its derived fields (start, stop, state, meter readings,
energy) are recomputed from all stored events in seqNo order: the stored session is the same
whatever the arrival order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chargegrid.domain.id_tokens import AuthorizationResult
from chargegrid.domain.meter import Sample, energy_wh
from chargegrid.domain.timestamps import format_timestamp
from chargegrid.domain.transactions import EventType, TransactionState, energy_between
from chargegrid.services import id_tokens, meter_values, reservations, stations
from chargegrid.store.models import MeterValue, Transaction, TransactionEvent

# The 2.0.1 default when an Ended event names no reason (E06: "Local" unless stated).
DEFAULT_STOP_REASON = "Local"


@dataclass(frozen=True, slots=True)
class EventRecord:
    """What became of one event: our transaction id, whether it was a repeat, and the
    authorisation of the token it carried (None without a token)."""

    transaction_id: int
    duplicate: bool
    created: bool
    ended: bool
    authorization: AuthorizationResult | None
    evse_id: int


def record_event(
    session: Session, *, station_id: str, uid: str, event_type: EventType, seq_no: int,
    timestamp: datetime, trigger_reason: str | None, stopped_reason: str | None = None,
    id_tag: str | None = None, evse_id: int | None = None, connector_id: int | None = None,
    samples: Sequence[Sample] = (), offline: bool = False, now: datetime,
    reservation_id: int | None = None, extra: dict[str, Any] | None = None,
) -> EventRecord:
    """Store one transaction event, idempotent on (transaction, seq_no), and recompute the
    transaction from all its events."""
    stations.get_or_raise(session, station_id=station_id)
    # Charging rules (which group may charge here, when) decide at the start, as for 1.6
    # StartTransaction; later events of a running transaction are not re-judged by them.
    auth = id_tokens.authorize(
        session, id_tag=id_tag, now=now,
        station_id=station_id if event_type == EventType.STARTED else None,
    ) if id_tag else None
    tx = get_by_uid(session, station_id=station_id, uid=uid)
    created = tx is None
    if tx is None:
        tx = Transaction(
            uid=uid, station_id=station_id, evse_id=evse_id or 0, connector_id=connector_id or 1,
            state=TransactionState.ACTIVE.value, started_at=timestamp, created_at=now,
            updated_at=now,
        )
        session.add(tx)
        session.flush()
    else:
        repeat = session.scalar(select(TransactionEvent.id).where(
            TransactionEvent.transaction_id == tx.id, TransactionEvent.seq_no == seq_no))
        if repeat is not None:
            return EventRecord(tx.id, True, False, tx.state == TransactionState.ENDED.value,
                               auth, tx.evse_id)
    readings = [wh for s in samples if (wh := energy_wh(s)) is not None]
    payload: dict[str, Any] = dict(extra or {})
    payload.update({
        "stoppedReason": stopped_reason, "idTag": id_tag,
        "authStatus": auth.status.value if auth else None, "evseId": evse_id,
        "connectorId": connector_id, "reservationId": reservation_id,
        "energyWh": readings,
        "energyAt": [format_timestamp(s.timestamp) for s in samples if energy_wh(s) is not None],
    })
    session.add(TransactionEvent(
        transaction_id=tx.id, event_type=event_type.value, seq_no=seq_no, timestamp=timestamp,
        trigger_reason=trigger_reason, offline=offline, payload=payload, received_at=now,
    ))
    if samples:
        meter_values.store(session, station_id=station_id, evse_id=evse_id or tx.evse_id,
                           connector_id=connector_id or tx.connector_id, transaction_id=tx.id,
                           samples=samples, now=now, transaction_known=True)
    session.flush()
    was_ended = tx.state == TransactionState.ENDED.value
    recompute(session, transaction=tx, now=now)
    return EventRecord(tx.id, False, created,
                       tx.state == TransactionState.ENDED.value and not was_ended, auth,
                       tx.evse_id)


def recompute(session: Session, *, transaction: Transaction, now: datetime) -> None:
    """Derive the transaction's fields from its stored events in seqNo order."""
    tx = transaction
    events = list(session.scalars(select(TransactionEvent).where(
        TransactionEvent.transaction_id == tx.id).order_by(TransactionEvent.seq_no)))
    if not events:
        return
    started = next((e for e in events if e.event_type == EventType.STARTED.value), None)
    ended = next((e for e in events if e.event_type == EventType.ENDED.value), None)
    tx.started_at = started.timestamp if started else min(e.timestamp for e in events)
    first_tag = next((e for e in events if _p(e).get("idTag")), None)
    tx.id_tag = _p(first_tag)["idTag"] if first_tag else None
    tx.auth_status = _p(first_tag).get("authStatus") if first_tag else None
    where = next((e for e in events if _p(e).get("evseId")), None)
    old_evse = tx.evse_id
    if where is not None:
        tx.evse_id = int(_p(where)["evseId"])
        tx.connector_id = int(_p(where).get("connectorId") or 1)
    tx.reservation_id = next((int(_p(e)["reservationId"]) for e in events
                              if _p(e).get("reservationId") is not None), None)
    reservations.record_use(session, station_id=tx.station_id,
                            reservation_id=tx.reservation_id, transaction_id=tx.id)
    readings = [float(wh) for e in events for wh in _p(e).get("energyWh") or []]
    tx.meter_start_wh = round(readings[0]) if readings else None
    if ended is not None:
        tx.state = TransactionState.ENDED.value
        tx.stopped_at = ended.timestamp
        tx.stop_reason = _p(ended).get("stoppedReason") or DEFAULT_STOP_REASON
        tx.stop_id_tag = _p(ended).get("idTag")
        tx.meter_stop_wh = round(readings[-1]) if readings else None
        if tx.meter_start_wh is not None and tx.meter_stop_wh is not None:
            tx.energy_wh = energy_between(tx.meter_start_wh, tx.meter_stop_wh)
            tx.energy_mismatch = tx.meter_stop_wh < tx.meter_start_wh
        tx.meter_values_energy_wh = _span_by_time(events)
    else:
        tx.state = TransactionState.ACTIVE.value
        tx.stopped_at = tx.stop_reason = tx.stop_id_tag = None
        tx.meter_stop_wh = tx.energy_wh = None
    tx.updated_at = now
    if old_evse == 0 and tx.evse_id != 0:
        # Samples of events that arrived before the EVSE was known follow it.
        session.execute(update(MeterValue).where(MeterValue.transaction_id == tx.id,
                                                 MeterValue.evse_id == 0)
                        .values(evse_id=tx.evse_id, connector_id=tx.connector_id))


def _p(event: TransactionEvent | None) -> dict[str, Any]:
    if event is None:
        return {}
    return event.payload or {}


def _span_by_time(events: list[TransactionEvent]) -> float | None:
    """Energy seen by the register over the samples in the station's time order (the same
    cross-check 1.6 sessions get)."""
    pairs = sorted((at, float(wh)) for e in events
                   for at, wh in zip(_p(e).get("energyAt") or [], _p(e).get("energyWh") or [],
                                     strict=False))
    if len(pairs) < 2:
        return None
    return pairs[-1][1] - pairs[0][1]


def get_by_uid(session: Session, *, station_id: str, uid: str) -> Transaction | None:
    """A station's transaction by the station's own id (2.0.1 transactionId)."""
    return session.scalars(select(Transaction).where(
        Transaction.station_id == station_id, Transaction.uid == uid)).one_or_none()


def uid_of(session: Session, *, station_id: str, transaction_id: int) -> str | None:
    """The station's id for one of our transaction ids (what 2.0.1 messages must name)."""
    return session.scalar(select(Transaction.uid).where(
        Transaction.id == transaction_id, Transaction.station_id == station_id))


def active_uids(session: Session, *, station_id: str) -> dict[int, str]:
    """Our id → the station's id, for the station's transactions still running."""
    rows = session.execute(select(Transaction.id, Transaction.uid).where(
        Transaction.station_id == station_id,
        Transaction.state == TransactionState.ACTIVE.value))
    return {int(row[0]): str(row[1]) for row in rows}


def events_of(session: Session, *, transaction_id: int) -> list[TransactionEvent]:
    """A transaction's events in the station's order."""
    return list(session.scalars(select(TransactionEvent).where(
        TransactionEvent.transaction_id == transaction_id).order_by(TransactionEvent.seq_no)))
