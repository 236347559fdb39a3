"""Meter values: stored exactly as received, in bulk (they are most of the traffic)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from chargegrid.domain.meter import Sample, energy_wh
from chargegrid.store.deferred import defer_insert, flush_deferred
from chargegrid.store.models import MeterValue, Transaction

METER_VALUES: Table = MeterValue.__table__  # type: ignore[assignment]


def store(
    session: Session, *, station_id: str, evse_id: int, connector_id: int,
    transaction_id: int | None, samples: Sequence[Sample], now: datetime,
    transaction_known: bool = False, deferred: bool = False,
) -> int | None:
    """Insert every sample; returns the transaction id they were attached to.

    A transaction id the station names but we do not know is not an error (the station may
    have an offline transaction we will hear of later): the samples are kept unattached.
    `transaction_known` lets a caller that already checked this transaction skip the lookup
    (it is most of a MeterValues message's database cost otherwise). Rows go in through a
    plain table insert: the ORM's bulk path costs twice as much per row. With `deferred`,
    the rows join the batch's single insert (store/deferred.py), written before commit.
    """
    if transaction_id is not None and not transaction_known:
        known = session.scalar(
            select(Transaction.id).where(
                Transaction.id == transaction_id, Transaction.station_id == station_id
            )
        )
        transaction_id = known
    if samples:
        rows = [
                {
                    "station_id": station_id, "evse_id": evse_id, "connector_id": connector_id,
                    "transaction_id": transaction_id, "timestamp": s.timestamp,
                    "value": s.value, "value_number": s.numeric, "measurand": s.measurand,
                    "phase": s.phase, "unit": s.unit, "context": s.context,
                    "location": s.location, "format": s.format, "signed_data": s.signed_data,
                    "received_at": now,
                }
                for s in samples
            ]
        if deferred:
            defer_insert(session, METER_VALUES, rows)
        else:
            session.execute(METER_VALUES.insert(), rows)
    return transaction_id


def for_transaction(session: Session, *, transaction_id: int,
                    measurand: str | None = None) -> list[MeterValue]:
    """A transaction's samples in the station's time order (including rows still queued in
    this session's deferred insert)."""
    flush_deferred(session)
    query = select(MeterValue).where(MeterValue.transaction_id == transaction_id)
    if measurand is not None:
        query = query.where(MeterValue.measurand == measurand)
    return list(session.scalars(query.order_by(MeterValue.timestamp, MeterValue.id)))


def register_span_wh(session: Session, *, transaction_id: int) -> float | None:
    """Energy seen by the import register over the transaction's samples (last − first)."""
    rows = for_transaction(session, transaction_id=transaction_id,
                           measurand="Energy.Active.Import.Register")
    readings = [
        wh for r in rows
        if (wh := energy_wh(Sample(timestamp=r.timestamp, value=r.value, measurand=r.measurand,
                                   phase=r.phase, unit=r.unit, format=r.format))) is not None
    ]
    if len(readings) < 2:
        return None
    return readings[-1] - readings[0]


def page_for_transaction(session: Session, *, transaction_id: int, limit: int, offset: int = 0,
                         measurand: str | None = None) -> list[MeterValue]:
    """One page of a transaction's samples in the station's time order (the REST view)."""
    query = select(MeterValue).where(MeterValue.transaction_id == transaction_id)
    if measurand is not None:
        query = query.where(MeterValue.measurand == measurand)
    query = query.order_by(MeterValue.timestamp, MeterValue.id).limit(limit).offset(offset)
    return list(session.scalars(query))
