"""`ems explain`: why each station gets less than its maximum.

"Nothing stranded" means a charging station below its `max_a` is held by a tight rule. This
module names it, from the exact (unrounded) allocation: a node-phase at its limit on the
station's path, or the unbalance limit between a phase the station loads and one it does not.
A paused station is explained by the rule its minimum would break. Electricians read this to
decide which fuse or which phase rotation to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from chargegrid.ems.allocate import Allocation
from chargegrid.ems.phases import PHASES
from chargegrid.ems.problem import Problem
from chargegrid.ems.scenario import Scenario

TIGHT = 1e-6


@dataclass(frozen=True, slots=True)
class Reason:
    """Why station `station` is at `limit_a` instead of `max_a`."""

    station: str
    limit_a: float
    max_a: float
    status: str          # "held", "paused", "not charging"
    held_by: list[str]

    def __str__(self) -> str:
        head = f"{self.station}: {self.limit_a:g} A of {self.max_a:g} A"
        if self.status == "not charging":
            return f"{head}, not charging"
        return f"{head}, {self.status} by " + "; ".join(self.held_by)


def _state(problem: Problem, x: tuple[float, ...]) -> tuple[list[float], list[float]]:
    load = [0.0] * len(problem.cap)
    e = [0.0, 0.0, 0.0]
    for i, value in enumerate(x):
        for c in problem.cons[i]:
            load[c] += value
        for p in problem.phases[i]:
            e[p] += value
    return load, e


def _node(problem: Problem, c: int, load: float) -> str:
    node_id, phase = problem.constraint_name(c)
    used = load + problem.base_through[c]
    return f"node {node_id} phase {phase} ({used:.1f} A of {problem.limit[c]:g} A)"


def _unbalance(problem: Problem, e: list[float], phases: tuple[int, ...],
               extra: float) -> list[str]:
    u = problem.unbalance
    if u is None:
        return []
    return [f"unbalance limit {PHASES[p]}-{PHASES[q]} ({e[p] - e[q]:.1f} A of {u:g} A)"
            for p in phases for q in range(3)
            if q not in phases and e[p] + extra - e[q] >= u - TIGHT]


def explain(scenario: Scenario, result: Allocation) -> list[Reason]:
    """One reason per station that is charging but below its maximum."""
    problem, x = result.problem, result.exact
    load, e = _state(problem, x)
    reasons: list[Reason] = []
    for i, st in enumerate(scenario.stations):
        out = result.limit_a[i]
        if not st.charging:
            reasons.append(Reason(st.id, out, st.max_a, "not charging", ["charging: false"]))
            continue
        if out >= st.max_a - TIGHT:
            continue
        if result.overloaded:
            why = [f"base load over the limit at {_node(problem, c, 0.0)}"
                   for c in result.overloaded]
            reasons.append(Reason(st.id, out, st.max_a, "paused", why))
            continue
        if x[i] <= 0.0:
            extra = st.min_a
            why = [_node(problem, c, load[c]) for c in problem.cons[i]
                   if load[c] + extra > problem.cap[c] + TIGHT]
            why += _unbalance(problem, e, problem.phases[i], extra)
            if st.min_a > st.max_a:
                why = [f"min_a {st.min_a:g} A above max_a"]
            reasons.append(Reason(st.id, out, st.max_a, "paused",
                                  why or ["minimum first (admission with the unbalance rule)"]))
            continue
        why = [_node(problem, c, load[c]) for c in problem.cons[i]
               if load[c] >= problem.cap[c] - TIGHT]
        why += _unbalance(problem, e, problem.phases[i], 0.0)
        if not why and x[i] >= st.max_a - TIGHT:
            why = ["rounding down to 0.1 A"]
        reasons.append(Reason(st.id, out, st.max_a, "held", why))
    return reasons
