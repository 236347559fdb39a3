"""Raise pacing (control/raise_pacing.py): on a metered site a raise goes part of the way, so
the reading that sees the vehicles take it before their samples do does not bring every
limit back down (the swing)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

import pytest

from chargegrid.bus.events import PhaseCurrents, StationConnected, TransactionStarted
from chargegrid.clock import FixedClock
from chargegrid.control.controller import RECHECK_SLACK_S, ControllerOptions, SiteController
from chargegrid.control.profile_plan import PlanOptions
from chargegrid.control.raise_pacing import paced_limit
from chargegrid.control.site_config import PointConfig, SiteConfig
from chargegrid.domain.commands import SetChargingProfile

T = datetime(2026, 6, 1, 12, tzinfo=UTC)
PHASES = ("L1", "L2", "L3")


@pytest.mark.parametrize(("allocated", "in_force", "credited", "expected"), [
    (10.0, 16.0, 16.0, 10.0),     # a lowering is never paced
    (16.0, 16.0, 16.0, 16.0),
    (16.0, 10.0, 10.0, 12.7),     # 45 % of the way
    (11.5, 10.0, 10.0, 10.0),     # 45 % of 1.5 A is under the step: held where it is
    (32.0, 0.0, 0.0, 14.4),       # a stopped vehicle restarts at 45 % of its allocation ...
    (8.0, 0.0, 0.0, 6.0),         # ... and at its minimum at least
    (16.0, 12.7, 10.0, 12.7),     # raised to 12.7, not yet counted: no second raise on top
    (16.0, 12.7, 12.7, 14.1),     # counted: the next round
])
def test_paced_limit(allocated: float, in_force: float, credited: float,
                     expected: float) -> None:
    paced = paced_limit(allocated, in_force, credited, fraction=0.45, step_a=1.0, min_a=6.0)
    assert paced == pytest.approx(expected)
    assert paced <= allocated  # never more than the allocation: every node stays inside


def test_fraction_one_sends_raises_whole() -> None:
    assert paced_limit(16.0, 10.0, 10.0, fraction=1.0, step_a=1.0, min_a=6.0) == 16.0


# -- the swing, with the real controller ------------------------------------------------------

N = 4
LIMIT_A = 100.0          # HV, per phase


class Site:
    """N three-phase cars at HV behind one grid meter. The cars follow a new limit at once,
    the meter reads base + what they draw, and their own samples arrive only when asked
    (`sample()`): the lag that makes a raise look like base load."""

    def __init__(self, clock: FixedClock, base: float) -> None:
        self.clock, self.base = clock, base
        self.drawn = dict.fromkeys((f"P{k}" for k in range(N)), 0.0)
        self.read_at = clock.now()
        self.sent: list[dict[str, float]] = []

    # SiteMeters, as the controller uses it
    def reading_span(self, now: datetime) -> tuple[datetime, datetime]:
        return self.read_at, self.read_at

    def measured(self, now: datetime) -> dict[str, dict[str, float] | None]:
        return {"HV": dict.fromkeys(PHASES, self.base + sum(self.drawn.values()))}

    # CommandService.send_many: every profile accepted, the car follows it at once
    async def send_many(self, commands: list[tuple[str, Any]], **_: Any) -> list[Any]:
        batch = {}
        for station_id, command in commands:
            assert isinstance(command, SetChargingProfile)
            limit = command.profile.periods[0].limit
            if command.profile.stack_level > 0:  # live limits, not the fallback
                batch[station_id] = limit
                self.drawn[station_id] = limit
        if batch:
            self.sent.append(batch)
        return [Accepted() for _ in commands]


class Accepted:
    error = None

    class result:
        status = "Accepted"


def _controller(site: Site, fraction: float, **options: Any
                ) -> tuple[SiteController, SiteConfig]:
    options = {"remeasure_delay_s": None, **options,
               "plan": PlanOptions(step_a=1.0, raise_fraction=fraction)}
    controller = SiteController(site_id=1, sessions=None, commands=site,  # type: ignore[arg-type]
                                clock=site.clock, meters=site,  # type: ignore[arg-type]
                                external_limits=lambda _: {},
                                options=ControllerOptions(**options))
    points = tuple(PointConfig(pid, pid, 1, "HV", "L1", "R", 32.0) for pid in site.drawn)
    config = SiteConfig(1, "dynamic", {"fallback": {"mode": "zero"},
                                       "nodes": [{"id": "HV", "limit_a": LIMIT_A}]}, points)
    controller._load = lambda: config  # type: ignore[method-assign]
    controller._store_history = lambda rows: None  # type: ignore[method-assign]
    for pid in site.drawn:
        controller.notify(StationConnected(pid, T))
        controller.notify(TransactionStarted(pid, 1, 1, T))
    return controller, config


async def _second(controller: SiteController, site: Site, *, sample: bool) -> None:
    """One second of the site: the clock moves, the meter reads, maybe the cars report
    their draw, and a cycle runs."""
    site.clock.advance(1.0)
    site.read_at = site.clock.now()
    if sample:
        for pid, amps in site.drawn.items():
            controller.notify(PhaseCurrents(pid, 1, dict.fromkeys(PHASES, amps),
                                            site.clock.now()))
    await controller.cycle()


async def _run(fraction: float) -> tuple[dict[str, float], list[dict[str, float]]]:
    """Start the cars, settle them at 10 A under a high base load, then let the base load
    fall by 24 A (6 A more per car) and run 45 seconds with samples every 5 s. Returns the
    limits the cars drew before the fall, and the batches of live limits sent after it."""
    site = Site(FixedClock(T), base=36.0)
    controller, _ = _controller(site, fraction)
    for second in range(30):
        await _second(controller, site, sample=second % 5 == 0)
    site.base = 60.0
    for second in range(30):
        await _second(controller, site, sample=second % 5 == 0)
    before = dict(site.drawn)
    site.sent.clear()
    site.base = 36.0
    for second in range(45):
        await _second(controller, site, sample=second % 5 == 4)
    return before, site.sent


def _lowered(batches: list[dict[str, float]]) -> list[tuple[str, float, float]]:
    last: dict[str, float] = {}
    down = []
    for batch in batches:
        for pid, limit in batch.items():
            if pid in last and limit < last[pid] - 1e-9:
                down.append((pid, last[pid], limit))
            last[pid] = limit
    return down


async def test_a_paced_raise_is_never_followed_by_a_lowering() -> None:
    before, batches = await _run(0.45)
    # Settled at or a little under the 10 A available (the lowering met a raise not yet
    # re-measured, and what it took too much is within a paced step of the allocation).
    assert all(10.0 - 0.3 / 0.45 <= amps <= 10.0 for amps in before.values()), before
    assert batches, "the fall of the base load was not acted on"
    assert _lowered(batches) == []
    final = batches[-1]
    # approached geometrically, in a few rounds: within paced step / fraction of the 16 A
    # now available
    assert all(16.0 - 0.3 / 0.45 <= limit <= 16.0 for limit in final.values()), final
    assert len(batches) <= 7, batches


async def test_whole_raises_swing() -> None:
    # What pacing prevents: raises sent whole come back as lowerings (here the site does
    # not even settle before the fall: every start from 0 A swings).
    _, batches = await _run(1.0)
    assert _lowered(batches)


async def test_a_raise_is_followed_by_a_cycle_once_it_can_be_credited() -> None:
    # A steady meter does not wake the controller, and the period is an hour: the next
    # round of a paced raise comes from the cycle the raise itself schedules.
    site = Site(FixedClock(T), base=36.0)
    controller, _ = _controller(site, 0.45, period_s=3600, debounce_s=0.0,
                                reading_margin_s=0.1)
    task = asyncio.create_task(controller.run())
    try:
        controller.wake()
        async with asyncio.timeout(5):
            while controller.cycles < 1:
                await asyncio.sleep(0.01)
        assert site.sent and all(v == 7.2 for v in site.sent[-1].values())  # raised from 0
        assert controller.cycles == 1
        async with asyncio.timeout(RECHECK_SLACK_S + 2):
            while controller.cycles < 2:
                await asyncio.sleep(0.01)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
