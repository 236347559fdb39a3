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
    sums = [0.0] * len(PAIRS)
    for i, value in enumerate(x):
        if value:
            for t in _SIDES[problem.phases[i]]:
                sums[t] += value
    return dict(zip(PAIRS, sums, strict=True))


def _pairs_on(ph: tuple[int, ...]) -> tuple[int, ...]:
    """Indices into `PAIRS` of the pairs (q, p) with q in `ph` and p not in `ph`."""
    return tuple(t for t, (q, p) in enumerate(PAIRS) if q in ph and p not in ph)


# every sorted phase set a vehicle can load (1, 2 or 3 phases)
_SIDES: dict[tuple[int, ...], tuple[int, ...]] = {
    ph: _pairs_on(ph) for ph in ((0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2))}


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
