"""Water-filling when the unbalance limit binds: strong sides capped at weak side + limit.

The unbalance rule `E_q - E_p <= U` is a difference, not a packing constraint. With the
final current `B` of the stations on p but not q known, it is the packing constraint "stations
on q but not p draw at most `B + U`" (a virtual fuse; stations on both phases or neither
cancel out of `E_q - E_p`), plus "the p-side reaches `B`", which the water-filling meets by
itself when the weak-side stations keep rising after the strong side stops. So: water-fill
with those virtual caps (`waterfill.fill_packing(..., pair_caps=)`), read the weak sides of
the result, and repeat until the result is feasible and `certify.is_lexmax` proves it
optimal (usually the second fill). The proof, not the iteration, is what makes the answer
exact; without one the caller falls back to the LP.
"""

from __future__ import annotations

from chargegrid.ems.certify import is_lexmax
from chargegrid.ems.problem import Problem
from chargegrid.ems.waterfill import fill_packing

ROUNDS = 4


PAIRS = tuple((q, p) for q in range(3) for p in range(3) if q != p)


def pair_sides(problem: Problem, x: list[float]) -> dict[tuple[int, int], float]:
    """For each ordered pair (q, p): current of the stations on q but not p.

    `E_q - E_p` is `side[q, p] - side[p, q]`: stations on both phases or on neither (all
    3-phase vehicles) cancel out.
    """
    side = dict.fromkeys(PAIRS, 0.0)
    for i, value in enumerate(x):
        ph = problem.phases[i]
        if value and len(ph) < 3:
            for q, p in PAIRS:
                if q in ph and p not in ph:
                    side[q, p] += value
    return side


def fill_balanced(problem: Problem, admitted: list[bool],
                  start: list[float] | None = None) -> list[float] | None:
    """The certified optimum of the admitted set, or None when no proof was found."""
    u = problem.unbalance
    assert u is not None
    y = fill_packing(problem, admitted) if start is None else start
    tried: set[tuple[tuple[int, int, float], ...]] = set()
    for _ in range(ROUNDS):
        side = pair_sides(problem, y)
        caps = tuple((q, p, side[p, q] + u) for q, p in PAIRS if side[q, p] > side[p, q])
        if caps in tried:
            break
        tried.add(caps)
        y = fill_packing(problem, admitted, caps)
        if is_lexmax(problem, admitted, y):
            return y
    return None
