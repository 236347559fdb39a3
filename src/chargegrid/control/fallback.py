"""Fallback limits: what each point may draw when it cannot hear from us.

They must be safe with every station at its fallback at once, whatever vehicles are plugged
in, because that is exactly the situation when the server or the network is down. So:

- fuses: the allocation assumes every point charging with a 3-phase vehicle (a vehicle on
  fewer phases loads a subset of those phases, never more) plus the site's configured
  worst-case base load (`fallback.base_load_a`, default none for static sites);
- unbalance: for each pair of grid phases (p, q) a point can add at most its fallback to
  p − q (with a vehicle on a phase set containing p but not q); if the sum of those worst
  cases exceeds the limit, every fallback is scaled down until it does not.

Modes: `fair` (the default: the engine's fair share of the above), `fixed` (the configured
`limit_a`, reduced by the same checks if it is not safe) or `zero` (0 A: nothing charges
while offline).
"""

from __future__ import annotations

from itertools import permutations
from typing import Any

from chargegrid.control.profile_plan import floor_tenth
from chargegrid.control.site_config import PointConfig, SiteConfig
from chargegrid.ems.allocate import allocate_scenario


def plan(config: SiteConfig) -> dict[str, float]:
    """Fallback current per point id (amperes, one decimal, rounded down)."""
    settings = config.fallback
    mode = settings.get("mode", "fair")
    if mode == "zero" or not config.points:
        return {p.point_id: 0.0 for p in config.points}
    fixed = float(settings.get("limit_a", 0.0)) if mode == "fixed" else None
    scenario: dict[str, Any] = {
        "format": "chargegrid-scenario/1",
        "nodes": config.topology.get("nodes", []),
        "base_load_a": settings.get("base_load_a", {}),
        "stations": [{
            "id": p.point_id, "node": p.node, "phase_rotation": p.phase_rotation,
            "field_rotation": p.field_rotation,
            "max_a": min(p.max_a, fixed) if fixed is not None else p.max_a,
            "min_a": min(p.min_a, fixed) if fixed is not None else p.min_a,
            "vehicle_phases": 3, "charging": True,
        } for p in config.points],
    }
    allocation = allocate_scenario(scenario)["stations"]
    limits = {pid: float(v["limit_a"]) for pid, v in allocation.items()}
    unbalance = config.topology.get("unbalance_limit_a")
    if unbalance is not None:
        limits = _within_unbalance(config.points, limits, float(unbalance))
    return limits


def _worst_pair_excess(points: tuple[PointConfig, ...], limits: dict[str, float]) -> float:
    worst = 0.0
    for p, q in permutations(range(3), 2):
        total = 0.0
        for point in points:
            order = point.grid_phases()
            # Vehicle phase sets are prefixes of the station's phases: {L1}, {L1,L2}, all.
            if any(p in order[:n] and q not in order[:n] for n in (1, 2)):
                total += limits.get(point.point_id, 0.0)
        worst = max(worst, total)
    return worst


def _within_unbalance(points: tuple[PointConfig, ...], limits: dict[str, float],
                      unbalance: float) -> dict[str, float]:
    worst = _worst_pair_excess(points, limits)
    if worst <= unbalance:
        return limits
    factor = unbalance / worst
    scaled = {pid: floor_tenth(v * factor) for pid, v in limits.items()}
    # Below a point's minimum a vehicle will not charge: say 0 rather than pretend.
    minimum = {p.point_id: p.min_a for p in points}
    return {pid: (v if v >= minimum.get(pid, 0.0) else 0.0) for pid, v in scaled.items()}

