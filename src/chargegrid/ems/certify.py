"""A proof, without an LP, that an allocation is the spec's lexicographic max-min optimum.

For a fixed admitted set the feasible allocations form a polytope F (boxes, fuses, the
unbalance rows). A point x of F is the lexicographic max-min optimum, class by class, iff no
station i below its `max_a` can rise along a feasible direction d (d_i > 0) that lowers
nobody of a higher class and nobody of its own class at or below x_i (lower classes may
move, within their boxes). On a polytope a direction is feasible iff it respects the
constraints *tight* at x, so this is a local, checkable condition; the two sufficient
patterns below prove it station by station:

* **P1 (a full fuse)**: a tight node-phase c on i's path whose other members cannot be
  lowered (higher class, own class at or below x_i, or at their minimum). Then
  sum_c d <= 0 with every other d_j >= 0 forces d_i <= 0.
* **P2 (the unbalance limit)**: i loads grid phase q but not p, E_q - E_p is at the limit,
  no station on q-not-p can be lowered, and no station on p-not-q can rise (higher class,
  at its `max_a`, or in a tight fuse whose other members cannot be lowered). Then raising i
  raises E_q - E_p, which nothing can compensate.

If a station has neither proof the check fails and the caller uses the LP (the proof is
sufficient, not necessary: chains of exchanges through several fuses are not followed).
`TOL` absorbs float noise of the water-filling; it is far below the 0.1 A output grid.
"""

from __future__ import annotations

from chargegrid.ems.problem import Problem

TOL = 1e-7


def _state(problem: Problem, admitted: list[bool],
           x: list[float]) -> tuple[list[float], list[float]]:
    load = [0.0] * len(problem.cap)
    e = [0.0, 0.0, 0.0]
    for i, value in enumerate(x):
        if admitted[i]:
            for c in problem.cons[i]:
                load[c] += value
            for p in problem.phases[i]:
                e[p] += value
    return load, e


def feasible(problem: Problem, admitted: list[bool], x: list[float]) -> bool:
    """x within boxes (0 for the others), fuses and the unbalance limit, up to `TOL`."""
    return _feasible(problem, admitted, x, *_state(problem, admitted, x))


def _feasible(problem: Problem, admitted: list[bool], x: list[float], load: list[float],
              e: list[float]) -> bool:
    lo, hi = problem.lo, problem.hi
    for i, value in enumerate(x):
        if admitted[i]:
            if not lo[i] - TOL <= value <= hi[i] + TOL:
                return False
        elif value != 0.0:
            return False
    if any(load[c] > cap + TOL * (1.0 + abs(cap)) for c, cap in enumerate(problem.cap)):
        return False
    return problem.unbalance is None or max(e) - min(e) <= problem.unbalance + TOL


def is_lexmax(problem: Problem, admitted: list[bool], x: list[float]) -> bool:
    """True only if x is feasible and P1 or P2 proves every station below its max blocked."""
    pr, n = problem, problem.n
    load, e = _state(pr, admitted, x)
    if not _feasible(pr, admitted, x, load, e):
        return False
    tight = [load[c] >= cap - TOL * (1.0 + abs(cap)) for c, cap in enumerate(pr.cap)]
    u = pr.unbalance
    pairs = [] if u is None else [(q, p) for q in range(3) for p in range(3)
                                  if q != p and e[q] - e[p] >= u - TOL]
    lo, hi, prio, cons = pr.lo, pr.hi, pr.priority, pr.cons
    raised = [admitted[i] and x[i] > lo[i] + TOL for i in range(n)]
    # per tight fuse: lowest class among its raised members, and the top raised value per class
    low_class: dict[int, int] = {}
    top: dict[tuple[int, int], float] = {}
    for j in range(n):
        if raised[j]:
            k, value = prio[j], x[j]
            for c in cons[j]:
                if tight[c]:
                    if low_class.get(c, k) >= k:
                        low_class[c] = k
                    if value > top.get((c, k), -1.0):
                        top[c, k] = value
    pending: dict[tuple[int, float], list[int]] = {}
    for i in range(n):
        if not admitted[i] or x[i] >= hi[i] - TOL:
            continue
        k, v = prio[i], x[i]
        for c in cons[i]:
            if tight[c] and low_class.get(c, k) >= k and top.get((c, k), -1.0) <= v + TOL:
                break                                             # P1
        else:
            if not pairs:
                return False
            pending.setdefault((k, v), []).append(i)
    # only stations on fewer than three phases can be on one side of a pair
    sided = [j for j in range(n) if admitted[j] and len(pr.phases[j]) < 3]
    for (k, v), group in pending.items():
        blocked = _pairs_blocking(pr, sided, x, tight, pairs, raised, k, v)
        for i in group:
            ph = pr.phases[i]
            if not any(q in ph and p not in ph for q, p in blocked):
                return False                                      # neither P1 nor P2
    return True


def _pairs_blocking(pr: Problem, sided: list[int], x: list[float], tight: list[bool],
                    pairs: list[tuple[int, int]], raised: list[bool], k: int,
                    v: float) -> list[tuple[int, int]]:
    """Tight pairs (q, p) that P2 proves blocking for a class-k station at value v.

    `sided`: the admitted stations on one or two phases (3-phase ones are on both sides of
    every pair and cancel out).
    """
    n = pr.n
    prio, hi, cons = pr.priority, pr.hi, pr.cons
    lowerable = [raised[j] and (prio[j] < k or (prio[j] == k and x[j] > v + TOL))
                 for j in range(n)]
    count = [0] * len(pr.cap)
    for j in range(n):
        if lowerable[j]:
            for c in cons[j]:
                count[c] += 1
    out = []
    for q, p in pairs:
        good = True
        for j in sided:
            ph = pr.phases[j]
            if q in ph and p not in ph:
                if lowerable[j]:
                    good = False
                    break
            elif p in ph and q not in ph:
                if prio[j] > k or x[j] >= hi[j] - TOL:
                    continue
                own = lowerable[j]
                for c in cons[j]:
                    if tight[c] and count[c] - own == 0:
                        break
                else:
                    good = False
                    break
        if good:
            out.append((q, p))
    return out
