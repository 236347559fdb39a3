"""The compiled form and the fast paths built on it agree with their plain definitions.

The water-filling moves stations that share a constraint tuple together
(`Problem.cons_sets`), and the packing admission stops at the first unbalanced prefix; both
are speed-ups whose answers must be those of the straightforward code.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from chargegrid.ems import parse_scenario
from chargegrid.ems.problem import Problem, compile_scenario
from chargegrid.ems.waterfill import EPS, admit_packing, admit_packing_if_balanced
from tests.ems.scenarios import binding_scenarios, random_scenarios

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(random_scenarios(max_stations=20))
def test_constraint_tuples_are_shared_by_node_and_phases(raw: dict[str, Any]) -> None:
    scenario = parse_scenario(raw)
    problem = compile_scenario(scenario)
    assert len(problem.cons_sets) == len(set(problem.cons_sets))
    owner: dict[int, tuple[str, tuple[int, ...]]] = {}
    for i, station in enumerate(scenario.stations):
        k = problem.cons_id[i]
        assert problem.cons[i] == problem.cons_sets[k]
        assert owner.setdefault(k, (station.node, problem.phases[i])) == (
            station.node, problem.phases[i])
        node = problem.tree.ids.index(station.node)
        assert set(problem.cons[i]) == {3 * a + p for a in problem.tree.path[node]
                                        for p in problem.phases[i]}


def _prefixes_balanced(problem: Problem, admitted: list[bool]) -> bool:
    """The plain definition: every admitted prefix's minimums meet the unbalance rule."""
    if problem.unbalance is None:
        return True
    e = [0.0, 0.0, 0.0]
    for i in problem.order:
        if admitted[i]:
            for p in problem.phases[i]:
                e[p] += problem.lo[i]
            if max(e) - min(e) > problem.unbalance + EPS:
                return False
    return True


@SETTINGS
@given(random_scenarios(max_stations=20))
def test_certified_packing_admission(raw: dict[str, Any]) -> None:
    _check_certified_admission(raw)


@SETTINGS
@given(binding_scenarios())
def test_certified_packing_admission_when_unbalance_binds(raw: dict[str, Any]) -> None:
    _check_certified_admission(raw)


def _check_certified_admission(raw: dict[str, Any]) -> None:
    problem = compile_scenario(parse_scenario(raw))
    admitted = admit_packing(problem)
    certified = admit_packing_if_balanced(problem)
    if _prefixes_balanced(problem, admitted):
        assert certified == admitted
    else:
        assert certified is None
