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
    admitted = _admit(problem, None)
    assert admitted is not None
    return admitted


def admit_packing_if_balanced(problem: Problem) -> list[bool] | None:
    """`admit_packing`, or None as soon as an admitted prefix's minimums break the unbalance
    rule: then the rule may change who is admitted and `balance.admit_balanced` decides.

    When it returns a list, every admission is certified: the admitted minimums, in
    admission order, satisfy the rule, so the set is the one the spec's rule gives.
    """
    return _admit(problem, problem.unbalance)


def _admit(problem: Problem, unbalance: float | None) -> list[bool] | None:
    load = [0.0] * len(problem.cap)
    admitted = [False] * problem.n
    cap, cons, phases, lo, wants = (problem.cap, problem.cons, problem.phases, problem.lo,
                                    problem.wants)
    e = [0.0, 0.0, 0.0]
    for i in problem.order:
        if not wants[i]:
            continue
        m = lo[i]
        ci = cons[i]
        for c in ci:
            if load[c] + m > cap[c] + EPS:
                break
        else:
            for c in ci:
                load[c] += m
            admitted[i] = True
            if unbalance is not None:
                for p in phases[i]:
                    e[p] += m
                if max(e) - min(e) > unbalance + EPS:
                    return None
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
        # a path's constraints fix its phases, so each distinct path is extended once
        extended: dict[tuple[int, ...], tuple[int, ...]] = {}
        widened: list[tuple[int, ...]] = []
        for path, ph in zip(problem.cons, problem.phases, strict=True):
            full = extended.get(path)
            if full is None:
                full = extended[path] = path + extra[ph]
            widened.append(full)
        cons = widened
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

    Per-constraint and per-station state lives in flat lists (no sets, no closures) and the
    slack update ("advance constraint c to level t") is inlined: this loop is the engine's
    hot path, run once per class and up to five times per allocation.
    """
    lo, hi = problem.lo, problem.hi
    size = len(cap)
    slope = [0] * size
    ref = [0.0] * size
    version = [0] * size
    closed = [False] * size
    in_con: list[list[int]] = [[] for _ in range(size)]
    state = bytearray(problem.n)      # 0 waiting at its minimum, 1 rising, 2 frozen
    # Stations share a few distinct minimums and maximums (6, 16, 32 A): one heap entry per
    # (level, kind) holds all of them, in member order (the order one entry each would pop).
    grouped: dict[tuple[float, int], list[int]] = {}
    for i in members:
        for c in cons[i]:
            in_con[c].append(i)
        grouped.setdefault((lo[i], 0), []).append(i)   # kind 0: starts rising at its minimum
        grouped.setdefault((hi[i], 1), []).append(i)   # kind 1: reaches its maximum
    groups = list(grouped.values())
    # (level, kind, index, version): index is a group for kinds 0/1, a constraint for kind 2
    events = [(level, kind, g, 0) for g, (level, kind) in enumerate(grouped)]
    heapq.heapify(events)
    heappop, heappush = heapq.heappop, heapq.heappush

    # Events at the same level are handled as one batch and each touched constraint is
    # rescheduled once: O(levels * constraints) heap operations instead of O(n d).
    while events:
        t = events[0][0]
        touched: set[int] = set()
        tight: list[int] = []
        while events and events[0][0] <= t + 1e-12:
            _, kind, g, ver = heappop(events)
            if kind == 2:
                if ver == version[g] and not closed[g]:
                    tight.append(g)
                continue
            for k in groups[g]:
                if state[k] == 2:
                    continue
                if kind == 1:
                    if state[k] == 1:          # stops at its maximum
                        x[k] = t
                        for c in cons[k]:
                            slack[c] -= slope[c] * (t - ref[c])
                            ref[c] = t
                            slope[c] -= 1
                            touched.add(c)
                    state[k] = 2               # (max == min: stays at its minimum)
                    continue
                if lo[k] >= hi[k]:
                    state[k] = 2
                    continue
                ck = cons[k]
                for c in ck:
                    if closed[c]:
                        state[k] = 2
                        break
                else:
                    state[k] = 1
                    for c in ck:
                        slack[c] -= slope[c] * (t - ref[c])
                        ref[c] = t
                        slope[c] += 1
                        touched.add(c)
        for c in tight:
            if closed[c]:
                continue
            slack[c] -= slope[c] * (t - ref[c])
            ref[c] = t
            if slack[c] > EPS * (1.0 + abs(cap[c])):
                touched.add(c)        # a slope change in this batch moved it later
                continue
            closed[c] = True
            for i in in_con[c]:
                if state[i] == 1:      # rising: stops at the level
                    x[i] = t
                    for d in cons[i]:
                        slack[d] -= slope[d] * (t - ref[d])
                        ref[d] = t
                        slope[d] -= 1
                        touched.add(d)
                state[i] = 2          # (waiting at its minimum: stuck there)
        for c in touched:
            if not closed[c]:
                version[c] += 1
                if slope[c] > 0:
                    heappush(events, (ref[c] + max(slack[c], 0.0) / slope[c], 2, c,
                                      version[c]))
