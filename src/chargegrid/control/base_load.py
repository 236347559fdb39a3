"""Measured base load per node, and what to do when a meter cannot be trusted.

A meter at node n measures everything through n: its own non-EV load, the non-EV load of its
subtree, and every EV current below it. The non-EV load credited to n is that total minus
the totals of the nearest metered nodes below it (they account for their own subtrees) and
minus the EV currents of the points below n that are not under such a node; clamped at 0 per
phase (a meter and the chargers never sample at the same instant).

A stale or silent meter: its part of the tree falls back to static limits, never to "no
limit": the node gets an EV-only budget (its configured `static_limits_a`, or else the sum of
the fallback currents of the points below it, which is safe by construction) and its base
load is not used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chargegrid.ems.phases import PHASES

PhaseLoad = dict[str, float]


@dataclass(frozen=True, slots=True)
class BaseLoadResult:
    base_load: dict[str, PhaseLoad]
    node_limits: dict[str, PhaseLoad]
    stale_nodes: tuple[str, ...]


def _children(nodes: list[dict[str, Any]]) -> dict[str, list[str]]:
    tree: dict[str, list[str]] = {str(n["id"]): [] for n in nodes}
    for node in nodes:
        parent = node.get("parent")
        if parent is not None and str(parent) in tree:
            tree[str(parent)].append(str(node["id"]))
    return tree


def _below(tree: dict[str, list[str]], node: str, metered: set[str]) -> tuple[set[str], set[str]]:
    """(nodes whose EV currents count at `node`, nearest metered nodes below it)."""
    own, nearest = {node}, set()
    stack = list(tree.get(node, []))
    while stack:
        child = stack.pop()
        if child in metered:
            nearest.add(child)
            continue
        own.add(child)
        stack.extend(tree.get(child, []))
    return own, nearest


def compute(nodes: list[dict[str, Any]], measured: Mapping[str, PhaseLoad | None],
            ev_by_node: Mapping[str, PhaseLoad], fallback_by_node: Mapping[str, PhaseLoad],
            static_limits: Mapping[str, Any] | None = None) -> BaseLoadResult:
    """`measured`: node → per-phase total, or None when that node's meter is stale.
    `ev_by_node` / `fallback_by_node`: EV currents / fallback currents of the points attached
    directly at each node, on grid phases."""
    tree = _children(nodes)
    metered = set(measured)
    base: dict[str, PhaseLoad] = {}
    limits: dict[str, PhaseLoad] = {}
    stale: list[str] = []
    for node in _bottom_up(tree, metered):
        total = measured[node]
        own, nearest = _below(tree, node, metered)
        if total is None:
            stale.append(node)
            limits[node] = _static_budget(node, own | _subtree(tree, nearest),
                                          fallback_by_node, static_limits or {})
            continue
        load = {p: float(total.get(p, 0.0)) for p in PHASES}
        # A fresh metered child accounts for its subtree by its base load plus the EV
        # currents credited below it, not by its own reading: two meters never read at
        # the same instant, and the parent's reading alone stays consistent with the EV
        # currents. A stale child is not subtracted at all (its load counts here: safe).
        for child in nearest:
            if child not in base:
                continue
            for p in PHASES:
                load[p] -= base[child][p]
            members = _subtree(tree, {child})
            for member in members:
                for p in PHASES:
                    load[p] -= ev_by_node.get(member, {}).get(p, 0.0)
        for member in own:
            for p in PHASES:
                load[p] -= ev_by_node.get(member, {}).get(p, 0.0)
        base[node] = {p: max(0.0, v) for p, v in load.items()}
    return BaseLoadResult(base, limits, tuple(sorted(stale)))


def read_through(nodes: list[dict[str, Any]], metered: set[str]) -> set[str]:
    """Every node whose load a meter in `metered` reads: those nodes and their subtrees. A
    raise of a point there shows at that meter before the point's own samples show it."""
    return _subtree(_children(nodes), metered)


def _bottom_up(tree: dict[str, list[str]], metered: set[str]) -> list[str]:
    """Metered nodes, every one after the metered nodes below it."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(node: str) -> None:
        if node in seen:
            return
        seen.add(node)
        for child in tree.get(node, []):
            visit(child)
        if node in metered:
            order.append(node)

    for node in tree:
        visit(node)
    order.extend(sorted(m for m in metered if m not in seen))  # meters at unknown nodes
    return order


def _subtree(tree: dict[str, list[str]], roots: set[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(tree.get(node, []))
    return seen


def _static_budget(node: str, members: set[str], fallback_by_node: Mapping[str, PhaseLoad],
                   static_limits: Mapping[str, Any]) -> PhaseLoad:
    configured = static_limits.get(node)
    if configured is not None:
        if isinstance(configured, Mapping):
            return {p: float(configured[p]) for p in PHASES}
        return {p: float(configured) for p in PHASES}
    return {p: sum(fallback_by_node.get(m, {}).get(p, 0.0) for m in members) for p in PHASES}
