"""Profile evaluation as OCPP 1.6 §3.13 prescribes: stack levels, validity, kinds, units, caps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chargegrid.simulator.profile_store import ProfileStore
from chargegrid.simulator.profiles import (
    ChargingProfile,
    ChargingSchedule,
    Kind,
    Limit,
    Purpose,
    RateUnit,
    Recurrency,
    SchedulePeriod,
    profile_limit_at,
    to_amps,
    to_watts,
)
from chargegrid.simulator.smart_charging import (
    TxContext,
    composite_schedule,
    connector_limit,
    share_cap,
    station_cap,
)

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def profile(pid: int, limit: float, *, level: int = 0, purpose: Purpose = Purpose.TX_DEFAULT,
            kind: Kind = Kind.ABSOLUTE, connector: int = 1, unit: RateUnit = RateUnit.A,
            periods: tuple[SchedulePeriod, ...] | None = None, start: datetime | None = T0,
            duration: int | None = None, phases: int | None = None, **kw: object
            ) -> ChargingProfile:
    sched = ChargingSchedule(unit, periods or (SchedulePeriod(0, limit, phases),), duration, start)
    return ChargingProfile(pid, level, purpose, kind, sched, connector, **kw)  # type: ignore[arg-type]


def test_highest_stack_level_wins() -> None:
    profiles = [profile(1, 16, level=0), profile(2, 10, level=2), profile(3, 20, level=1)]
    assert connector_limit(profiles, 1, T0) == Limit(10, 3)


def test_expired_high_level_falls_back_to_lower() -> None:
    high = profile(2, 10, level=5, valid_to=T0 + timedelta(hours=1))
    profiles = [profile(1, 16, level=0), high]
    assert connector_limit(profiles, 1, T0 + timedelta(minutes=59)) == Limit(10)
    assert connector_limit(profiles, 1, T0 + timedelta(hours=1)) == Limit(16)


def test_not_yet_valid_is_ignored() -> None:
    future = profile(2, 8, level=3, valid_from=T0 + timedelta(hours=2))
    assert connector_limit([profile(1, 16), future], 1, T0) == Limit(16)


def test_connector_zero_default_applies_to_every_connector() -> None:
    assert connector_limit([profile(1, 12, connector=0)], 2, T0) == Limit(12)
    assert connector_limit([profile(1, 12, connector=1)], 2, T0) is None


def test_tx_profile_overrides_default_only_during_matching_transaction() -> None:
    profiles = [profile(1, 6, level=9), profile(2, 20, purpose=Purpose.TX, transaction_id=7)]
    assert connector_limit(profiles, 1, T0, TxContext(7, T0)) == Limit(20)
    assert connector_limit(profiles, 1, T0, TxContext(8, T0)) == Limit(6)
    assert connector_limit(profiles, 1, T0) == Limit(6)


def test_periods_step_in_time_and_duration_ends_schedule() -> None:
    periods = (SchedulePeriod(0, 16), SchedulePeriod(600, 8), SchedulePeriod(1200, 32))
    p = profile(1, 0, periods=periods, duration=1800)
    assert profile_limit_at(p, T0 + timedelta(seconds=599)) == Limit(16)
    assert profile_limit_at(p, T0 + timedelta(seconds=600)) == Limit(8)
    assert profile_limit_at(p, T0 + timedelta(seconds=1799)) == Limit(32)
    assert profile_limit_at(p, T0 + timedelta(seconds=1800)) is None
    assert profile_limit_at(p, T0 - timedelta(seconds=1)) is None


def test_recurring_daily_repeats_every_day() -> None:
    periods = (SchedulePeriod(0, 10), SchedulePeriod(3600, 32))
    p = profile(1, 0, kind=Kind.RECURRING, recurrency=Recurrency.DAILY, periods=periods,
                start=T0 - timedelta(days=30), duration=86400)
    assert profile_limit_at(p, T0 + timedelta(minutes=30)) == Limit(10)
    assert profile_limit_at(p, T0 + timedelta(hours=2)) == Limit(32)
    assert profile_limit_at(p, T0 + timedelta(days=3, minutes=5)) == Limit(10)
    assert profile_limit_at(p, T0 - timedelta(minutes=5)) == Limit(32)


def test_recurring_weekly() -> None:
    periods = (SchedulePeriod(0, 10), SchedulePeriod(86400, 20))
    p = profile(1, 0, kind=Kind.RECURRING, recurrency=Recurrency.WEEKLY, periods=periods, start=T0)
    assert profile_limit_at(p, T0 + timedelta(days=7, hours=1)) == Limit(10)
    assert profile_limit_at(p, T0 + timedelta(days=8, hours=1)) == Limit(20)


def test_relative_starts_at_transaction_start() -> None:
    periods = (SchedulePeriod(0, 6), SchedulePeriod(60, 16))
    p = profile(1, 0, kind=Kind.RELATIVE, periods=periods, start=None)
    tx_start = T0 + timedelta(hours=1)
    assert profile_limit_at(p, tx_start + timedelta(seconds=30), tx_start) == Limit(6)
    assert profile_limit_at(p, tx_start + timedelta(seconds=61), tx_start) == Limit(16)


def test_watts_convert_with_number_phases() -> None:
    assert to_amps(11040, 3) == pytest.approx(16.0)
    assert to_watts(16, 1) == pytest.approx(3680.0)
    p = profile(1, 3680, unit=RateUnit.W, phases=1)
    limit = profile_limit_at(p, T0)
    assert limit is not None and limit.amps == pytest.approx(16.0) and limit.phases == 1


def test_charge_point_max_caps_and_is_shared() -> None:
    cap = profile(1, 20, purpose=Purpose.CHARGE_POINT_MAX, connector=0)
    assert station_cap([cap, profile(2, 99)], T0) == Limit(20)
    assert share_cap(20, {1: 16, 2: 16}) == {1: 10, 2: 10}
    assert share_cap(20, {1: 6, 2: 16}) == {1: 6, 2: 14}
    assert share_cap(40, {1: 16, 2: 16}) == {1: 16, 2: 16}


def test_composite_schedule_merges_levels_and_cap() -> None:
    base = profile(1, 16, level=0)
    dip = profile(2, 8, level=1, valid_from=T0 + timedelta(seconds=300),
                  valid_to=T0 + timedelta(seconds=900))
    cap = profile(3, 12, purpose=Purpose.CHARGE_POINT_MAX, connector=0,
                  valid_from=T0 + timedelta(seconds=600))
    comp = composite_schedule([base, dip, cap], 1, T0, 1800, RateUnit.A, Limit(32))
    assert [(p.start_period, p.limit) for p in comp.periods] == [
        (0, 16), (300, 8), (900, 12)]
    watts = composite_schedule([base], 1, T0, 60, RateUnit.W, Limit(32))
    assert watts.periods[0].limit == pytest.approx(11040.0)
    station = composite_schedule([base, cap], 0, T0, 1800, RateUnit.A, Limit(32))
    assert [(p.start_period, p.limit) for p in station.periods] == [(0, 32), (600, 12)]


def test_store_replaces_by_id_and_by_level_purpose_connector() -> None:
    store = ProfileStore()
    store.install(profile(1, 16, level=0))
    store.install(profile(1, 10, level=1))
    store.install(profile(2, 8, level=1))
    assert [p.id for p in store.profiles] == [2]
    store.install(profile(3, 32, purpose=Purpose.TX))
    store.end_transaction(1)
    assert [p.id for p in store.profiles] == [2]
    assert store.clear(purpose=Purpose.TX_DEFAULT)
    assert not store.clear(profile_id=2)
