"""Water-filling when the unbalance limit binds: strong phases capped at weakest + limit.

The unbalance rule `E_q - E_p <= U` is a difference, not a packing constraint. With the
weakest phase's final EV total `m` known, it is the packing constraint `E_q <= m + U` on the
other phases (a virtual fuse at the connection point), plus `E_p >= m`, which the water-
filling meets by itself when the weak-phase stations keep rising after the strong ones stop.
So: water-fill with virtual caps `m + U` (`waterfill.fill_packing(..., phase_caps=)`), read
the weakest total of the result, and repeat with the new `m` until the result is feasible
and `certify.is_lexmax` proves it optimal (usually the second fill). The proof, not the
iteration, is what makes the answer exact; without one the caller falls back to the LP.
"""

from __future__ import annotations

from chargegrid.ems.certify import is_lexmax
from chargegrid.ems.problem import Problem
from chargegrid.ems.waterfill import fill_packing

ROUNDS = 4


def phase_totals(problem: Problem, x: list[float]) -> list[float]:
    """EV current per grid phase at the connection point."""
    e = [0.0, 0.0, 0.0]
    for i, value in enumerate(x):
        for p in problem.phases[i]:
            e[p] += value
    return e


def fill_balanced(problem: Problem, admitted: list[bool],
                  start: list[float] | None = None) -> list[float] | None:
    """The certified optimum of the admitted set, or None when no proof was found."""
    u = problem.unbalance
    assert u is not None
    y = fill_packing(problem, admitted) if start is None else start
    tried: set[float] = set()
    for _ in range(ROUNDS):
        m = min(phase_totals(problem, y))
        if m in tried:
            break
        tried.add(m)
        y = fill_packing(problem, admitted, (m + u, m + u, m + u))
        if is_lexmax(problem, admitted, y):
            return y
    return None
