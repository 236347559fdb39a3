"""Deferred meter-value inserts read back exactly as the ORM would have stored them, on both
backends (SQLite takes a driver-level executemany, PostgreSQL SQLAlchemy's path)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from chargegrid.domain.meter import Sample
from chargegrid.runtime import Runtime
from chargegrid.services import meter_values
from chargegrid.store.deferred import flush_deferred
from chargegrid.store.models import MeterValue
from tests.helpers import seed

PARIS_SUMMER = timezone(timedelta(hours=2))


def _sample(ts: datetime, value: str, **kw: str | None) -> Sample:
    fields: dict[str, str | None] = {"measurand": "Energy.Active.Import.Register",
                                     "phase": None, "unit": "Wh", "context": "Sample.Periodic",
                                     "location": "Outlet", "format": "Raw"}
    fields.update(kw)
    return Sample(timestamp=ts, value=value, **fields)  # type: ignore[arg-type]


def test_deferred_rows_read_back_like_orm_rows(runtime: Runtime) -> None:
    seed(runtime)
    local = datetime(2026, 7, 1, 14, 0, 0, 123456, tzinfo=PARIS_SUMMER)
    received = datetime(2026, 7, 1, 12, 0, 1, tzinfo=UTC)
    samples = [_sample(local, "1234.5"), _sample(local, "16.2", measurand="Current.Import",
                                                 phase="L2", unit="A"),
               _sample(local + timedelta(seconds=1), "abc", unit=None, format="SignedData")]
    with runtime.sessions() as s:
        meter_values.store(s, station_id="CP1", evse_id=1, connector_id=1, transaction_id=None,
                           samples=samples, now=received, deferred=True)
        flush_deferred(s)
        s.commit()
    with runtime.sessions() as s:
        rows = list(s.scalars(select(MeterValue).order_by(MeterValue.id)))
    assert [r.timestamp for r in rows] == [local, local, local + timedelta(seconds=1)]
    assert all(r.timestamp.utcoffset() == timedelta(0) for r in rows)
    assert rows[0].timestamp == datetime(2026, 7, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert [r.received_at for r in rows] == [received] * 3
    assert [(r.value, r.value_number, r.measurand, r.phase, r.unit, r.format) for r in rows] == [
        ("1234.5", 1234.5, "Energy.Active.Import.Register", None, "Wh", "Raw"),
        ("16.2", 16.2, "Current.Import", "L2", "A", "Raw"),
        ("abc", None, "Energy.Active.Import.Register", None, None, "SignedData")]
    # Ordering by time works across the two paths (text format identical on SQLite).
    with runtime.sessions() as s:
        meter_values.store(s, station_id="CP1", evse_id=1, connector_id=1, transaction_id=None,
                           samples=[_sample(local - timedelta(microseconds=1), "1")],
                           now=received)
        s.commit()
        first = s.scalars(select(MeterValue).order_by(MeterValue.timestamp)).first()
        assert first is not None and first.value == "1"


def test_naive_datetime_is_refused_and_nothing_written(runtime: Runtime) -> None:
    seed(runtime)
    naive = datetime(2026, 7, 1, 12, 0, 0)
    with runtime.sessions() as s:
        meter_values.store(s, station_id="CP1", evse_id=1, connector_id=1, transaction_id=None,
                           samples=[_sample(naive, "1")], now=datetime.now(UTC), deferred=True)
        with pytest.raises(Exception, match="naive"):
            flush_deferred(s)
        s.rollback()
    with runtime.sessions() as s:
        assert s.scalars(select(MeterValue)).first() is None
