"""The safety rule as a table: stale or missing → None (static limits), never "no limit"."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from chargegrid.meters import Freshness, MeterHealth, MeterReading, PhaseValues, base_load

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
HEALTH = MeterHealth(max_age=timedelta(seconds=10))


@pytest.mark.parametrize("last, now, expected", [
    (None, T0, Freshness.MISSING),
    (T0, T0, Freshness.FRESH),
    (T0, T0 + timedelta(seconds=10), Freshness.FRESH),           # exactly max_age: still ok
    (T0, T0 + timedelta(seconds=10, microseconds=1), Freshness.STALE),
    (T0, T0 + timedelta(hours=1), Freshness.STALE),
    (T0 + timedelta(seconds=3), T0, Freshness.FRESH),             # small clock jitter
    (T0 + timedelta(seconds=11), T0, Freshness.STALE),            # far future: clock jump
])
def test_status(last: datetime | None, now: datetime, expected: Freshness) -> None:
    assert HEALTH.status(last, now) is expected
    assert HEALTH.is_fresh(last, now) is (expected is Freshness.FRESH)


def test_max_age_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        MeterHealth(max_age=timedelta(0))


def reading(at: datetime, *currents: float) -> MeterReading:
    return MeterReading("grid", at, PhaseValues(*currents))


def test_usable_currents_falls_back_with_none() -> None:
    fresh = reading(T0, 10, 11, 12)
    assert HEALTH.usable_currents(fresh, T0 + timedelta(seconds=5)) == (10, 11, 12)
    assert HEALTH.usable_currents(fresh, T0 + timedelta(seconds=11)) is None
    assert HEALTH.usable_currents(None, T0) is None
    assert HEALTH.usable_currents(reading(T0, 1, math.nan, 1), T0) is None


@pytest.mark.parametrize("total, ev, expected", [
    ((30, 20, 10), (16, 16, 0), (14, 4, 10)),
    ((30, 20, 10), (0, 0, 0), (30, 20, 10)),
    ((10, 10, 10), (16, 0, 32), (0, 10, 0)),   # EV reports more than the meter saw: clamp
    ((0, 0, 0), (0, 0, 0), (0, 0, 0)),
    ((-5, 3, 3), (0, 0, 0), (0, 3, 3)),        # export on a phase is not negative base load
])
def test_base_load(total: tuple[float, float, float], ev: tuple[float, float, float],
                   expected: tuple[float, float, float]) -> None:
    result = base_load(total, ev)
    assert isinstance(result, PhaseValues)
    assert result == pytest.approx(expected)
    assert all(v >= 0 for v in result)


def test_base_load_refuses_wrong_shapes_and_nan() -> None:
    with pytest.raises(ValueError, match="three phases"):
        base_load((1, 2), (1, 2, 3))
    with pytest.raises(ValueError, match="finite"):
        base_load((math.nan, 1, 1), (0, 0, 0))
