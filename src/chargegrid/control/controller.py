"""One site's control loop: on events and on a period, take a snapshot, allocate with the
pure engine, and push the limits that changed.

Everything reaches stations through the one command path (audited, with timeouts). A
station that rejects TxProfiles is switched to TxDefaultProfile for live limits; a station
that (re)connects first gets its persistent fallback profile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from chargegrid.aio import wait_event
from chargegrid.bus.events import Event, StationDisconnected
from chargegrid.clock import Clock
from chargegrid.control import base_load, fallback, site_config, snapshot
from chargegrid.control.ev_credit import (
    LimitLog,
    ReadingWindow,
    by_grid_phase,
    limit_cap,
    point_credit,
)
from chargegrid.control.live_state import PHASE_DRAW_A, LiveState
from chargegrid.control.load_history import LoadHistory
from chargegrid.control.profile_plan import (
    PlanOptions,
    SentLimit,
    fallback_profile,
    floor_tenth,
    live_profile,
    needs_send,
)
from chargegrid.control.raise_pacing import paced_limit
from chargegrid.control.remeasure import Remeasure
from chargegrid.control.rotation import Rotation
from chargegrid.control.site_config import PointConfig, SiteConfig
from chargegrid.control.site_meters import SiteMeters
from chargegrid.domain.commands import ChargingProfile, Purpose, SetChargingProfile
from chargegrid.ems.allocate import allocate_scenario
from chargegrid.ems.phases import PHASES
from chargegrid.services import external_limits
from chargegrid.services.commands import CommandService
from chargegrid.store.models import NodeLoadSample

log = logging.getLogger(__name__)

Allocator = Callable[[dict[str, Any]], dict[str, Any]]
FallbackPlanner = Callable[[SiteConfig], dict[str, float]]
PhaseLoad = dict[str, float]
# Readings and MeterValues are stamped on receipt, a little after they were measured: the
# EV credit looks this much either side of the readings (see ev_credit.py).
READING_MARGIN = timedelta(seconds=3)
# After a raise, the cycle that may credit it runs this long after the re-measure and the
# reading margin: the triggered samples' round trip and one meter reading.
RECHECK_SLACK_S = 1.5
# Temporary limits imposed from outside (grid operator signal, API): node → per-phase amps.
ExternalLimits = Callable[[datetime], dict[str, PhaseLoad]]


@dataclass(frozen=True, slots=True)
class ControllerOptions:
    period_s: float = 15.0
    debounce_s: float = 0.2
    max_parallel_sends: int = 64
    rotation_s: float = 900.0
    # After a raise, ask the raised stations for a fresh sample this long after (None: no):
    # see remeasure.py. At most `remeasure_max` stations per raise cycle.
    remeasure_delay_s: float | None = 1.0
    remeasure_max: int = 1000
    # How long before its receipt a meter reading or a MeterValues sample may have been
    # measured: the EV credit looks this far either side of the readings (ev_credit.py).
    reading_margin_s: float = READING_MARGIN.total_seconds()
    plan: PlanOptions = field(default_factory=PlanOptions)


@dataclass(slots=True)
class CycleReport:
    at: datetime
    allocation: dict[str, Any]
    sent: dict[str, float]
    failed: dict[str, str]
    offline: tuple[str, ...] = ()
    flagged: tuple[str, ...] = ()
    stale_meters: tuple[str, ...] = ()
    # Where the cycle's time went, ms per phase (load, fallbacks, allocate, lower, raise,
    # history): what an operator looks at when reaction is slow.
    timings_ms: dict[str, float] = field(default_factory=dict)


class Stopwatch:
    """Laps of a control cycle, in ms (monotonic: the site clock may be simulated)."""

    def __init__(self) -> None:
        self._last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round((now - self._last) * 1000, 1)
        self._last = now


class SiteController:
    """Runs until cancelled; `notify(event)` is its bus subscription."""

    def __init__(self, *, site_id: int, sessions: sessionmaker[Session], commands: CommandService,
                 clock: Clock, allocate: Allocator = allocate_scenario,
                 plan_fallback: FallbackPlanner = fallback.plan,
                 meters: SiteMeters | None = None, external_limits: ExternalLimits | None = None,
                 options: ControllerOptions | None = None) -> None:
        self.site_id = site_id
        self._sessions = sessions
        self._commands = commands
        self._clock = clock
        self._allocate = allocate
        self._plan_fallback = plan_fallback
        self.meters = meters
        self._external = external_limits
        self.options = options or ControllerOptions()
        self.live = LiveState()
        self.sent: dict[str, SentLimit] = {}
        self.purpose: dict[str, Purpose] = {}
        self.fallbacks: dict[str, float] = {}
        self._fallbacks_for: SiteConfig | None = None
        # Fallback limit each point's station holds on its current connection.
        self._fallback_held: dict[str, float] = {}
        self._wake = asyncio.Event()
        self._recheck: asyncio.TimerHandle | None = None
        # Per point, the current this cycle's EV credit counted (on the phases it draws
        # on): what a raise shows up as base load above, so raises are paced from it.
        self._credited: dict[str, float] = {}
        self.last: CycleReport | None = None
        self.cycles = 0
        self.history = LoadHistory(site_id)
        self.rotation = Rotation(self.options.rotation_s)
        # Limits each point accepted, and when: what it may have drawn when a meter read.
        self._limits = LimitLog()
        self.remeasure = Remeasure(
            commands, delay_s=self.options.remeasure_delay_s or 0.0,
            max_per_cycle=(self.options.remeasure_max
                           if self.options.remeasure_delay_s is not None else 0),
            max_parallel=self.options.max_parallel_sends)

    def notify(self, event: Event) -> None:
        """Bus subscriber: update live state and ask for a new allocation soon."""
        station_id = self.live.apply(event)
        if station_id is None:
            return
        if isinstance(event, StationDisconnected):
            for table in (self._fallback_held, self.sent):
                for key in [k for k in table if k.split("#")[0] == station_id]:
                    del table[key]
        self._wake.set()

    async def run(self) -> None:
        try:
            while True:
                if await wait_event(self._wake, self.options.period_s):
                    await asyncio.sleep(self.options.debounce_s)
                self._wake.clear()
                try:
                    await self.cycle()
                except Exception:
                    log.exception("site %s: control cycle failed", self.site_id)
        finally:
            if self._recheck is not None:
                self._recheck.cancel()
            await self.remeasure.close()

    async def cycle(self) -> CycleReport | None:
        watch = Stopwatch()
        config = await asyncio.to_thread(self._load)
        if config is None:
            return None
        watch.lap("load")
        if config != self._fallbacks_for:  # the plan depends on the configuration alone
            self.fallbacks = self._plan_fallback(config)
            self._fallbacks_for = config
        await self._send_fallbacks(config)
        watch.lap("fallbacks")
        now = self._clock.now()
        base, node_limits, stale = self._measured_base_load(config, now)
        external = (self._external(now) if self._external is not None
                    else await asyncio.to_thread(self._read_external_limits, now))
        for node, limit in external.items():
            current = node_limits.get(node)
            node_limits[node] = limit if current is None else {
                p: min(current[p], limit[p]) for p in PHASES}
        order = self.rotation.order([p.point_id for p in config.points], now)
        snap = snapshot.build(config, self.live, now, self.sent, self.fallbacks, base,
                              node_limits, order)
        points = snap.points
        allocation = self._allocate(snap.scenario)
        limits = {pid: float(v["limit_a"]) for pid, v in allocation["stations"].items()}
        sends = self._idle_default_resets(config, now)
        plan = self.options.plan
        # Only a raise a meter reads before the point's samples do needs pacing.
        metered = base_load.read_through(list(config.topology.get("nodes", [])), set(base))
        for pid, point in points.items():
            evse = self.live.station(point.station_id).evse(point.evse_id)
            if not evse.in_session or not self.live.station(point.station_id).connected:
                continue
            target, step = limits.get(pid, 0.0), plan.step_a
            if point.node in metered:
                step = plan.paced_step_a
                in_force = self._effective_limit(pid, now)
                target = paced_limit(target, in_force, self._credited.get(pid, in_force),
                                     fraction=plan.raise_fraction, step_a=step,
                                     min_a=point.min_a)
            if needs_send(self.sent.get(pid), target, now, plan, step_a=step):
                sends[pid] = target
        self.rotation.record(limits, set(points), now)
        watch.lap("allocate")
        failed = await self._push({p.point_id: p for p in config.points}, sends, now, watch)
        finished = self.history.add(now, allocation.get("nodes", {}))
        if finished:
            await asyncio.to_thread(self._store_history, finished)
        watch.lap("history")
        self.cycles += 1
        self.last = CycleReport(now, allocation, {k: v for k, v in sends.items()
                                                  if k not in failed}, failed,
                                snap.offline, snap.flagged, stale, watch.laps)
        return self.last

    def _idle_default_resets(self, config: SiteConfig, now: datetime) -> dict[str, float]:
        """A point driven by live TxDefaultProfiles keeps its last live limit after its
        session ends (a TxProfile dies with its transaction); the next vehicle would start
        at it before we could react. Bring such points back to their fallback."""
        resets: dict[str, float] = {}
        for point in config.points:
            pid = point.point_id
            sent = self.sent.get(pid)
            state = self.live.station(point.station_id)
            if (sent is not None and sent.purpose == "TxProfile"
                    and not state.evse(point.evse_id).in_session):
                # A TxProfile ends with its transaction: the station is back at its
                # fallback, and a new session there must count as a raise from it.
                del self.sent[pid]
                self._record_limit(pid, self.fallbacks.get(pid, 0.0))
                continue
            if (sent is None or sent.purpose != "TxDefaultProfile" or not state.connected
                    or state.evse(point.evse_id).in_session or sent.valid_until <= now):
                continue
            fallback_a = self.fallbacks.get(pid, 0.0)
            if sent.limit_a != fallback_a:
                resets[pid] = fallback_a
        return resets

    def _record_limit(self, pid: str, amps: float, valid_until: datetime | None = None, *,
                      sent_at: datetime | None = None) -> None:
        """Log an accepted limit. A lowering may act from the moment the station has it,
        before its answer reaches us: it is logged from when it was sent; a raise only from
        when it was accepted. Either way a reading in between sees the lower of the two."""
        now = self._clock.now()
        previous = self._limits.last(pid)
        if previous is None:
            previous = self._effective_limit(pid, now)
        lowered_at = sent_at if sent_at is not None and floor_tenth(amps) <= previous else None
        self._limits.record(pid, lowered_at or now, floor_tenth(amps), valid_until)

    def _effective_limit(self, pid: str, now: datetime) -> float:
        """What the point's station applies now: its live limit while valid, else its
        fallback (both as the station rounds them)."""
        sent = self.sent.get(pid)
        if sent is not None and sent.valid_until > now:
            return floor_tenth(sent.limit_a)
        return floor_tenth(self.fallbacks.get(pid, 0.0))

    def _measured_base_load(self, config: SiteConfig, now: datetime
                            ) -> tuple[dict[str, PhaseLoad], dict[str, PhaseLoad],
                                       tuple[str, ...]]:
        """Dynamic sites: base load from fresh meters, static budgets where they are stale."""
        self._credited.clear()
        if config.mode != "dynamic" or self.meters is None:
            return {}, {}, ()
        # Each point is credited what it drew when the meters read, never more (that would
        # under-estimate the base load): see ev_credit.py.
        span = self.meters.reading_span(now)
        window = ReadingWindow.around(*(span or (now, now)),
                                      timedelta(seconds=self.options.reading_margin_s))
        ev: dict[str, PhaseLoad] = {}
        spare: dict[str, PhaseLoad] = {}
        for point in config.points:
            pid = point.point_id
            evse = self.live.station(point.station_id).evse(point.evse_id)
            fallback_a = floor_tenth(self.fallbacks.get(pid, 0.0))
            least = self._limits.least_in_force(pid, window.start, window.limits_until,
                                                fallback_a)
            cap = limit_cap(self._effective_limit(pid, now) if least is None else least,
                            point.min_a)
            by_phase = point_credit(evse, cap, window)
            self._credited[pid] = min((a for a in by_phase.values() if a > PHASE_DRAW_A),
                                      default=0.0)
            credit = by_grid_phase(by_phase, point.grid_phases(), PHASES)
            node_ev = ev.setdefault(point.node, dict.fromkeys(PHASES, 0.0))
            node_spare = spare.setdefault(point.node, dict.fromkeys(PHASES, 0.0))
            for phase in PHASES:
                node_ev[phase] += credit[phase]
                node_spare[phase] += self.fallbacks.get(pid, 0.0)
        result = base_load.compute(list(config.topology.get("nodes", [])),
                                   self.meters.measured(now), ev, spare,
                                   config.topology.get("static_limits_a"))
        return result.base_load, dict(result.node_limits), result.stale_nodes

    def wake(self) -> None:
        """Allocate now (a new external limit, an edited topology)."""
        self._wake.set()

    def _read_external_limits(self, now: datetime) -> dict[str, PhaseLoad]:
        with self._sessions() as session:
            active = external_limits.active(session, site_id=self.site_id, now=now)
        return {node: dict.fromkeys(PHASES, amps) for node, amps in active.items()}

    def _store_history(self, rows: list[NodeLoadSample]) -> None:
        with self._sessions() as session:
            session.add_all(rows)
            session.commit()

    def _load(self) -> SiteConfig | None:
        with self._sessions() as session:
            return site_config.load(session, site_id=self.site_id)

    async def _push(self, points: dict[str, PointConfig], sends: dict[str, float],
                    now: datetime, watch: Stopwatch) -> dict[str, str]:
        # Lower (and renew) first, raise only once every lowering is confirmed: sent all at
        # once, a raise could land before the lowering that makes room for it.
        lower = {pid: a for pid, a in sends.items() if a <= self._effective_limit(pid, now)}
        raise_ = {pid: a for pid, a in sends.items() if pid not in lower}
        failed = await self._deliver(points, lower, now)
        watch.lap("lower")
        if failed and raise_:
            log.warning("site %s: %d limit(s) not lowered (%s); raises held until they are",
                        self.site_id, len(failed), ", ".join(sorted(failed)))
            for pid in raise_:
                failed[pid] = "held: another point's lower limit was not confirmed"
            return failed
        failed.update(await self._deliver(points, raise_, now))
        watch.lap("raise")
        # Their samples show the old current until re-measured: ask for one (remeasure.py).
        self.remeasure.after_raise((pid, points[pid].station_id, points[pid].evse_id)
                                   for pid in raise_ if pid not in failed)
        if any(pid not in failed for pid in raise_):
            self._recheck_after_raise()
        return failed

    def _recheck_after_raise(self) -> None:
        """Run a cycle once the raise can be credited: a paced raise goes on from there
        (raise_pacing.py), and a steady meter would not wake us before the period."""
        delay = ((self.options.remeasure_delay_s or 0.0) + self.options.reading_margin_s
                 + RECHECK_SLACK_S)
        if self._recheck is not None:
            self._recheck.cancel()
        self._recheck = asyncio.get_running_loop().call_later(delay, self._wake.set)

    async def _deliver(self, points: dict[str, PointConfig], limits: dict[str, float],
                       now: datetime) -> dict[str, str]:
        """Send these live limits as one batch; a point whose station rejects its profile
        type is retried at once with the next one (TxProfile, then TxDefaultProfile)."""
        failed: dict[str, str] = {}
        tried = dict.fromkeys(limits, 0)
        todo = list(limits)
        while todo:
            batch: list[tuple[str, Purpose, ChargingProfile]] = []
            for pid in todo:
                point = points[pid]
                tx = self.live.station(point.station_id).evse(point.evse_id).transaction_id
                purpose = self._purposes(pid)[tried[pid]]
                batch.append((pid, purpose, live_profile(limits[pid], now, self.options.plan,
                                                         transaction_id=tx, purpose=purpose)))
            sent_at = self._clock.now()
            deliveries = await self._commands.send_many(
                [(points[pid].station_id, SetChargingProfile(points[pid].evse_id, profile))
                 for pid, _, profile in batch],
                requested_by="ems", max_parallel=self.options.max_parallel_sends)
            todo = []
            for (pid, purpose, profile), delivery in zip(batch, deliveries, strict=True):
                if delivery.error is not None:
                    failed[pid] = delivery.error.message
                elif delivery.result is not None and delivery.result.status == "Accepted":
                    assert profile.valid_to is not None
                    self._record_limit(pid, limits[pid], profile.valid_to, sent_at=sent_at)
                    self.purpose[pid] = purpose
                    # Changed as of its acceptance: a station's samples sent before it took
                    # the profile reach us before its answer (one connection, in order).
                    previous = self.sent.get(pid)
                    changed_at = (previous.changed_at if previous is not None
                                  and limits[pid] == previous.limit_a else self._clock.now())
                    self.sent[pid] = SentLimit(limits[pid], profile.valid_to, purpose,
                                               changed_at)
                elif tried[pid] + 1 < len(self._purposes(pid)):
                    tried[pid] += 1
                    todo.append(pid)
                else:
                    failed[pid] = "station rejected TxProfile and TxDefaultProfile"
        return failed

    def _purposes(self, pid: str) -> tuple[Purpose, ...]:
        """TxProfile first; a station that rejected it keeps getting TxDefaultProfile."""
        if self.purpose.get(pid) == "TxDefaultProfile":
            return ("TxDefaultProfile",)
        return ("TxProfile", "TxDefaultProfile")

    async def _send_fallbacks(self, config: SiteConfig) -> None:
        """Every connected point gets its fallback once per connection, and again whenever
        its value changes (a topology edit, a station added to the site)."""
        todo = [p for p in config.points
                if self.live.station(p.station_id).connected
                and self._fallback_held.get(p.point_id) != self.fallbacks.get(p.point_id, 0.0)]
        if not todo:
            return
        deliveries = await self._commands.send_many(
            [(p.station_id, SetChargingProfile(
                p.evse_id, fallback_profile(self.fallbacks.get(p.point_id, 0.0))))
             for p in todo],
            requested_by="ems-fallback", max_parallel=self.options.max_parallel_sends)
        for point, delivery in zip(todo, deliveries, strict=True):
            if delivery.error is not None:
                log.warning("fallback for %s not set: %s", point.point_id,
                            delivery.error.message)
            elif delivery.result is not None and delivery.result.status == "Accepted":
                self._fallback_held[point.point_id] = self.fallbacks.get(point.point_id, 0.0)
