"""Round the exact allocation down to 0.1 A without breaking any rule.

Rounding each current down keeps every node-phase sum safe, but not the unbalance rule: the
phases lose different amounts (up to 0.1 A per station), so a difference that was exactly at
the limit can end up above it. The repair first gives back the lost tenths on the low phase
where the fuses have room, then takes tenths from the high phase, and only as a last resort
pauses the lowest-priority station on the high phase. Every step removes current or is
checked against the limits, so the loop ends and the result is safe whatever the input.
"""

from __future__ import annotations

import math

from chargegrid.ems.problem import Problem

TOL = 1e-9
STEP = 0.1


def floor_tenth(value: float) -> float:
    """Round down to 0.1 A, forgiving float noise just below a tenth."""
    return math.floor(value * 10.0 + 1e-6) / 10.0


def round_down(problem: Problem, exact: list[float]) -> list[float]:
    """Currents on the 0.1 A grid, each <= exact (or exactly min_a), all rules kept."""
    out = []
    for i, value in enumerate(exact):
        r = floor_tenth(value) if value > 0 else 0.0
        if value > 0 and r < problem.lo[i] <= value:
            r = problem.lo[i]
        out.append(min(r, problem.hi[i]) if value > 0 else 0.0)
    for _ in range(10 * problem.n + 10):
        if not _repair_once(problem, exact, out):
            break
    return out


def _loads(problem: Problem, r: list[float]) -> tuple[list[float], list[float]]:
    load = [0.0] * len(problem.cap)
    e = [0.0, 0.0, 0.0]
    for i, value in enumerate(r):
        if value:
            for c in problem.cons[i]:
                load[c] += value
            for p in problem.phases[i]:
                e[p] += value
    return load, e


def _by_low_priority(problem: Problem) -> list[int]:
    """Stations lowest priority first, later in the list first within a priority."""
    return sorted(range(problem.n), key=lambda i: (problem.priority[i], -i))


def _repair_once(problem: Problem, exact: list[float], r: list[float]) -> bool:
    """Fix the first violation found; False when there is none (the usual case: the order
    of who gives up current is only sorted when something must be given up)."""
    load, e = _loads(problem, r)
    for c, value in enumerate(load):
        if value > problem.cap[c] + TOL:          # only float noise can get here
            for i in _by_low_priority(problem):
                if r[i] > 0 and c in problem.cons[i]:
                    r[i] = 0.0 if r[i] - STEP < problem.lo[i] else floor_tenth(r[i] - STEP)
                    return True
    u = problem.unbalance
    if u is None:
        return False
    pairs = [(p, q) for p in range(3) for q in range(3) if e[p] - e[q] > u + TOL]
    if not pairs:
        return False
    p, q = max(pairs, key=lambda pq: e[pq[0]] - e[pq[1]])
    need = e[p] - e[q] - u
    # 1. give back tenths on the low phase where every fuse on the path has room (only
    #    tenths a station lost, so the output stays rounded down)
    for i in range(problem.n):
        ph = problem.phases[i]
        if need <= TOL:
            return True
        if (q in ph and p not in ph and 0 < r[i] and r[i] + STEP <= exact[i] + 1e-6
                and r[i] + STEP <= problem.hi[i]):
            if all(load[c] + STEP <= problem.cap[c] + TOL for c in problem.cons[i]) and all(
                    e[a] + STEP - e[b] <= u + TOL for a in ph for b in range(3) if b not in ph):
                r[i] = round(r[i] + STEP, 1)
                for c in problem.cons[i]:
                    load[c] += STEP
                for a in ph:
                    e[a] += STEP
                need -= STEP
    # 2. take tenths from the high phase (never below min_a)
    by_low_priority = _by_low_priority(problem)
    for i in by_low_priority:
        ph = problem.phases[i]
        if need <= TOL:
            return True
        if p in ph and q not in ph and r[i] - STEP >= problem.lo[i] - TOL and all(
                e[a] - (e[b] - STEP) <= u + TOL for b in ph for a in range(3) if a not in ph):
            r[i] = round(r[i] - STEP, 1)
            for b in ph:
                e[b] -= STEP
            need -= STEP
    if need <= TOL:
        return True
    # 3. last resort: pause the lowest-priority station on the high phase only
    for i in by_low_priority:
        if r[i] > 0 and p in problem.phases[i] and q not in problem.phases[i]:
            r[i] = 0.0
            return True
    return True
