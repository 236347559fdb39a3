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
its current slope. Cost: O(n d) to set up and O(n + b s d + h log h) for the sweep, for n
stations on paths of d node-phase constraints, b batches of events at one level, s distinct
constraint tuples (node and phase set) and h heap entries: stations on the same tuple change
their slopes together (see `_fill_class`).
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
    sets: Sequence[tuple[int, ...]] = problem.cons_sets
    cap = list(problem.cap)
    if pair_caps:
        base = len(cap)
        cap += [limit for _, _, limit in pair_caps]
        # a constraint tuple fixes its phases (c % 3), hence its virtual constraints
        sets = [path + tuple(base + k for k, (q, p, _) in enumerate(pair_caps)
                             if q in path_phases and p not in path_phases)
                for path in sets for path_phases in ({c % 3 for c in path},)]
    cons_id = problem.cons_id
    x = [problem.lo[i] if admitted[i] else 0.0 for i in range(problem.n)]
    slack = list(cap)
    for i in range(problem.n):
        if admitted[i]:
            for c in sets[cons_id[i]]:
                slack[c] -= x[i]
    for group in problem.classes():
        members = [i for i in group if admitted[i]]
        if members:
            _fill_class(problem, sets, cap, members, x, slack)
    return x


def _fill_class(problem: Problem, sets: Sequence[tuple[int, ...]], cap: list[float],
                members: list[int], x: list[float], slack: list[float]) -> None:
    """Raise `members` from their minimum; `slack` is updated to the final values.

    This loop is the engine's hot path (once per class, up to five times per allocation),
    hence flat lists for all state and two aggregations that keep it exact:

    * stations that share a constraint tuple (same node, same phases: `Problem.cons_sets`)
      change the slopes of the same constraints, so the events of one level add up a slope
      change per tuple and apply it once (O(tuples * d), not O(stations * d));
    * at one level, every constraint is first advanced to that level with the slope it had
      before (a second advance at the same level adds exactly 0), so applying the changes
      after the station events, in any order, gives the same floats as one by one.
    """
    lo, hi = problem.lo, problem.hi
    cons_id = problem.cons_id
    size = len(cap)
    slope = [0] * size
    ref = [0.0] * size
    version = [0] * size
    closed = [False] * size
    state = bytearray(problem.n)      # 0 waiting at its minimum, 1 rising, 2 frozen
    set_closed = bytearray(len(sets))  # the tuple has a closed constraint
    # Stations share a few distinct minimums and maximums (6, 16, 32 A): one heap entry per
    # (level, kind) holds all of them.
    grouped: dict[tuple[float, int], list[int]] = {}
    by_set: dict[int, list[int]] = {}
    for i in members:
        by_set.setdefault(cons_id[i], []).append(i)
        grouped.setdefault((lo[i], 0), []).append(i)   # kind 0: starts rising at its minimum
        grouped.setdefault((hi[i], 1), []).append(i)   # kind 1: reaches its maximum
    in_con: list[list[int]] = [[] for _ in range(size)]    # tuples through each constraint
    for k in by_set:
        for c in sets[k]:
            in_con[c].append(k)
    groups = list(grouped.values())
    # (level, kind, index, version): index is a group for kinds 0/1, a constraint for kind 2
    events = [(level, kind, g, 0) for g, (level, kind) in enumerate(grouped)]
    heapq.heapify(events)
    heappop, heappush = heapq.heappop, heapq.heappush

    def apply(change: dict[int, int], t: float, touched: set[int]) -> None:
        """Advance the constraints of each changed tuple to t, then change their slopes."""
        for k, delta in change.items():
            for c in sets[k]:
                slack[c] -= slope[c] * (t - ref[c])
                ref[c] = t
                slope[c] += delta
                touched.add(c)

    # Events at the same level are handled as one batch and each touched constraint is
    # rescheduled once: O(levels * constraints) heap operations instead of O(n d).
    while events:
        t = events[0][0]
        touched: set[int] = set()
        tight: list[int] = []
        change: dict[int, int] = {}
        while events and events[0][0] <= t + 1e-12:
            _, kind, g, ver = heappop(events)
            if kind == 2:
                if ver == version[g] and not closed[g]:
                    tight.append(g)
                continue
            for i in groups[g]:
                if state[i] == 2:
                    continue
                if kind == 1:
                    if state[i] == 1:          # stops at its maximum
                        x[i] = t
                        k = cons_id[i]
                        change[k] = change.get(k, 0) - 1
                    state[i] = 2               # (max == min: stays at its minimum)
                elif lo[i] >= hi[i] or set_closed[cons_id[i]]:
                    state[i] = 2
                else:
                    state[i] = 1
                    k = cons_id[i]
                    change[k] = change.get(k, 0) + 1
        apply(change, t, touched)
        change = {}
        for c in tight:
            if closed[c]:
                continue
            slack[c] -= slope[c] * (t - ref[c])
            ref[c] = t
            if slack[c] > EPS * (1.0 + abs(cap[c])):
                touched.add(c)        # a slope change in this batch moved it later
                continue
            closed[c] = True
            for k in in_con[c]:
                set_closed[k] = 1
                for i in by_set[k]:
                    if state[i] == 1:      # rising: stops at the level
                        x[i] = t
                        change[k] = change.get(k, 0) - 1
                    state[i] = 2          # (waiting at its minimum: stuck there)
        apply(change, t, touched)
        for c in touched:
            if not closed[c]:
                version[c] += 1
                if slope[c] > 0:
                    heappush(events, (ref[c] + max(slack[c], 0.0) / slope[c], 2, c,
                                      version[c]))
