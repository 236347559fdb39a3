"""The controller's pure parts: snapshots, fallback limits, base load, when to send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from chargegrid.bus.events import (
    PhaseCurrents,
    StationConnected,
    StationDisconnected,
    TransactionStarted,
)
from chargegrid.control import base_load, fallback, snapshot
from chargegrid.control.live_state import LiveState
from chargegrid.control.profile_plan import PlanOptions, SentLimit, floor_tenth, needs_send
from chargegrid.control.site_config import PointConfig, SiteConfig
from chargegrid.ems.allocate import allocate_scenario

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
TREE = {"unbalance_limit_a": 20, "nodes": [
    {"id": "HV", "limit_a": 63}, {"id": "UV1", "parent": "HV", "limit_a": 32}]}


def _point(pid: str, rotation: str = "L1", node: str = "UV1", max_a: float = 32) -> PointConfig:
    return PointConfig(pid, pid, 1, node, rotation, "R", max_a)


def _site(*points: PointConfig, mode: str = "static", **topology: object) -> SiteConfig:
    return SiteConfig(1, mode, {**TREE, **topology}, points)


def _charging(live: LiveState, pid: str, currents: dict[str, float] | None = None) -> None:
    live.apply(StationConnected(pid, NOW))
    live.apply(TransactionStarted(pid, 1, 100, NOW))
    if currents is not None:
        live.apply(PhaseCurrents(pid, 1, currents, NOW))


def test_needs_send_step_zero_crossing_and_renewal() -> None:
    opts = PlanOptions(step_a=1.0, validity_s=120, renew_before_s=45)
    sent = SentLimit(16.0, NOW + timedelta(seconds=120), "TxProfile")
    assert needs_send(None, 16.0, NOW, opts)
    assert not needs_send(sent, 16.5, NOW, opts)          # inside the step: no flood
    assert needs_send(sent, 17.0, NOW, opts)
    assert needs_send(SentLimit(0.0, sent.valid_until, "TxProfile"), 0.5, NOW, opts)
    assert needs_send(sent, 16.0, NOW + timedelta(seconds=80), opts)  # renew before expiry
    assert floor_tenth(7.19) == 7.1 and floor_tenth(-1) == 0.0


def test_needs_send_always_sends_a_lowering_however_small() -> None:
    """The step spares chargers small raises only: a lowering frees room the allocation has
    already given to others, so a point that kept its higher limit could overload a node."""
    opts = PlanOptions(step_a=1.0, validity_s=120, renew_before_s=45)
    sent = SentLimit(16.0, NOW + timedelta(seconds=120), "TxProfile")
    for lower in (15.9, 15.5, 15.05):
        assert needs_send(sent, lower, NOW, opts), lower
    # Not a lowering as the station rounds it (one decimal, down): nothing to send.
    assert not needs_send(sent, 16.05, NOW, opts)
    assert not needs_send(SentLimit(15.99, sent.valid_until, "TxProfile"), 15.95, NOW, opts)
    # A small raise is still held back: the point keeps its lower limit (safe).
    assert not needs_send(sent, 16.9, NOW, opts)


def test_snapshot_phases_from_measurement_taper_and_offline() -> None:
    live = LiveState()
    _charging(live, "A", {"L1": 15.8, "L2": 0.2, "L3": 0.1})   # 1-phase vehicle
    _charging(live, "B")                                     # not yet measured: 3 phases
    _charging(live, "C", {"L1": 3.0, "L2": 3.0, "L3": 3.0})   # tapering far below 16 A
    live.apply(StationConnected("D", NOW))
    live.apply(StationDisconnected("D", NOW))                 # offline: counted at fallback
    sent = {"C": SentLimit(16.0, NOW + timedelta(minutes=2), "TxProfile")}
    snap = snapshot.build(_site(_point("A"), _point("B"), _point("C"), _point("D", "L2")),
                          live, NOW, sent, {"D": 6.0})
    stations = {s["id"]: s for s in snap.scenario["stations"]}
    assert stations["A"]["vehicle_phases"] == 1 and stations["B"]["vehicle_phases"] == 3
    assert stations["C"]["max_a"] == 6.0      # max(min_a, 3 + 2 A margin)
    assert "D" not in stations and snap.offline == ("D",)
    assert snap.scenario["base_load_a"]["UV1"] == {"L1": 6.0, "L2": 6.0, "L3": 6.0}


def test_snapshot_counts_a_chargers_excess_as_load() -> None:
    live = LiveState()
    _charging(live, "A", {"L1": 20.0, "L2": 20.0, "L3": 20.0})
    sent = {"A": SentLimit(10.0, NOW + timedelta(minutes=2), "TxProfile")}
    snap = snapshot.build(_site(_point("A", "L2")), live, NOW, sent, {})
    assert snap.flagged == ("A",)
    # 20 − 10 − 1 A tolerance on each of its phases, rotated L2/L3/L1 on the grid.
    assert snap.scenario["base_load_a"]["UV1"] == {"L1": 9.0, "L2": 9.0, "L3": 9.0}


def test_snapshot_judges_vehicles_by_samples_taken_under_their_current_limit() -> None:
    # Samples at NOW; C was raised to 16 A and A lowered to 10 A after them: C's 3 A is
    # its old limit, not tapering, and A's 20 A its old draw, not a charger over its limit.
    live = LiveState()
    _charging(live, "A", {"L1": 20.0, "L2": 20.0, "L3": 20.0})
    _charging(live, "C", {"L1": 3.0, "L2": 3.0, "L3": 3.0})
    later = NOW + timedelta(seconds=1)
    sent = {"A": SentLimit(10.0, NOW + timedelta(minutes=2), "TxProfile", changed_at=later),
            "C": SentLimit(16.0, NOW + timedelta(minutes=2), "TxProfile", changed_at=later)}
    snap = snapshot.build(_site(_point("A"), _point("C")), live, later, sent, {})
    stations = {s["id"]: s for s in snap.scenario["stations"]}
    assert stations["C"]["max_a"] == 32.0
    assert snap.flagged == () and snap.scenario["base_load_a"] == {}
    # The next samples are taken under the new limits: they count.
    then = later + timedelta(seconds=1)
    live.apply(PhaseCurrents("A", 1, {"L1": 20.0, "L2": 20.0, "L3": 20.0}, then))
    live.apply(PhaseCurrents("C", 1, {"L1": 3.0, "L2": 3.0, "L3": 3.0}, then))
    snap = snapshot.build(_site(_point("A"), _point("C")), live, then, sent, {})
    stations = {s["id"]: s for s in snap.scenario["stations"]}
    assert stations["C"]["max_a"] == 6.0 and snap.flagged == ("A",)


def test_fallbacks_fit_every_fuse_with_everyone_at_once() -> None:
    points = tuple(_point(f"P{i}", ("L1", "L2", "L3")[i % 3]) for i in range(3))
    limits = fallback.plan(_site(*points, unbalance_limit_a=None))
    assert limits == {"P0": 10.6, "P1": 10.6, "P2": 10.6}  # 32 A UV1 fuse / 3, rounded down
    # The same currents as a scenario with 3-phase vehicles everywhere stay within fuses.
    check = allocate_scenario({"format": "chargegrid-scenario/1", "nodes": TREE["nodes"],
                               "stations": [], "base_load_a": {"UV1": {
                                   p: sum(limits.values()) for p in ("L1", "L2", "L3")}}})
    assert all(v <= 32 for v in check["nodes"]["UV1"].values())


def test_fallback_unbalance_worst_case_scales_down_or_zero() -> None:
    points = (_point("A", "L1"), _point("B", "L1"))
    limits = fallback.plan(_site(*points, unbalance_limit_a=10))
    # Both 1-phase vehicles could sit on grid L1: 2 × f ≤ 10 A → 5 A < 6 A minimum → 0.
    assert limits == {"A": 0.0, "B": 0.0}
    assert fallback.plan(_site(*points, fallback={"mode": "zero"})) == {"A": 0.0, "B": 0.0}
    fixed = fallback.plan(_site(*points, unbalance_limit_a=None,
                                fallback={"mode": "fixed", "limit_a": 8}))
    assert fixed == {"A": 8.0, "B": 8.0}


def test_base_load_from_meters_and_static_budget_when_stale() -> None:
    nodes = cast("list[dict[str, Any]]", TREE["nodes"])
    ev = {"UV1": {"L1": 16.0, "L2": 0.0, "L3": 0.0}}
    spare = {"UV1": {"L1": 10.0, "L2": 10.0, "L3": 10.0}}
    fresh = base_load.compute(nodes, {"HV": {"L1": 60.0, "L2": 50.0, "L3": 40.0}}, ev, spare)
    assert fresh.base_load == {"HV": {"L1": 44.0, "L2": 50.0, "L3": 40.0}}
    assert fresh.node_limits == {} and fresh.stale_nodes == ()
    stale = base_load.compute(nodes, {"HV": None}, ev, spare)
    assert stale.base_load == {} and stale.stale_nodes == ("HV",)
    assert stale.node_limits == {"HV": {"L1": 10.0, "L2": 10.0, "L3": 10.0}}  # never "no limit"
    configured = base_load.compute(nodes, {"HV": None}, ev, spare, {"HV": 25})
    assert configured.node_limits == {"HV": {"L1": 25.0, "L2": 25.0, "L3": 25.0}}


def test_paused_points_take_turns() -> None:
    """Two cars, room for one minimum: the waiting one goes first at the next rotation, and
    the order holds still between rotations."""
    from chargegrid.control.rotation import Rotation

    rotation = Rotation(rotation_s=900)
    site = SiteConfig(1, "static", {"nodes": [{"id": "HV", "limit_a": 10}]},
                      (_point("A", node="HV"), _point("B", node="HV")))
    live = LiveState()
    _charging(live, "A")
    _charging(live, "B")
    served = []
    for minute in (0, 5, 16, 20, 32):
        now = NOW + timedelta(minutes=minute)
        snap = snapshot.build(site, live, now, {}, {}, order=rotation.order(["A", "B"], now))
        limits = {k: v["limit_a"] for k, v in allocate_scenario(snap.scenario)["stations"].items()}
        rotation.record(limits, {"A", "B"}, now)
        served.append(next(k for k, v in limits.items() if v > 0))
    assert served == ["A", "A", "B", "B", "A"]
    assert rotation.waiting(NOW + timedelta(minutes=32)) == {"B": 0.0}
