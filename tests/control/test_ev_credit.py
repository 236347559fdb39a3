"""The EV credit against meter readings (control/ev_credit.py): each point is credited what
it drew when the meters read — never more (base load under-estimated: unsafe), and not less
because of what happened after the readings (base load over-estimated by the controller's
own changes: the allocation chases itself down to 0 A)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chargegrid.bus.events import PhaseCurrents, StationConnected, TransactionStarted
from chargegrid.clock import FixedClock
from chargegrid.control.controller import READING_MARGIN, SiteController
from chargegrid.control.ev_credit import LimitLog, ReadingWindow
from chargegrid.control.live_state import EvseState
from chargegrid.control.site_config import PointConfig, SiteConfig

T = datetime(2026, 6, 1, 12, tzinfo=UTC)
M = timedelta(seconds=3)


def s(seconds: float) -> datetime:
    return T + timedelta(seconds=seconds)


def _evse(*samples: tuple[float, float]) -> EvseState:
    evse = EvseState()
    for at, amps in samples:
        evse.history.append((s(at), {"L1": amps}))
    return evse


@pytest.mark.parametrize(("samples", "start", "end", "expected"), [
    # the sample in force at the start, and every later one up to the end
    (((-20, 16.0),), -3, 3, {"L1": 16.0}),
    (((-20, 16.0), (-1, 0.0), (1, 16.0)), -3, 3, {"L1": 0.0}),    # paused and resumed
    (((-20, 16.0), (5, 0.0)), -3, 3, {"L1": 16.0}),               # paused after: no matter
    (((-20, 10.0), (-4, 16.0)), -3, 3, {"L1": 16.0}),             # raised before the window
    (((-20, 10.0), (-2, 16.0)), -3, 3, {"L1": 10.0}),             # ... or maybe not yet
    (((-1, 16.0),), -3, 3, {}),                                   # nothing known at the start
    ((), -3, 3, {}),
])
def test_samples_at_the_readings(samples: tuple[tuple[float, float], ...], start: float,
                                 end: float, expected: dict[str, float]) -> None:
    assert _evse(*samples).least_between(s(start), s(end)) == expected


@pytest.mark.parametrize(("entries", "start", "end", "expected"), [
    (((-30, 16.0, None),), -3, 0, 16.0),
    (((-30, 16.0, None), (0.5, 10.0, None)), -3, 0, 16.0),   # lowered after the reading
    (((-30, 16.0, None), (-1, 10.0, None)), -3, 0, 10.0),    # lowered in the window
    (((-30, 10.0, None), (-1, 16.0, None)), -3, 0, 10.0),    # raised in it: maybe not yet
    (((-30, 10.0, None), (-4, 16.0, None)), -3, 0, 16.0),
    (((-1, 16.0, None),), -3, 0, 0.0),                       # log begins after the start
    (((-30, 16.0, -2.0),), -3, 0, 6.0),                      # expired: back to fallback
    ((), -3, 0, None),
])
def test_least_limit_in_force(entries: tuple[tuple[float, float, float | None], ...],
                              start: float, end: float, expected: float | None) -> None:
    log = LimitLog()
    for at, amps, until in entries:
        log.record("P", s(at), amps, None if until is None else s(until))
    assert log.least_in_force("P", s(start), s(end), fallback=6.0) == expected


def test_reading_window_widens_by_the_margin() -> None:
    window = ReadingWindow.around(s(-1), s(0), M)
    assert (window.start, window.limits_until, window.samples_until) == (s(-4), s(0), s(3))


def _set(clock: FixedClock, at: datetime) -> None:
    clock.advance((at - clock.now()).total_seconds())


class StubMeters:
    """One fresh reading at HV, taken at `at`."""

    def __init__(self, at: datetime, total: float) -> None:
        self.at, self.total = at, total

    def reading_span(self, now: datetime) -> tuple[datetime, datetime]:
        return self.at, self.at

    def measured(self, now: datetime) -> dict[str, dict[str, float] | None]:
        return {"HV": dict.fromkeys(("L1", "L2", "L3"), self.total)}


class NoCommands:
    async def send_many(self, *_: Any, **__: Any) -> Any:
        raise AssertionError("not used")


def _controller(clock: FixedClock, meters: StubMeters) -> tuple[SiteController, SiteConfig]:
    controller = SiteController(site_id=1, sessions=None, commands=NoCommands(),  # type: ignore[arg-type]
                                clock=clock, meters=meters)  # type: ignore[arg-type]
    point = PointConfig("P", "P", 1, "HV", "L1", "R", 32.0)
    config = SiteConfig(1, "dynamic", {"nodes": [{"id": "HV", "limit_a": 100}]}, (point,))
    controller.fallbacks = {"P": 6.0}
    controller.notify(StationConnected("P", s(-60)))
    controller.notify(TransactionStarted("P", 1, 7, s(-60)))
    controller.notify(PhaseCurrents("P", 1, {"L1": 16.0, "L2": 16.0, "L3": 16.0}, s(-20)))
    _set(clock, s(-30))
    controller._record_limit("P", 16.0, s(90), sent_at=s(-30))
    return controller, config


def test_a_reading_before_a_lowering_is_credited_the_draw_it_saw() -> None:
    # Base 50 A + the car's 16 A read at T; the controller lowers the car to 10 A just
    # after, and a cycle runs before the next reading: the base load is still 50 A (it was
    # taken as 56 A, then everything was lowered again, and again).
    clock = FixedClock(s(0))
    controller, config = _controller(clock, StubMeters(s(0), 66.0))
    _set(clock, s(0.5))
    controller._record_limit("P", 10.0, s(120), sent_at=s(0.4))
    base, _, _ = controller._measured_base_load(config, s(0.7))
    assert base["HV"] == dict.fromkeys(("L1", "L2", "L3"), 50.0)


def test_a_reading_after_a_lowering_is_never_credited_more_than_the_new_limit() -> None:
    # The car may already draw 10 A when the meter reads, its sample still says 16 A.
    clock = FixedClock(s(0))
    controller, config = _controller(clock, StubMeters(s(2), 60.0))
    _set(clock, s(0.5))
    controller._record_limit("P", 10.0, s(120), sent_at=s(0.4))
    base, _, _ = controller._measured_base_load(config, s(2.2))
    assert base["HV"] == dict.fromkeys(("L1", "L2", "L3"), 50.0)
    # A lowering is logged from when it was sent: the station may apply it before we hear.
    assert controller._limits.least_in_force("P", s(0.4), s(0.4), 6.0) == 10.0


def test_a_raise_counts_only_once_re_measured_and_past_the_margin() -> None:
    clock = FixedClock(s(0))
    controller, config = _controller(clock, StubMeters(s(0), 66.0))
    _set(clock, s(0.5))
    controller._record_limit("P", 20.0, s(120), sent_at=s(0.4))   # raised: from acceptance
    controller.notify(PhaseCurrents("P", 1, {"L1": 20.0, "L2": 20.0, "L3": 20.0}, s(1)))
    controller.meters = StubMeters(s(2), 70.0)  # type: ignore[assignment]
    base, _, _ = controller._measured_base_load(config, s(2.2))
    assert base["HV"]["L1"] == 70.0 - 16.0        # the meter may have read before the raise
    later = s(1) + READING_MARGIN + timedelta(seconds=0.5)
    controller.meters = StubMeters(later, 70.0)  # type: ignore[assignment]
    base, _, _ = controller._measured_base_load(config, later)
    assert base["HV"]["L1"] == 50.0
