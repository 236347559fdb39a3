"""Allocation: choose the exact method, round, and shape the spec's output JSON.

The water-filling (`waterfill.py`) is exact for node-phase limits. The unbalance rule is a
*difference* constraint: it can make a station run above the common level so that another
phase may rise (see docs/ems.md). The engine first *proves* the rule does not bind: every
admission is certified by its minimums already satisfying the rule, and the final
water-filling satisfies it (then it is the lexicographic max-min optimum of a larger set that
lies in the smaller one, hence the optimum there too). When the rule binds, admission runs
with explicit points and bounds (`balance.py`) and the fill is a water-filling with the
strong phases capped at the weakest plus the limit (`balanced_fill.py`), accepted only with
a proof of optimality (`certify.py`). Whatever cannot be proved goes to the LP reference
(`lp_reference.py`, HiGHS). `Allocation.method` says which one ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chargegrid.ems.balance import admit_balanced
from chargegrid.ems.balanced_fill import fill_balanced
from chargegrid.ems.phases import PHASES
from chargegrid.ems.problem import Problem, compile_scenario, overloaded
from chargegrid.ems.rounding import round_down
from chargegrid.ems.scenario import Scenario, parse_scenario
from chargegrid.ems.waterfill import EPS, admit_packing_if_balanced, fill_packing


@dataclass(frozen=True, slots=True)
class Allocation:
    """Exact and rounded per-station currents (index = station), and how they were found."""

    problem: Problem
    exact: tuple[float, ...]
    limit_a: tuple[float, ...]
    method: str   # "waterfill", "balanced", "balanced+lp-admission", "lp" or "infeasible"
    overloaded: tuple[int, ...]


def _unbalance_holds(problem: Problem, x: list[float]) -> bool:
    if problem.unbalance is None:
        return True
    e = [0.0, 0.0, 0.0]
    for i, value in enumerate(x):
        for p in problem.phases[i]:
            e[p] += value
    return max(e) - min(e) <= problem.unbalance + EPS


def exact_allocation(problem: Problem) -> tuple[list[float], str]:
    """Unrounded allocation and the method that produced it.

    `waterfill`: the unbalance rule did not bind (proofs above). `balanced`: it bound and the
    combinatorial method settled it with proofs (`balance.py` for admission, `certify.py`
    for the fill). `balanced+lp-admission`: the same, but some admission verdict needed a
    feasibility LP. `lp`: the fill could not be certified and came from the LP reference.
    """
    if overloaded(problem):
        return [0.0] * problem.n, "infeasible"
    certified = admit_packing_if_balanced(problem)
    method = "waterfill"
    if certified is not None:
        admitted = certified
    else:
        admission = admit_balanced(problem)
        admitted = admission.admitted
        method = "balanced+lp-admission" if admission.lp_checks else "balanced"
    x = fill_packing(problem, admitted)
    if _unbalance_holds(problem, x):
        return x, method
    y = fill_balanced(problem, admitted, x)
    if y is not None:
        return y, "balanced" if method == "waterfill" else method
    from chargegrid.ems.lp_reference import allocate_lp

    return allocate_lp(problem, [i for i in problem.order if admitted[i]]), "lp"


def allocate(scenario: Scenario) -> Allocation:
    """The spec's allocation of a parsed scenario."""
    problem = compile_scenario(scenario)
    exact, method = exact_allocation(problem)
    return Allocation(problem, tuple(exact), tuple(round_down(problem, exact)), method,
                      tuple(overloaded(problem)))


def allocation_to_dict(scenario: Scenario, result: Allocation) -> dict[str, Any]:
    """The output shape of the spec: per-station limit and grid phases, per-node load."""
    problem = result.problem
    stations: dict[str, Any] = {}
    node_load = list(problem.base_through)
    l1, l2, l3 = PHASES
    for station, value, on, cons in zip(scenario.stations, result.limit_a, problem.phases,
                                        problem.cons, strict=True):
        stations[station.id] = {"limit_a": value, "phases": {
            l1: value if 0 in on else 0.0, l2: value if 1 in on else 0.0,
            l3: value if 2 in on else 0.0}}
        if value:
            for c in cons:
                node_load[c] += value
    nodes = {node_id: {name: round(node_load[3 * k + p], 3) + 0.0
                       for p, name in enumerate(PHASES)}
             for k, node_id in enumerate(problem.tree.ids)}
    return {"stations": stations, "nodes": nodes}


def allocate_scenario(raw: dict[str, Any]) -> dict[str, Any]:
    """Scenario dict in, allocation dict out (the controller's `Allocator`)."""
    scenario = parse_scenario(raw)
    return allocation_to_dict(scenario, allocate(scenario))
