"""The scenario compiled to numbers: constraints as capacities, stations as index lists.

Constraint `c = 3 * node + phase` is "EV current through `node` on grid `phase`"; its
capacity is the fuse limit minus the base load of the node's whole subtree. Every solver
(water-filling, LP reference, rounding, explain) reads this one form, so they cannot disagree
about what a constraint means.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from chargegrid.ems.scenario import Scenario
from chargegrid.ems.topology import Tree


@dataclass(frozen=True, slots=True)
class Problem:
    """Numbers only; station `i` is `scenario.stations[i]`."""

    tree: Tree
    cap: tuple[float, ...]
    base_through: tuple[float, ...]
    limit: tuple[float, ...]
    phases: tuple[tuple[int, ...], ...]
    cons: tuple[tuple[int, ...], ...]
    lo: tuple[float, ...]
    hi: tuple[float, ...]
    priority: tuple[int, ...]
    wants: tuple[bool, ...]
    order: tuple[int, ...]
    unbalance: float | None
    # distinct constraint tuples (one per node and phase set in use) and, per station, the
    # index of its own: stations sharing one move together in the water-filling
    cons_sets: tuple[tuple[int, ...], ...]
    cons_id: tuple[int, ...]

    @property
    def n(self) -> int:
        """Number of stations."""
        return len(self.lo)

    def constraint_name(self, c: int) -> tuple[str, str]:
        """(node id, phase name) of constraint `c`."""
        return self.tree.ids[c // 3], ("L1", "L2", "L3")[c % 3]

    def classes(self) -> list[list[int]]:
        """Station indices grouped by priority, highest first, each in admission order."""
        return [list(group) for _, group in groupby(self.order, key=self.priority.__getitem__)]


def compile_scenario(scenario: Scenario) -> Problem:
    """Build the numeric form; the scenario must come from `parse_scenario`."""
    tree = Tree.build([(n.id, n.parent) for n in scenario.nodes])
    where = {node_id: k for k, node_id in enumerate(tree.ids)}
    base = [0.0] * (3 * len(tree.ids))
    for node_id, load in scenario.base_load_a.items():
        for a in tree.path[where[node_id]]:
            for p in range(3):
                base[3 * a + p] += load[p]
    limit = [n.limit_a[p] for n in scenario.nodes for p in range(3)]
    cap = tuple(limit[c] - base[c] for c in range(len(limit)))
    phases = tuple(s.grid_phases for s in scenario.stations)
    # stations on the same node with the same phases share one constraint tuple (a site has
    # a few hundred such pairs for thousands of stations)
    known: dict[tuple[str, tuple[int, ...]], int] = {}
    cons_sets: list[tuple[int, ...]] = []
    cons_id: list[int] = []
    for s, ph in zip(scenario.stations, phases, strict=True):
        key = (s.node, ph)
        k = known.get(key)
        if k is None:
            k = known[key] = len(cons_sets)
            cons_sets.append(tuple(3 * a + p for a in tree.path[where[s.node]] for p in ph))
        cons_id.append(k)
    cons = tuple(cons_sets[k] for k in cons_id)
    priority = tuple(s.priority for s in scenario.stations)
    # highest priority first, ties in list order (the sort is stable)
    order = sorted(range(len(priority)), key=lambda i: -priority[i])
    return Problem(
        tree=tree, cap=cap, base_through=tuple(base), limit=tuple(limit), phases=phases,
        cons=cons, lo=tuple(s.min_a for s in scenario.stations),
        hi=tuple(s.max_a for s in scenario.stations),
        priority=priority,
        wants=tuple(s.charging and s.max_a > 0 and s.min_a <= s.max_a
                    for s in scenario.stations),
        order=tuple(order), unbalance=scenario.unbalance_limit_a,
        cons_sets=tuple(cons_sets), cons_id=tuple(cons_id))


def overloaded(problem: Problem, tol: float = 1e-9) -> list[int]:
    """Constraints whose base load alone already exceeds the fuse: nothing is safe there."""
    return [c for c, capacity in enumerate(problem.cap) if capacity < -tol]
