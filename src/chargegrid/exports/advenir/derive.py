"""Turn ended transactions on funded charge points into stored, frozen operations.

Only ended transactions are derived: an ongoing session's last operation has no end yet,
and deriving once keeps every operation's TransactionID (its row id) and values stable
across re-sends. Meter values arriving after a session was derived are not looked at again.
Work goes in chunks of transactions so memory stays bounded however long the backlog; the
caller commits after each chunk.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, insert, or_, select
from sqlalchemy.orm import Session

from chargegrid.domain.meter import ENERGY_REGISTER, Sample, energy_wh
from chargegrid.exports.advenir import operations as ops
from chargegrid.store.models import (
    AdvenirAccount,
    AdvenirOperation,
    AdvenirSession,
    AdvenirStation,
    MeterValue,
    Transaction,
)

FLOW_MEASURANDS = ("Power.Active.Import", "Current.Import")
CHUNK = 200


@dataclass(frozen=True, slots=True)
class DeriveResult:
    transactions: int
    operations: int


def _candidates(session: Session, *, account: AdvenirAccount,
                limit: int) -> list[tuple[Transaction, AdvenirStation]]:
    """Ended, not yet derived transactions on this account's funded points; an EVSE's own
    declaration wins over a station-wide one."""
    query = (
        select(Transaction, AdvenirStation)
        .join(AdvenirStation, and_(
            AdvenirStation.station_id == Transaction.station_id,
            or_(AdvenirStation.evse_id.is_(None), AdvenirStation.evse_id == Transaction.evse_id),
        ))
        .where(
            AdvenirStation.account_id == account.id,
            AdvenirStation.funded.is_(True),
            Transaction.state == "ended",
            Transaction.stopped_at.is_not(None),
            or_(AdvenirStation.funded_since.is_(None),
                Transaction.started_at >= AdvenirStation.funded_since),
            ~exists().where(AdvenirSession.transaction_id == Transaction.id),
        )
        .order_by(Transaction.id, AdvenirStation.evse_id.is_(None))
        .limit(limit * 2)
    )
    chosen: dict[int, tuple[Transaction, AdvenirStation]] = {}
    for tx, mapping in session.execute(query):
        chosen.setdefault(tx.id, (tx, mapping))
    return list(chosen.values())[:limit]


def _session_data(tx: Transaction, rows: list[MeterValue]) -> ops.SessionData:
    readings: list[ops.Reading] = []
    flow: list[ops.FlowSample] = []
    for row in rows:
        if row.measurand == ENERGY_REGISTER:
            wh = energy_wh(Sample(timestamp=row.timestamp, value=row.value,
                                  measurand=row.measurand, phase=row.phase, unit=row.unit,
                                  format=row.format))
            if wh is not None:
                readings.append(ops.Reading(row.timestamp, round(wh)))
        elif row.value_number is not None:
            flow.append(ops.FlowSample(row.timestamp, ops.is_flowing(
                row.measurand, row.unit, row.value_number, row.phase)))
    assert tx.stopped_at is not None
    return ops.SessionData(started_at=tx.started_at, stopped_at=tx.stopped_at,
                           meter_start_wh=tx.meter_start_wh, meter_stop_wh=tx.meter_stop_wh,
                           readings=readings, flow=flow)


def derive_chunk(session: Session, *, account: AdvenirAccount, now: datetime,
                 limit: int = CHUNK) -> DeriveResult:
    """Derive and store the operations of up to `limit` transactions; (0, 0) when done."""
    candidates = _candidates(session, account=account, limit=limit)
    if not candidates:
        return DeriveResult(0, 0)
    samples: dict[int, list[MeterValue]] = defaultdict(list)
    query = (select(MeterValue)
             .where(MeterValue.transaction_id.in_([tx.id for tx, _ in candidates]),
                    MeterValue.measurand.in_((ENERGY_REGISTER, *FLOW_MEASURANDS)))
             .order_by(MeterValue.transaction_id, MeterValue.timestamp, MeterValue.id))
    for row in session.scalars(query):
        assert row.transaction_id is not None
        samples[row.transaction_id].append(row)
    op_rows: list[dict[str, object]] = []
    session_rows: list[dict[str, object]] = []
    for tx, mapping in candidates:
        data = _session_data(tx, samples.get(tx.id, []))
        derived = ops.derive(data)
        method = ("none" if not derived
                  else "meter_values" if len(data.readings) >= 2 else "start_stop")
        session_rows.append({
            "transaction_id": tx.id, "account_id": account.id, "method": method,
            "operations": len(derived), "energy_wh": sum(o.energy_wh for o in derived),
            "derived_at": now,
        })
        for seq, op in enumerate(derived, start=1):
            curve = op.curve
            op_rows.append({
                "account_id": account.id, "transaction_id": tx.id, "seq": seq,
                "station_id": tx.station_id, "evse_id": tx.evse_id,
                "advenir_station_id": mapping.advenir_station_id,
                "started_at": op.started_at, "stopped_at": op.stopped_at,
                "start_wh": op.start_wh, "stop_wh": op.stop_wh,
                "curve": [list(p) for p in curve] if curve is not None else None,
                "state": "pending", "attempts": 0, "created_at": now,
            })
    session.execute(insert(AdvenirSession), session_rows)
    if op_rows:
        session.execute(insert(AdvenirOperation), op_rows)
    session.flush()
    return DeriveResult(len(candidates), len(op_rows))
