"""Charging operations from register readings: a table of cases, then properties."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chargegrid.exports.advenir.operations import (
    FlowSample,
    Reading,
    SessionData,
    derive,
    is_flowing,
)

T = datetime(2026, 3, 1, 8, tzinfo=UTC)


def at(minute: int) -> datetime:
    return T + timedelta(minutes=minute)


def session(values: Sequence[int | None], *, start: int | None = None, stop: int | None = None,
            flow: tuple[int, ...] = ()) -> SessionData:
    """Register readings one minute apart (None: no sample that minute)."""
    readings = [Reading(at(i), v) for i, v in enumerate(values) if v is not None]
    return SessionData(started_at=at(0), stopped_at=at(len(values) - 1),
                       meter_start_wh=start, meter_stop_wh=stop, readings=readings,
                       flow=[FlowSample(at(m), True) for m in flow])


CASES = [
    # name, readings, expected [(start minute, stop minute, start wh, stop wh)]
    ("straight charge", [0, 100, 200, 300], [(0, 3, 0, 300)]),
    ("plugged in before and after", [0, 0, 100, 200, 200, 200], [(1, 3, 0, 200)]),
    ("EMS pause splits", [0, 100, 200, 200, 200, 300, 400], [(0, 2, 0, 200), (4, 6, 200, 400)]),
    ("one-interval pause splits", [0, 100, 100, 200], [(0, 1, 0, 100), (2, 3, 100, 200)]),
    ("two pauses", [0, 50, 50, 90, 90, 90, 120],
     [(0, 1, 0, 50), (2, 3, 50, 90), (5, 6, 90, 120)]),
    ("nothing delivered", [500, 500, 500], []),
    ("meter reset ends an operation", [1000, 1100, 5, 50], [(0, 1, 1000, 1100), (2, 3, 5, 50)]),
    ("gap in samples is one interval", [0, None, None, 300, 400], [(0, 4, 0, 400)]),
]


@pytest.mark.parametrize(("name", "values", "expected"), CASES, ids=[c[0] for c in CASES])
def test_operations_table(name: str, values: list[int | None],
                          expected: list[tuple[int, int, int, int]]) -> None:
    got = derive(session(values))
    assert [(o.started_at, o.stopped_at, o.start_wh, o.stop_wh) for o in got] == [
        (at(a), at(b), c, d) for a, b, c, d in expected
    ]


def test_session_ends_are_readings_when_consistent() -> None:
    """meterStart/meterStop extend the first and last operation to the session's ends."""
    data = SessionData(started_at=at(0), stopped_at=at(10), meter_start_wh=1000,
                       meter_stop_wh=1400,
                       readings=[Reading(at(1), 1100), Reading(at(5), 1300)])
    ops = derive(data)
    assert [(o.started_at, o.stopped_at, o.start_wh, o.stop_wh) for o in ops] == [
        (at(0), at(10), 1000, 1400)]


def test_inconsistent_session_ends_are_ignored() -> None:
    """A meterStart above the first sample (another meter) would make energy up."""
    data = SessionData(started_at=at(0), stopped_at=at(10), meter_start_wh=9999,
                       meter_stop_wh=5, readings=[Reading(at(1), 100), Reading(at(5), 300)])
    assert [(o.start_wh, o.stop_wh) for o in derive(data)] == [(100, 300)]


def test_fallback_without_samples_uses_start_and_stop() -> None:
    data = SessionData(started_at=at(0), stopped_at=at(90), meter_start_wh=1246,
                       meter_stop_wh=4563, readings=[Reading(at(3), 2000)])
    (op,) = derive(data)
    assert (op.started_at, op.stopped_at, op.start_wh, op.stop_wh) == (at(0), at(90), 1246, 4563)
    assert op.curve is None  # two points are not a load curve


def test_fallback_with_nothing_delivered_is_no_operation() -> None:
    data = SessionData(started_at=at(0), stopped_at=at(9), meter_start_wh=10,
                       meter_stop_wh=10, readings=[])
    assert derive(data) == []


def test_power_bridges_a_coarse_register() -> None:
    """A kWh register standing still while the meter shows power is not a pause."""
    ops = derive(session([1000, 1000, 2000, 2000, 3000], flow=(1, 3)))
    assert [(o.start_wh, o.stop_wh) for o in ops] == [(1000, 3000)]
    paused = derive(session([1000, 1000, 2000, 2000, 3000], flow=(1,)))
    assert [(o.start_wh, o.stop_wh) for o in paused] == [(1000, 2000), (2000, 3000)]


def test_flow_thresholds() -> None:
    assert is_flowing("Power.Active.Import", "W", 1500, None)
    assert is_flowing("Power.Active.Import", "kW", 0.2, None)
    assert not is_flowing("Power.Active.Import", "W", 50, None)
    assert is_flowing("Current.Import", "A", 6, "L1")
    assert not is_flowing("Current.Import", "A", 0.1, "L1")


def test_curve_points_and_eligibility() -> None:
    (op,) = derive(session([0, 100, 200]))
    assert op.curve == ((int(at(0).timestamp()), 0), (int(at(1).timestamp()), 100),
                        (int(at(2).timestamp()), 200))
    (short,) = derive(session([0, 100]))
    assert short.curve is None


def test_same_second_readings_keep_the_last() -> None:
    data = SessionData(started_at=at(0), stopped_at=at(2), meter_start_wh=None,
                       meter_stop_wh=None,
                       readings=[Reading(at(0), 0), Reading(at(1), 50), Reading(at(1), 60),
                                 Reading(at(2), 90)])
    (op,) = derive(data)
    assert op.points[1][1] == 60 and op.energy_wh == 90


@given(st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=60),
       st.integers(min_value=0, max_value=10**9))
def test_energy_adds_up_and_operations_do_not_overlap(steps: list[int], base: int) -> None:
    """Monotone register: the operations' energy is exactly the register difference."""
    values = [base]
    for step in steps:
        values.append(values[-1] + step)
    ops = derive(session(values))
    assert sum(o.energy_wh for o in ops) == values[-1] - values[0]
    assert all(o.energy_wh > 0 and o.started_at < o.stopped_at for o in ops)
    assert all(a.stopped_at < b.started_at for a, b in itertools.pairwise(ops))
    assert len(ops) == len([i for i, s in enumerate(steps)
                            if s > 0 and (i == 0 or steps[i - 1] == 0)])


@given(st.lists(st.integers(min_value=-300, max_value=500), min_size=1, max_size=60))
def test_energy_is_never_negative_and_counts_only_rises(steps: list[int]) -> None:
    values = [10_000]
    for step in steps:
        values.append(values[-1] + step)
    ops = derive(session(values))
    assert sum(o.energy_wh for o in ops) == sum(s for s in steps if s > 0)
    assert all(o.energy_wh > 0 for o in ops)
