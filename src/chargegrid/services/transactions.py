"""Transactions: start, stop, look up. Idempotent under retries, tolerant of late delivery."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from chargegrid.domain.timestamps import format_timestamp
from chargegrid.domain.transactions import (
    EventType,
    StartRequest,
    StartResult,
    StopRequest,
    StopResult,
    TransactionState,
    energy_between,
)
from chargegrid.errors import NotFoundError
from chargegrid.services import id_tokens, meter_values, reservations, stations
from chargegrid.store.models import Transaction, TransactionEvent

# Energy from meterStop−meterStart and from the register samples may differ by rounding and
# sampling; beyond this the session is flagged for review (billing rests on it).
MISMATCH_TOLERANCE_WH = 100.0
# An event stamped this long before we receive it was buffered by an offline station.
LATE_DELIVERY = timedelta(seconds=120)


def _start_key(req: StartRequest) -> str:
    return "|".join((req.station_id, str(req.evse_id), req.id_tag,
                     format_timestamp(req.timestamp), str(req.meter_start_wh)))


def start(session: Session, *, req: StartRequest, now: datetime) -> StartResult:
    """Open a transaction; the same StartTransaction twice yields the same transaction."""
    stations.get_or_raise(session, station_id=req.station_id)
    auth = id_tokens.authorize(session, id_tag=req.id_tag, now=now, station_id=req.station_id)
    key = _start_key(req)
    existing = session.scalars(select(Transaction).where(Transaction.start_key == key)).first()
    if existing is not None:
        return StartResult(existing.id, auth, duplicate=True)
    tx = Transaction(
        uid="", station_id=req.station_id, evse_id=req.evse_id, connector_id=req.connector_id,
        id_tag=req.id_tag, auth_status=auth.status.value, state=TransactionState.ACTIVE.value,
        started_at=req.timestamp, meter_start_wh=req.meter_start_wh,
        reservation_id=req.reservation_id, start_key=key, created_at=now, updated_at=now,
    )
    session.add(tx)
    session.flush()
    tx.uid = str(tx.id)
    reservations.record_use(session, station_id=req.station_id,
                            reservation_id=req.reservation_id, transaction_id=tx.id)
    session.add(TransactionEvent(
        transaction_id=tx.id, event_type=EventType.STARTED.value, seq_no=0,
        timestamp=req.timestamp, trigger_reason="Authorized",
        offline=req.timestamp < now - LATE_DELIVERY,
        payload={"idTag": req.id_tag, "meterStart": req.meter_start_wh}, received_at=now,
    ))
    return StartResult(tx.id, auth, duplicate=False)


def stop(session: Session, *, req: StopRequest, now: datetime) -> StopResult:
    """Close a transaction. An unknown one is recorded and answered, never crashed on; a
    repeated stop (answer lost) changes nothing."""
    auth = id_tokens.authorize(session, id_tag=req.id_tag, now=now) if req.id_tag else None
    tx = session.scalars(select(Transaction).where(
        Transaction.id == req.transaction_id, Transaction.station_id == req.station_id
    )).one_or_none()
    if tx is None:
        stations.record_event(session, station_id=req.station_id,
                              kind="UnknownStopTransaction",
                              payload={"transactionId": req.transaction_id,
                                       "meterStop": req.meter_stop_wh,
                                       "timestamp": format_timestamp(req.timestamp),
                                       "reason": req.reason, "idTag": req.id_tag}, now=now)
        return StopResult(False, auth, None, None)
    if tx.state == TransactionState.ENDED.value:
        return StopResult(True, auth, tx.energy_wh, tx.meter_values_energy_wh)
    if req.transaction_data:
        meter_values.store(session, station_id=tx.station_id, evse_id=tx.evse_id,
                           connector_id=tx.connector_id, transaction_id=tx.id,
                           samples=req.transaction_data, now=now)
        session.flush()
    tx.state = TransactionState.ENDED.value
    tx.stopped_at = req.timestamp
    tx.meter_stop_wh = req.meter_stop_wh
    tx.stop_reason = req.reason or "Local"
    tx.stop_id_tag = req.id_tag
    tx.energy_wh = energy_between(tx.meter_start_wh or 0, req.meter_stop_wh)
    span = meter_values.register_span_wh(session, transaction_id=tx.id)
    if span is not None:
        # Compare with the register samples including start and stop readings.
        tx.meter_values_energy_wh = span
        # Samples fall inside the session, so they may show less energy, never more.
        tx.energy_mismatch = span > tx.energy_wh + MISMATCH_TOLERANCE_WH
    if tx.meter_stop_wh < (tx.meter_start_wh or 0):
        tx.energy_mismatch = True
    tx.updated_at = now
    last_seq = session.scalar(select(func.max(TransactionEvent.seq_no))
                              .where(TransactionEvent.transaction_id == tx.id)) or 0
    session.add(TransactionEvent(
        transaction_id=tx.id, event_type=EventType.ENDED.value, seq_no=last_seq + 1,
        timestamp=req.timestamp, trigger_reason=req.reason,
        offline=req.timestamp < now - LATE_DELIVERY,
        payload={"meterStop": req.meter_stop_wh, "reason": req.reason, "idTag": req.id_tag},
        received_at=now,
    ))
    return StopResult(True, auth, tx.energy_wh, tx.meter_values_energy_wh)


def get_or_raise(session: Session, *, transaction_id: int) -> Transaction:
    """Return the transaction or raise NotFoundError."""
    tx = session.get(Transaction, transaction_id)
    if tx is None:
        raise NotFoundError(f"transaction {transaction_id} does not exist")
    return tx


def list_filtered(
    session: Session, *, station_id: str | None = None, state: str | None = None,
    limit: int = 100, offset: int = 0, where: ColumnElement[bool] | None = None,
) -> list[Transaction]:
    """Transactions newest first by the station's own start time (late deliveries sort right),
    restricted by `where` (the caller's scope, services.scoping)."""
    query = select(Transaction) if where is None else select(Transaction).where(where)
    if station_id is not None:
        query = query.where(Transaction.station_id == station_id)
    if state is not None:
        query = query.where(Transaction.state == state)
    query = query.order_by(Transaction.started_at.desc(), Transaction.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))


def active_on(session: Session, *, station_id: str, evse_id: int) -> Transaction | None:
    return session.scalars(select(Transaction).where(
        Transaction.station_id == station_id, Transaction.evse_id == evse_id,
        Transaction.state == TransactionState.ACTIVE.value,
    ).order_by(Transaction.started_at.desc())).first()
