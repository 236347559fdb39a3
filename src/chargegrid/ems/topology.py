"""The distribution tree: structural checks and the compiled index form the engine uses.

Kept apart from parsing so that `ems check` can list *every* structural problem of a
hand-written topology, while parsing stops at the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def check_tree(edges: Sequence[tuple[str, str | None]]) -> list[tuple[str, str]]:
    """(field, message) for each structural error: duplicates, roots, orphans, cycles."""
    problems: list[tuple[str, str]] = []
    index: dict[str, int] = {}
    for k, (node_id, _) in enumerate(edges):
        if node_id in index:
            problems.append((f"nodes[{k}].id", f"duplicate node id {node_id!r}"))
        else:
            index[node_id] = k
    roots = [k for k, (_, parent) in enumerate(edges) if parent is None]
    if not roots:
        problems.append(("nodes", "no root: exactly one node must have no parent"))
    for k in roots[1:]:
        problems.append((f"nodes[{k}].parent",
                         f"second root {edges[k][0]!r} (first is {edges[roots[0]][0]!r}); "
                         "exactly one node may have no parent"))
    for k, (node_id, parent) in enumerate(edges):
        if parent is not None and parent not in index:
            problems.append((f"nodes[{k}].parent",
                             f"orphan: {node_id!r} hangs on unknown node {parent!r}"))
    parent_of = dict(edges)
    reported: set[str] = set()
    for k, (node_id, _) in enumerate(edges):
        seen: list[str] = []
        cur: str | None = node_id
        while cur is not None and cur in parent_of and cur not in seen:
            seen.append(cur)
            cur = parent_of[cur]
        if cur is not None and cur in seen:
            cycle = seen[seen.index(cur):]
            if not reported.intersection(cycle):
                reported.update(cycle)
                problems.append((f"nodes[{k}].parent",
                                 "cycle: " + " -> ".join([*cycle, cur])))
    return problems


@dataclass(frozen=True, slots=True)
class Tree:
    """Nodes as indices: `parent[i]` (-1 for the root), `path[i]` = i and its ancestors."""

    ids: tuple[str, ...]
    parent: tuple[int, ...]
    path: tuple[tuple[int, ...], ...]

    @classmethod
    def build(cls, edges: Sequence[tuple[str, str | None]]) -> Tree:
        """Index a tree already validated by `check_tree`."""
        ids = tuple(e[0] for e in edges)
        where = {node_id: k for k, node_id in enumerate(ids)}
        parent = tuple(-1 if p is None else where[p] for _, p in edges)
        paths: list[tuple[int, ...]] = []
        for k in range(len(ids)):
            chain = [k]
            while parent[chain[-1]] >= 0:
                chain.append(parent[chain[-1]])
            paths.append(tuple(chain))
        return cls(ids, parent, tuple(paths))
