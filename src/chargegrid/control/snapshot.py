"""From live state to an engine scenario: who is charging, on which phases, how much they can
use, and what else loads each node.

- A point in session is a scenario station; its vehicle's phase count comes from the
  currents it really draws (a phase above `PHASE_DRAW_A`), 3 until it has been measured.
- A vehicle drawing much less than it was given (tapering, full battery) is capped at what it
  draws plus a margin, so its share goes to others; it gets it back when it draws again
  (the cap rises with its draw at every cycle).
- An offline station cannot be controlled: it is counted as load at its fallback (or at its
  last live limit while that profile is still valid), on all of its phases.
- A station drawing more than its limit has the excess counted as load on its grid phases,
  so a misbehaving charger cannot overload a node.
- Both judge a vehicle by a sample taken under its current limit, never by one from before
  the limit changed (see `_since_change`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chargegrid.control.live_state import PHASE_DRAW_A, LiveState
from chargegrid.control.profile_plan import SentLimit
from chargegrid.control.site_config import PointConfig, SiteConfig
from chargegrid.ems.phases import PHASES

TAPER_MARGIN_A = 2.0
EXCESS_TOLERANCE_A = 1.0
MEASUREMENT_MAX_AGE = timedelta(seconds=60)

PhaseLoad = dict[str, float]


@dataclass(frozen=True, slots=True)
class Snapshot:
    scenario: dict[str, Any]
    points: dict[str, PointConfig]
    offline: tuple[str, ...]
    flagged: tuple[str, ...]


def _add(loads: dict[str, PhaseLoad], node: str, phase: str, amps: float) -> None:
    if amps <= 0:
        return
    node_load = loads.setdefault(node, {"L1": 0.0, "L2": 0.0, "L3": 0.0})
    node_load[phase] += amps


def build(config: SiteConfig, live: LiveState, now: datetime, sent: dict[str, SentLimit],
          fallbacks: dict[str, float], base_load: dict[str, PhaseLoad] | None = None,
          node_limits: dict[str, PhaseLoad] | None = None,
          order: list[str] | None = None) -> Snapshot:
    """The scenario for this instant (pure: everything comes in as arguments); `order` is the
    admission order of equal-priority points (see rotation.py)."""
    loads: dict[str, PhaseLoad] = {k: dict(v) for k, v in (base_load or {}).items()}
    stations: list[dict[str, Any]] = []
    points: dict[str, PointConfig] = {}
    offline: list[str] = []
    flagged: list[str] = []
    for point in config.points:
        state = live.station(point.station_id)
        evse = state.evse(point.evse_id)
        if not state.connected:
            previous = sent.get(point.point_id)
            amps = fallbacks.get(point.point_id, 0.0)
            if previous is not None and previous.valid_until > now:
                amps = max(amps, previous.limit_a)
            for g in point.grid_phases():
                _add(loads, point.node, PHASES[g], amps)
            offline.append(point.point_id)
            continue
        if not evse.in_session:
            continue
        fresh = evse.currents_at is not None and now - evse.currents_at <= MEASUREMENT_MAX_AGE
        measured = {p: evse.currents.get(p, 0.0) for p in PHASES} if fresh else None
        vehicle_phases = evse.phases_seen or 3
        max_a = point.max_a
        if measured is not None:
            drawing = [p for p in PHASES if measured[p] > PHASE_DRAW_A]
            if drawing:
                vehicle_phases = max(PHASES.index(p) for p in drawing) + 1
                peak = max(measured.values())
                given = sent.get(point.point_id)
                if given is not None and _since_change(evse.currents_at, given):
                    if peak + TAPER_MARGIN_A < given.limit_a:
                        max_a = max(point.min_a, min(point.max_a, peak + TAPER_MARGIN_A))
                    for k, p in enumerate(PHASES):
                        excess = measured[p] - given.limit_a - EXCESS_TOLERANCE_A
                        if excess > 0:
                            _add(loads, point.node, PHASES[point.grid_phases()[k]], excess)
                            if point.point_id not in flagged:
                                flagged.append(point.point_id)
        points[point.point_id] = point
        stations.append({
            "id": point.point_id, "node": point.node, "phase_rotation": point.phase_rotation,
            "field_rotation": point.field_rotation, "max_a": max_a, "min_a": point.min_a,
            "priority": point.priority, "vehicle_phases": vehicle_phases, "charging": True,
        })
    if order is not None:
        rank = {pid: i for i, pid in enumerate(order)}
        stations.sort(key=lambda s: rank.get(str(s["id"]), len(rank)))
    nodes = [dict(n) for n in config.topology.get("nodes", [])]
    for node in nodes:
        override = (node_limits or {}).get(str(node["id"]))
        if override is not None:
            node["limit_a"] = _tighter(node["limit_a"], override)
    scenario: dict[str, Any] = {
        "format": "chargegrid-scenario/1", "nodes": nodes, "stations": stations,
        "base_load_a": loads,
    }
    if config.topology.get("unbalance_limit_a") is not None:
        scenario["unbalance_limit_a"] = config.topology["unbalance_limit_a"]
    return Snapshot(scenario, points, tuple(offline), tuple(flagged))


def _since_change(sampled_at: datetime | None, given: SentLimit) -> bool:
    """Whether a sample was taken under the point's current limit. One taken before the
    last change shows what the vehicle did with the previous limit: after a raise it would
    read as tapering and undo the raise, after a lowering as a charger over its limit and
    lower everyone else."""
    return given.changed_at is None or (sampled_at is not None
                                        and sampled_at > given.changed_at)


def _tighter(limit: Any, override: PhaseLoad) -> dict[str, float]:
    base = limit if isinstance(limit, dict) else {p: float(limit) for p in PHASES}
    return {p: min(float(base[p]), float(override.get(p, base[p]))) for p in PHASES}
