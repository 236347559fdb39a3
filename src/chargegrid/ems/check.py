"""`ems check`: list everything wrong or suspicious in a scenario, not just the first error.

Errors make the scenario unusable (the engine refuses it). Warnings are legal but usually a
data-entry slip an electrician wants to see: a sub-distributor rated above its feeder (the
feeder's fuse is what counts), a station whose maximum its own distributor cannot carry, a
minimum above the maximum (never admitted), or a base load already above a fuse (every EV
would be paused).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from chargegrid.ems.phases import PHASES
from chargegrid.ems.problem import compile_scenario, overloaded
from chargegrid.ems.scenario import ScenarioError, parse_scenario
from chargegrid.ems.topology import check_tree


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding; `field` points into the scenario."""

    level: Literal["error", "warning"]
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.field}: {self.message}"


def _structural(raw: Any) -> list[Issue]:
    nodes = raw.get("nodes") if isinstance(raw, dict) else None
    if not isinstance(nodes, list):
        return []
    edges = [(str(n.get("id")), n.get("parent") if isinstance(n.get("parent"), str) else None)
             for n in nodes if isinstance(n, dict)]
    if len(edges) != len(nodes):
        return []
    issues = [Issue("error", f, m) for f, m in check_tree(edges)]
    known = {e[0] for e in edges}
    for k, station in enumerate(raw.get("stations") or []):
        if isinstance(station, dict) and station.get("node") not in known:
            issues.append(Issue("error", f"stations[{k}].node",
                                f"unknown node {station.get('node')!r}"))
    return issues


def check_scenario(raw: Any) -> list[Issue]:
    """All errors (structural ones all at once) and warnings of a scenario dict."""
    issues = _structural(raw)
    try:
        scenario = parse_scenario(raw)
    except ScenarioError as err:
        if not any(i.field == err.field for i in issues):
            issues.append(Issue("error", err.field, err.message))
        return issues
    index = {n.id: k for k, n in enumerate(scenario.nodes)}
    for k, node in enumerate(scenario.nodes):
        if node.parent is None:
            continue
        parent = scenario.nodes[index[node.parent]]
        for p, name in enumerate(PHASES):
            if node.limit_a[p] > parent.limit_a[p]:
                issues.append(Issue(
                    "warning", f"nodes[{k}].limit_a",
                    f"{node.id} ({node.limit_a[p]:g} A on {name}) exceeds its parent "
                    f"{parent.id} ({parent.limit_a[p]:g} A); the parent's limit applies"))
                break
    for k, st in enumerate(scenario.stations):
        node = scenario.nodes[index[st.node]]
        room = min(node.limit_a[p] for p in st.grid_phases)
        if st.max_a > room:
            issues.append(Issue("warning", f"stations[{k}].max_a",
                                f"{st.id}: max {st.max_a:g} A exceeds the {room:g} A limit "
                                f"of its node {node.id}"))
        if st.min_a > st.max_a:
            issues.append(Issue("warning", f"stations[{k}].min_a",
                                f"{st.id}: min {st.min_a:g} A above max {st.max_a:g} A; "
                                "it will never be admitted"))
    problem = compile_scenario(scenario)
    for c in overloaded(problem):
        node_id, phase = problem.constraint_name(c)
        issues.append(Issue("warning", f"base_load_a.{node_id}",
                            f"base load through {node_id} on {phase} "
                            f"({problem.base_through[c]:g} A) exceeds its limit "
                            f"({problem.limit[c]:g} A): every EV gets 0"))
    return issues
