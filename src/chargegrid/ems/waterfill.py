"""Exact water-filling over the node-phase limits (no LP).

Why it is exact: without the unbalance rule, every constraint is a packing constraint
(sum of EV currents through a node on a phase <= capacity). Then

* a set of stations can all run at their minimum iff the vector of minimums fits, so
  admission is one pass adding minimums along each station's path;
* the lexicographic max-min fair allocation of a priority class is obtained by raising a
  common level `t` (each station at `max(min_a, t)`, capped at `max_a`) and freezing, at the
  moment a node-phase constraint becomes tight, every unfrozen station of the class in it:
  none of them can rise without lowering a member of the same tight sum that is at or below
  the level. Lower classes stay at their minimum, which is where they take the least.

The sweep is event driven: breakpoints are `min_a`/`max_a` crossings and constraint
saturations, found with a heap keyed by the level at which each constraint saturates under
its current slope. Cost: O(n d log n) for n stations on paths of d node-phase constraints.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from chargegrid.ems.problem import Problem

EPS = 1e-9


def admit_packing(problem: Problem) -> list[bool]:
    """Minimum first: admit in priority/list order while all minimums fit the node limits."""
    load = [0.0] * len(problem.cap)
    admitted = [False] * problem.n
    cap = problem.cap
    for i in problem.order:
        if not problem.wants[i]:
            continue
        m = problem.lo[i]
        if all(load[c] + m <= cap[c] + EPS for c in problem.cons[i]):
            for c in problem.cons[i]:
                load[c] += m
            admitted[i] = True
    return admitted


def fill_packing(problem: Problem, admitted: list[bool],
                 pair_caps: Sequence[tuple[int, int, float]] = ()) -> list[float]:
    """Class-by-class water-filling of the admitted stations (others get 0).

    `pair_caps` adds *virtual* packing constraints (q, p, cap): "the current of the stations
    loading grid phase q but not p <= cap" (indices `len(cap) + k`). `balanced_fill.py` uses
    them to hold the strong side of an unbalance pair at the weak side's total plus the
    limit; they may start overfull (their stations then stay at their minimum).
    """
    cons: Sequence[tuple[int, ...]] = problem.cons
    cap = list(problem.cap)
    if pair_caps:
        base = len(cap)
        cap += [limit for _, _, limit in pair_caps]
        extra = {ph: tuple(base + k for k, (q, p, _) in enumerate(pair_caps)
                           if q in ph and p not in ph) for ph in set(problem.phases)}
        cons = [c + extra[ph] for c, ph in zip(problem.cons, problem.phases, strict=True)]
    x = [problem.lo[i] if admitted[i] else 0.0 for i in range(problem.n)]
    slack = list(cap)
    for i in range(problem.n):
        if admitted[i]:
            for c in cons[i]:
                slack[c] -= x[i]
    for group in problem.classes():
        members = [i for i in group if admitted[i]]
        if members:
            _fill_class(problem, cons, cap, members, x, slack)
    return x


def _fill_class(problem: Problem, cons: Sequence[tuple[int, ...]], cap: list[float],
                members: list[int], x: list[float], slack: list[float]) -> None:
    """Raise `members` from their minimum; `slack` is updated to the final values.

    Per-constraint state lives in flat lists and the slack update ("advance constraint c to
    level t") is inlined: this loop is the engine's hot path.
    """
    lo, hi = problem.lo, problem.hi
    size = len(cap)
    slope = [0] * size
    ref = [0.0] * size
    version = [0] * size
    in_con: dict[int, list[int]] = {}
    closed: set[int] = set()
    frozen: set[int] = set()
    rising: set[int] = set()
    events: list[tuple[float, int, int, int]] = []  # (level, kind, index, version)
    for i in members:
        for c in cons[i]:
            in_con.setdefault(c, []).append(i)
        events.append((lo[i], 0, i, 0))   # kind 0: starts rising at its minimum
        events.append((hi[i], 1, i, 0))   # kind 1: reaches its maximum
    heapq.heapify(events)
    heappop, heappush = heapq.heappop, heapq.heappush

    def stop(i: int, t: float, touched: set[int]) -> None:
        rising.discard(i)
        frozen.add(i)
        x[i] = t
        for c in cons[i]:
            slack[c] -= slope[c] * (t - ref[c])
            ref[c] = t
            slope[c] -= 1
            touched.add(c)

    # Events at the same level are handled as one batch and each touched constraint is
    # rescheduled once: stations share a few distinct minimums and maximums (6, 16, 32 A),
    # so this turns O(n d) heap pushes into O(levels * constraints).
    while events:
        t = events[0][0]
        touched: set[int] = set()
        tight: list[int] = []
        while events and events[0][0] <= t + 1e-12:
            _, kind, k, ver = heappop(events)
            if kind == 2:
                if ver == version[k] and k not in closed:
                    tight.append(k)
                continue
            if k in frozen:
                continue
            if kind == 1:
                if k in rising:
                    stop(k, t, touched)
                else:
                    frozen.add(k)     # max == min: stays at its minimum
                continue
            if lo[k] >= hi[k] or any(c in closed for c in cons[k]):
                frozen.add(k)
                continue
            rising.add(k)
            for c in cons[k]:
                slack[c] -= slope[c] * (t - ref[c])
                ref[c] = t
                slope[c] += 1
                touched.add(c)
        for c in tight:
            if c in closed:
                continue
            slack[c] -= slope[c] * (t - ref[c])
            ref[c] = t
            if slack[c] > EPS * (1.0 + abs(cap[c])):
                touched.add(c)        # a slope change in this batch moved it later
                continue
            closed.add(c)
            for i in in_con[c]:
                if i in rising:
                    stop(i, t, touched)
                elif i not in frozen:
                    frozen.add(i)     # waiting at its minimum: stuck there
        for c in touched:
            if c not in closed:
                version[c] += 1
                if slope[c] > 0:
                    heappush(events, (ref[c] + max(slack[c], 0.0) / slope[c], 2, c,
                                      version[c]))
