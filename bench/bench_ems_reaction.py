"""EMS live control: reaction time from a base-load step at the grid meter (MQTT) to the last
affected station having received its new SetChargingProfile.

One run, two processes (2 cores: server and clients do not share an event loop or a GIL):

- this process: ChargeGrid (`Runtime` with OCPP + control, SQLite file in a temp dir, GC
  tuned as `chargegrid serve` does), one dynamic site: root `HV` (the grid connection,
  limit sized so that every station is limited by it) + 10 sub-distributors `UV0..UV9`
  (never binding); stations `EMS0000..` spread over them round-robin, phase rotation
  L1/L2/L3 in turn, one in four vehicles single-phase. Grid meter at `HV` over MQTT on a
  topic unique to the run. `ControllerOptions` are the production defaults (debounce 0.2 s,
  64 parallel sends, step 1 A, validity 120 s) except `period_s=3600`: every cycle comes from
  the event path (bus events, the meter's `on_change`), none from the timer.
- a child process (`--field`, started and stopped by PID): N simulated OCPP 1.6 stations
  (MeterValues every 10 s, `--meter-values-s`), a vehicle plugged into each and a session
  started, and the grid meter: every second it publishes `base + the currents the stations
  draw` (`--meter drawn`, the default: what a real meter measures; the simulated vehicles
  follow a new limit at once). `--meter reported` publishes `base + the EV currents as last
  reported in MeterValues` instead (the model before 2026-11-29): a meter that still sees
  a lowered car at its old current for up to a MeterValues interval, which no real meter
  does, and which the controller — crediting no point more than its limit in force, for
  safety — must read as a base-load rise. It makes K steps, each from a steady state (no
  limit changed for `--quiet` s; `--no-settle-each` steps every `--gap` s instead),
  alternating a high base (every limit ~16 A -> ~10 A) and a low one (back up). A step is
  published at t0 (CLOCK_MONOTONIC, shared by both processes); each SetChargingProfile
  CALL is stamped as the station receives it. Reaction of a step = last station's first
  live profile with a limit different from its pre-step one, minus t0.

    flock /tmp/cg-cpu.lock .venv/bin/python bench/bench_ems_reaction.py --stations 100 --steps 10
    flock /tmp/cg-cpu.lock .venv/bin/python bench/bench_ems_reaction.py --stations 1000 --steps 10

Prints a table per step, median / p99 of the reaction, the controller's cycles (allocation
ms, cycle ms, profiles sent), when each step settled and the limits then held against the
share every station gets when the site is fully used. Each run is bounded (`--deadline`,
600 s by default).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from serve_chargegrid import raise_nofile_limit  # noqa: E402

from chargegrid.ems.phases import PHASES, grid_phase, phase_index  # noqa: E402

SUBS = 10
ROTATIONS = ("L1", "L2", "L3")
LIVE_PROFILE_ID = 9002
SHARE_LOW_BASE_A = 16.0   # per-phase limit of every station at the low base load
SHARE_HIGH_BASE_A = 10.0  # ... at the high one


def station_id(n: int) -> str:
    return f"EMS{n:04d}"


def layout(n: int) -> tuple[str, str, int]:
    """(node, phase rotation, vehicle phases) of station n."""
    return f"UV{n % SUBS}", ROTATIONS[n % 3], 1 if n % 4 == 3 else 3


def sizing(count: int) -> dict[str, float]:
    """Root limit and the two base loads: at the low base every station gets ~16 A, at the
    high one ~10 A (per phase, all limited by the root), sub-distributors never bind."""
    per_phase = dict.fromkeys(PHASES, 0.0)  # station-equivalents loading each grid phase
    for n in range(count):
        _, rotation, phases = layout(n)
        for k in range(phases):
            per_phase[PHASES[grid_phase(phase_index(rotation), "R", k)]] += 1
    load = max(per_phase.values())
    base_low = max(20.0, round(2 * load))
    return {"root": round(load * SHARE_LOW_BASE_A + base_low), "base_low": base_low,
            "base_high": base_low + round(load * (SHARE_LOW_BASE_A - SHARE_HIGH_BASE_A))}


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (p99 of 10 steps is the worst one)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


# -- field process: stations + grid meter ------------------------------------------------------

class StampedCalls(list[tuple[str, dict[str, Any]]]):
    """The simulator's `received` list, with the monotonic time each CALL arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.stamps: list[float] = []

    def append(self, item: tuple[str, dict[str, Any]]) -> None:
        self.stamps.append(time.monotonic())
        super().append(item)


def live_limits(calls: StampedCalls, since: float = 0.0) -> list[tuple[float, float]]:
    """(received at, limit A) of every live SetChargingProfile received after `since`."""
    out = []
    for at, (action, payload) in zip(calls.stamps, calls, strict=True):
        if at < since or action != "SetChargingProfile":
            continue
        profile = payload.get("csChargingProfiles", {})
        if profile.get("chargingProfileId") != LIVE_PROFILE_ID:
            continue
        periods = profile.get("chargingSchedule", {}).get("chargingSchedulePeriod", [])
        out.append((at, float(periods[0]["limit"])))
    return out


def _limit_changes(calls: StampedCalls, since: float) -> list[tuple[float, float]]:
    """The live profiles received after `since` that changed the station's limit."""
    out, last = [], None
    for at, limit in live_limits(calls):
        if at > since and last is not None and abs(limit - last) >= 0.05:
            out.append((at, limit))
        last = limit
    return out


def emit(kind: str, **data: Any) -> None:
    print(json.dumps({"kind": kind, **data}), flush=True)


async def field(args: argparse.Namespace) -> None:
    import aiomqtt
    import ocpp.charge_point
    import ocpp.messages

    # 1,000 chargers share this one process (each real one has its own CPU): with the ocpp
    # library's JSON-schema validation of every message in and out, run in its thread pool,
    # this process saturated its core and answered the server 2-4 s late, which is what the
    # bench then measured. The stations here are ours and the server validates what it
    # receives, so the field skips the validation (`--field-validation` keeps it).
    if not args.field_validation:
        async def no_validation(*_: Any) -> None:
            return None
        ocpp.charge_point.validate_payload = no_validation  # type: ignore[assignment]
    ocpp.messages.ASYNC_VALIDATION = False

    from chargegrid.simulator import SimulatedStation, Vehicle
    size = sizing(args.stations)
    stations = [SimulatedStation(station_id(n), args.url, connectors=1,
                                 meter_interval=args.meter_values_s,
                                 heartbeat_interval=300, backoff_initial=1.0, backoff_max=5.0)
                for n in range(args.stations)]
    calls: list[StampedCalls] = []
    reported: list[tuple[float, float, float]] = [(0.0, 0.0, 0.0)] * args.stations
    for n, st in enumerate(stations):
        stamped = StampedCalls()
        st.adapter.received = stamped
        calls.append(stamped)
        _, rotation, _ = layout(n)

        def wrap(original: Callable[..., None], n: int = n,
                 rotation: str = rotation) -> Callable[..., None]:
            def meter_values(sample: Any, *a: Any, **kw: Any) -> None:
                grid = [0.0, 0.0, 0.0]
                for k, amps in enumerate(sample.currents):
                    grid[grid_phase(phase_index(rotation), "R", k)] += amps
                reported[n] = (grid[0], grid[1], grid[2])
                original(sample, *a, **kw)
            return meter_values
        st.adapter.meter_values = wrap(st.adapter.meter_values)  # type: ignore[attr-defined]
    base = {"value": size["base_low"]}

    def drawn(n: int) -> tuple[float, float, float]:
        """Station n's current draw on the grid phases (what a real meter sees)."""
        grid = [0.0, 0.0, 0.0]
        for k, amps in enumerate(stations[n].currents(1)):
            grid[grid_phase(phase_index(layout(n)[1]), "R", k)] += amps
        return grid[0], grid[1], grid[2]

    def reading() -> str:
        ev = reported if args.meter == "reported" else [drawn(n) for n in range(len(stations))]
        totals = [base["value"] + sum(r[k] for r in ev) for k in range(3)]
        return json.dumps(dict(zip(PHASES, (round(t, 2) for t in totals), strict=True)))

    async with aiomqtt.Client("127.0.0.1", 1883) as mqtt:
        async def meter_loop() -> None:
            while True:
                await mqtt.publish(args.topic, reading())
                await asyncio.sleep(1.0)

        meter_task = asyncio.create_task(meter_loop())
        started = time.monotonic()
        for i in range(0, len(stations), 50):  # ramp ~200 connections/s
            for st in stations[i:i + 50]:
                await st.start()
            await asyncio.sleep(0.25)
        await asyncio.gather(*(st.wait_online(120) for st in stations))
        emit("online", seconds=round(time.monotonic() - started, 1))
        gate = asyncio.Semaphore(100)

        async def begin(n: int, st: SimulatedStation) -> None:
            _, _, phases = layout(n)
            async with gate:
                await st.plug_in(1, Vehicle(phases=phases, max_current=32.0, capacity_kwh=200.0,
                                            soc=0.1))
                if not await st.present_tag(1, "TAG1"):
                    raise RuntimeError(f"{st.station_id}: tag refused")
        await asyncio.gather(*(begin(n, st) for n, st in enumerate(stations)))
        await asyncio.gather(*(st.wait_for(lambda s: s.transaction_id(1) is not None, 60)
                               for st in stations))
        emit("charging", seconds=round(time.monotonic() - started, 1))

        async def settle() -> bool:
            """Steady state: every station holds a live limit and has reported its currents,
            and no live profile changed a limit for `quiet` seconds (renewals do not count).
            A step measured from anything else measures the end of the previous one."""
            deadline = time.monotonic() + args.settle_timeout
            while time.monotonic() < deadline:
                last = [live_limits(c) for c in calls]
                newest = max((at for c in calls for at, _ in _limit_changes(c, 0.0)),
                             default=0.0)
                if (all(last) and all(any(r) for r in reported)
                        and time.monotonic() - newest >= args.quiet):
                    return True
                await asyncio.sleep(0.5)
            emit("warning", message="no steady state before the settle timeout")
            return False

        def held() -> tuple[float, float, float] | None:
            limits = sorted(x[-1][1] for x in (live_limits(c) for c in calls) if x)
            return (limits[0], statistics.median(limits), limits[-1]) if limits else None

        await settle()
        emit("steady", seconds=round(time.monotonic() - started, 1), limits=held())

        for step in range(args.steps):
            before = [(x[-1][1] if x else None) for x in (live_limits(c) for c in calls)]
            base["value"] = size["base_high"] if step % 2 == 0 else size["base_low"]
            t0 = time.monotonic()
            await mqtt.publish(args.topic, reading())
            first: dict[int, tuple[float, float]] = {}
            while time.monotonic() - t0 < args.window:
                await asyncio.sleep(0.05)
                for n, c in enumerate(calls):
                    if n in first:
                        continue
                    old = before[n]
                    for at, limit in live_limits(c, t0):
                        if old is None or abs(limit - old) >= 0.5:
                            first[n] = (at, limit)
                            break
                if len(first) == len(calls):
                    break
            t_last = max((at for at, _ in first.values()), default=t0)
            received = sum(len(live_limits(c, t0)) for c in calls)
            in_reaction = sum(1 for c in calls for at, _ in live_limits(c, t0) if at <= t_last)
            limits = [lim for _, lim in first.values()]
            await asyncio.sleep(args.gap)
            settled = await settle() if args.settle_each else True
            # Settling: the last live profile that changed a limit (the rest of a paced
            # raise, a straggler), the limits then held, the latest stations.
            changes = [at for c in calls for at, _ in _limit_changes(c, t0)]
            late = sorted(first.items(), key=lambda kv: kv[1][0])[-3:]
            emit("step", step=step, t0=t0, base=base["value"], affected=len(first),
                 settled_s=(max(changes) - t0) if changes and settled else None,
                 held=held(),
                 latest=[(station_id(n), before[n], lim, round(at - t0, 3))
                         for n, (at, lim) in late],
                 stations=len(calls), reaction_s=t_last - t0,
                 first_s=(min(at for at, _ in first.values()) - t0) if first else None,
                 profiles_in_reaction=in_reaction, profiles_in_window=received,
                 limit_min=min(limits, default=None), limit_max=max(limits, default=None))
        meter_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await meter_task
    await asyncio.gather(*(st.stop() for st in stations), return_exceptions=True)
    emit("done")


# -- server process: ChargeGrid + the run ------------------------------------------------------

def seed(runtime: Any, count: int, topic: str) -> int:
    from chargegrid.services import id_tokens
    from chargegrid.services import stations as station_service
    from chargegrid.store.models import Site

    size = sizing(count)
    sub_limit = math.ceil(32 * count / SUBS) + 10  # a sub-distributor never binds
    topology = {
        "format": "chargegrid-scenario/1", "fallback": {"mode": "fair"},
        "nodes": [{"id": "HV", "limit_a": size["root"]}] + [
            {"id": f"UV{k}", "parent": "HV", "limit_a": sub_limit} for k in range(SUBS)],
        "meters": [{"node": "HV", "type": "mqtt", "topic": topic, "max_age_s": 30,
                    "interval_s": 1}],
    }
    now = datetime.now(UTC)
    with runtime.sessions() as session:
        site = Site(name="reaction bench", topology=topology, mode="dynamic", created_at=now,
                    updated_at=now)
        session.add(site)
        session.flush()
        id_tokens.create(session, token="TAG1", now=now)
        for n in range(count):
            node, rotation, _ = layout(n)
            station = station_service.create(session, station_id=station_id(n), now=now)
            station.site_id, station.node_id = site.id, node
            station.phase_rotation, station.field_rotation = rotation, "R"
            station.max_current_a = 32.0
        session.commit()
        return int(site.id)


class CycleLog:
    """Wraps one controller's cycle and allocator: (start, end, alloc ms, sent) per cycle."""

    def __init__(self, controller: Any) -> None:
        self.rows: list[tuple[float, float, float, int]] = []
        self.timings: list[dict[str, float]] = []
        self._alloc_ms = 0.0
        allocate, cycle = controller._allocate, controller.cycle

        def timed_allocate(scenario: dict[str, Any]) -> dict[str, Any]:
            t = time.perf_counter()
            try:
                return allocate(scenario)  # type: ignore[no-any-return]
            finally:
                self._alloc_ms = (time.perf_counter() - t) * 1000

        async def timed_cycle() -> Any:
            start = time.monotonic()
            self._alloc_ms = 0.0
            report = await cycle()
            sent = len(report.sent) + len(report.failed) if report is not None else 0
            self.rows.append((start, time.monotonic(), self._alloc_ms, sent))
            self.timings.append(report.timings_ms if report is not None else {})
            return report

        controller._allocate = timed_allocate
        controller.cycle = timed_cycle


async def run(args: argparse.Namespace) -> None:
    from chargegrid.control.controller import ControllerOptions
    from chargegrid.control.profile_plan import PlanOptions
    from chargegrid.runtime import Runtime, tune_gc_for_serving
    from chargegrid.settings import Settings

    topic = f"chargegrid-bench/{uuid.uuid4().hex}/grid"
    size = sizing(args.stations)
    with tempfile.TemporaryDirectory(prefix="chargegrid-ems-") as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'chargegrid.db'}",
                            host="127.0.0.1", heartbeat_interval_s=300, command_timeout_s=30.0,
                            sqlite_synchronous=args.sqlite_synchronous)
        runtime = Runtime.build(settings)
        site_id = seed(runtime, args.stations, topic)
        await runtime.start_ocpp("127.0.0.1", 0)
        runtime.control._options = ControllerOptions(
            period_s=3600.0, max_parallel_sends=args.parallel_sends,
            reading_margin_s=args.reading_margin_s,
            plan=(PlanOptions() if args.raise_fraction is None
                  else PlanOptions(raise_fraction=args.raise_fraction)),
            remeasure_delay_s=None if args.remeasure_delay_s < 0 else args.remeasure_delay_s)
        await runtime.start_control()
        controller = runtime.control.controllers[site_id]
        cycles = CycleLog(controller)
        tune_gc_for_serving()
        url = f"ws://127.0.0.1:{runtime.ocpp.port}/ocpp"
        print(f"# server pid {os.getpid()}, SQLite synchronous={args.sqlite_synchronous}, "
              f"remeasure delay {args.remeasure_delay_s} s, parallel sends "
              f"{args.parallel_sends}", flush=True)
        print(f"# {args.stations} stations, {args.steps} steps; root {size['root']:.0f} A, "
              f"base {size['base_low']:.0f} <-> {size['base_high']:.0f} A per phase; "
              f"topic {topic}", flush=True)
        child = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--field", "--url", url, "--topic", topic,
            "--stations", str(args.stations), "--steps", str(args.steps),
            "--window", str(args.window), "--gap", str(args.gap), "--quiet", str(args.quiet),
            *([] if args.settle_each else ["--no-settle-each"]),
            "--settle-timeout", str(args.settle_timeout), "--meter", args.meter,
            "--meter-values-s", str(args.meter_values_s),
            *(["--field-validation"] if args.field_validation else []),
            stdout=asyncio.subprocess.PIPE)
        print(f"# field process pid {child.pid}", flush=True)
        steps: list[dict[str, Any]] = []
        assert child.stdout is not None
        deadline = time.monotonic() + args.deadline
        try:
            while True:
                line = await asyncio.wait_for(child.stdout.readline(),
                                              max(1.0, deadline - time.monotonic()))
                if not line:
                    break
                msg = json.loads(line)
                if msg["kind"] == "step":
                    steps.append(msg)
                elif msg["kind"] == "done":
                    break
                else:
                    print(f"# field: {msg}", flush=True)
            await asyncio.wait_for(child.wait(), 30)
        except TimeoutError:
            print("# deadline reached: stopping the field process", flush=True)
        finally:
            if child.returncode is None:
                child.terminate()  # by PID, the process we started
                try:
                    await asyncio.wait_for(child.wait(), 10)
                except TimeoutError:
                    child.kill()
                    await child.wait()
            await runtime.stop()
    report(args, steps, cycles.rows, cycles.timings)


def report(args: argparse.Namespace, steps: list[dict[str, Any]],
           cycles: list[tuple[float, float, float, int]],
           timings: list[dict[str, float]]) -> None:
    print()
    print("| step | base A | affected | first s | reaction s | profiles (by reaction / "
          "window) | cycles started | alloc ms (reacting cycle) | cycle ms (reacting cycle) | "
          "settled s (last limit change) | first new limits | limits once settled (min / "
          "median / max, share A) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    reactions, allocs, cycle_ms, sent = [], [], [], []
    size = sizing(args.stations)

    def share(base: float) -> float:
        """Every station's limit when the site is fully used at this base load."""
        return SHARE_HIGH_BASE_A if base >= size["base_high"] else SHARE_LOW_BASE_A

    for s in steps:
        t0, t_last = s["t0"], s["t0"] + s["reaction_s"]
        after = [c for c in cycles if t0 <= c[0] <= t_last]
        # The cycle that delivered the last profile (it may have started just before t0
        # and read the meter after it).
        first = next((c for c in cycles if c[0] <= t_last <= c[1]), None)
        reactions.append(s["reaction_s"])
        if first is not None:
            allocs.append(first[2])
            cycle_ms.append((first[1] - first[0]) * 1000)
            sent.append(first[3])
        print(f"| {s['step']} | {s['base']:.0f} | {s['affected']}/{s['stations']} | "
              f"{(s['first_s'] or 0):.3f} | {s['reaction_s']:.3f} | "
              f"{s['profiles_in_reaction']} / {s['profiles_in_window']} | {len(after)} | "
              f"{first[2] if first else float('nan'):.1f} | "
              f"{(first[1] - first[0]) * 1000 if first else float('nan'):.0f} | "
              f"{s['settled_s'] if s['settled_s'] is not None else float('nan'):.3f} | "
              f"{s['limit_min']}–{s['limit_max']} | "
              f"{' / '.join(f'{v:.1f}' for v in s['held']) if s['held'] else '-'} "
              f"({share(s['base']):.0f}) |")
    if not reactions:
        print("no step measured")
        return
    if args.cycle_detail:
        print()
        print("latest stations of each step (station, limit before, first new limit, s):")
        for s in steps:
            print(f"  step {s['step']}: {s['latest']}")
        print()
        print("cycles around each step (start and end relative to the step, sent, ms by phase):")
        for k, s in enumerate(steps):
            until = steps[k + 1]["t0"] if k + 1 < len(steps) else math.inf
            for (start, end, _, n), laps in zip(cycles, timings, strict=True):
                # every cycle around the reaction, then those that sent (the settling)
                if (s["t0"] - 5 <= start <= s["t0"] + s["reaction_s"] + 1
                        or (n and s["t0"] + s["reaction_s"] + 1 < start < until)):
                    print(f"  step {s['step']}: {start - s['t0']:+.3f} .. {end - s['t0']:+.3f} s,"
                          f" sent {n}, {laps}")
    print()
    all_alloc = [c[2] for c in cycles if c[2] > 0]
    all_cycle = [(c[1] - c[0]) * 1000 for c in cycles]
    print(f"N={args.stations}: reaction median {statistics.median(reactions):.3f} s, "
          f"p99 {pct(reactions, 0.99):.3f} s over {len(reactions)} steps; "
          f"affected min {min(s['affected'] for s in steps)}/{args.stations}")
    if allocs:
        print(f"reacting cycle: allocation median {statistics.median(allocs):.1f} ms, "
              f"cycle median {statistics.median(cycle_ms):.0f} ms (max {max(cycle_ms):.0f}), "
              f"profiles sent median {statistics.median(sent):.0f}")
    if all_alloc:
        print(f"all {len(cycles)} cycles: allocation median {statistics.median(all_alloc):.1f} "
              f"ms (p99 {pct(all_alloc, 0.99):.1f}), cycle median "
              f"{statistics.median(all_cycle):.0f} ms (p99 {pct(all_cycle, 0.99):.0f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=100)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--window", type=float, default=10.0,
                        help="seconds a step waits for every station's new profile")
    parser.add_argument("--gap", type=float, default=4.0, help="seconds between steps")
    parser.add_argument("--quiet", type=float, default=8.0,
                        help="steady state: seconds without a live profile changing a limit "
                             "(longer than a paced raise's round: re-measure + margin + a "
                             "reading)")
    parser.add_argument("--no-settle-each", dest="settle_each", action="store_false",
                        help="step every --gap seconds instead of waiting for steady state "
                             "before each step (steps then land on the previous one's end)")
    parser.add_argument("--settle-timeout", type=float, default=90.0,
                        help="at most this long waiting for steady state (start, each step)")
    parser.add_argument("--deadline", type=float, default=600.0,
                        help="the whole run stops after this many seconds")
    parser.add_argument("--sqlite-synchronous", choices=("FULL", "NORMAL"), default="FULL",
                        help="server database durability (FULL is the default setting)")
    parser.add_argument("--meter", choices=("drawn", "reported"), default="drawn",
                        help="the grid meter sees the stations' drawn currents (a real meter) "
                             "or, as before, their last MeterValues (up to 10 s old)")
    parser.add_argument("--meter-values-s", type=float, default=10.0,
                        help="the stations' MeterValues interval")
    parser.add_argument("--remeasure-delay-s", type=float, default=1.0,
                        help="controller: ask raised stations for a sample this long after "
                             "the raise (TriggerMessage MeterValues); < 0: never")
    parser.add_argument("--reading-margin-s", type=float, default=3.0,
                        help="controller: reading_margin_s (meter latency margin)")
    parser.add_argument("--raise-fraction", type=float, default=None,
                        help="controller: PlanOptions.raise_fraction (default: the product's)")
    parser.add_argument("--parallel-sends", type=int, default=64,
                        help="controller: max_parallel_sends")
    parser.add_argument("--field-validation", action="store_true",
                        help="the simulated stations validate every message against the OCPP "
                             "JSON schemas (costly with 1,000 stations in one process)")
    parser.add_argument("--cycle-detail", action="store_true",
                        help="print every cycle around each step with its phases' timings")
    parser.add_argument("--log-level", default="ERROR")
    parser.add_argument("--field", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--topic", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    raise_nofile_limit()
    asyncio.run(field(args) if args.field else run(args))


if __name__ == "__main__":
    main()
