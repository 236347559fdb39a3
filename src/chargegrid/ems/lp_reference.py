"""LP reference: the spec's allocation by progressive filling with HiGHS (`highspy`).

A deliberately literal transcription of the spec, one variable per station, so that it can
check the engine: admission tests feasibility of the admitted set at `[min_a, max_a]`
(an LP when the unbalance rule is on), then each priority class is filled by a sequence of
LPs "maximise the common level t with x_i >= t", freezing after each the stations that cannot
exceed t (found by maximising the sum of the candidates; a zero gain proves all blocked).

Used by tests and benchmarks; the engine falls back to it only for the admission verdicts and
fills its combinatorial method cannot certify (see `balance.py`, `certify.py`,
`allocate.py`). `highspy` is imported here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence

from chargegrid.ems.problem import Problem, overloaded

TOL = 1e-7


class _Model:
    """A HiGHS model holding the node-phase and unbalance rows of `problem`."""

    def __init__(self, problem: Problem, columns: Sequence[int]) -> None:
        import highspy

        self.hs = highspy
        self.h = highspy.Highs()  # type: ignore[no-untyped-call]
        self.h.setOptionValue("output_flag", False)
        self.col = {i: k for k, i in enumerate(columns)}
        inf = highspy.kHighsInf
        for i in columns:
            self.h.addVar(problem.lo[i], problem.hi[i])
        rows: dict[int, list[int]] = {}
        for i in columns:
            for c in problem.cons[i]:
                rows.setdefault(c, []).append(self.col[i])
        for c, cols in rows.items():
            self.h.addRow(-inf, problem.cap[c], len(cols), cols, [1.0] * len(cols))
        if problem.unbalance is not None:
            for p in range(3):
                for q in range(3):
                    if p == q:
                        continue
                    idx, val = [], []
                    for i in columns:
                        coef = (p in problem.phases[i]) - (q in problem.phases[i])
                        if coef:
                            idx.append(self.col[i])
                            val.append(float(coef))
                    if idx:
                        self.h.addRow(-inf, problem.unbalance, len(idx), idx, val)

    def solve(self) -> list[float] | None:
        self.h.run()
        status = self.h.getModelStatus()
        if status == self.hs.HighsModelStatus.kUnknown:
            # large models sometimes end "unknown" after cleanup; a feasible point is usable
            self.h.clearSolver()
            self.h.run()
            status = self.h.getModelStatus()
        if status != self.hs.HighsModelStatus.kOptimal:
            return None
        return list(self.h.getSolution().col_value)


class _Minimums:
    """Running loads of the admitted minimums: a certificate that needs no LP."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.load = [0.0] * len(problem.cap)
        self.e = [0.0, 0.0, 0.0]

    def fit_with(self, i: int) -> bool:
        pr, m = self.problem, self.problem.lo[i]
        if any(self.load[c] + m > pr.cap[c] + TOL for c in pr.cons[i]):
            return False
        if pr.unbalance is None:
            return True
        e = [self.e[p] + (m if p in pr.phases[i] else 0.0) for p in range(3)]
        return max(e) - min(e) <= pr.unbalance + TOL

    def add(self, i: int) -> None:
        for c in self.problem.cons[i]:
            self.load[c] += self.problem.lo[i]
        for p in self.problem.phases[i]:
            self.e[p] += self.problem.lo[i]


def admit_lp(problem: Problem) -> list[int]:
    """Stations admitted by "minimum first", in admission order.

    One model holds every candidate, pinned to 0 until tried; a trial opens its bounds to
    `[min_a, max_a]` and keeps them if the LP stays feasible (HiGHS warm-starts each trial).
    """
    if overloaded(problem):
        return []
    wanting = [i for i in problem.order if problem.wants[i]]
    admitted: list[int] = []
    minimums = _Minimums(problem)
    model: _Model | None = None
    for i in wanting:
        if minimums.fit_with(i):
            admitted.append(i)
            minimums.add(i)
            if model is not None:
                model.h.changeColBounds(model.col[i], problem.lo[i], problem.hi[i])
            continue
        if model is None:
            model = _Model(problem, wanting)
            for j in wanting:
                if j not in admitted:
                    model.h.changeColBounds(model.col[j], 0.0, 0.0)
        model.h.changeColBounds(model.col[i], problem.lo[i], problem.hi[i])
        if model.solve() is not None:
            admitted.append(i)
            minimums.add(i)
        else:
            model.h.changeColBounds(model.col[i], 0.0, 0.0)
    return admitted


def feasible_point(problem: Problem, members: Sequence[int]) -> dict[int, float] | None:
    """A point of `members` within `[min_a, max_a]` meeting every rule, or None if none.

    The engine's admission (`balance.py`) asks this only when neither its greedy point nor
    its bound settles a candidate.
    """
    model = _Model(problem, sorted(members))
    sol = model.solve()
    if sol is None:
        return None
    return {i: sol[k] for i, k in model.col.items()}


def allocate_lp(problem: Problem, admitted: Sequence[int] | None = None) -> list[float]:
    """Exact (to solver tolerance) allocation per station; 0 for those not admitted.

    `admitted` skips the admission step (the engine's fallback passes its own, certified
    admitted set); by default the LP admission runs.
    """
    x = [0.0] * problem.n
    if admitted is None:
        admitted = admit_lp(problem)
    elif overloaded(problem):
        return x
    if not admitted:
        return x
    members = set(admitted)
    model = _Model(problem, sorted(members))
    h, inf = model.h, model.hs.kHighsInf
    h.addVar(0.0, inf)
    level = h.getNumCol() - 1
    h.changeObjectiveSense(model.hs.ObjSense.kMaximize)
    for group in problem.classes():
        free = [i for i in group if i in members]
        rows = {}
        for i in free:
            h.addRow(0.0, inf, 2, [model.col[i], level], [1.0, -1.0])
            rows[i] = h.getNumRow() - 1
        while free:
            h.changeColsCost(h.getNumCol(), list(range(h.getNumCol())), [0.0] * h.getNumCol())
            h.changeColCost(level, 1.0)
            h.changeColBounds(level, 0.0, max(problem.hi[i] for i in free))
            sol = model.solve()
            if sol is None:
                raise RuntimeError("LP reference: level LP infeasible")
            t = sol[level]
            last = sol
            blocked = {i for i in free if problem.hi[i] <= t + 1e-6}
            cand = [i for i in free if i not in blocked and problem.lo[i] <= t + 1e-6]
            h.changeColCost(level, 0.0)
            at_level = list(cand)
            while cand:
                h.changeColsCost(len(cand), [model.col[i] for i in cand], [1.0] * len(cand))
                sol = None
                for slack in (0.0, 1e-9, 1e-8, 1e-7):
                    # at exactly t the LP is feasible only within tolerances: relax a hair
                    h.changeColBounds(level, t - slack, t - slack)
                    sol = model.solve()
                    if sol is not None:
                        break
                if sol is None:
                    raise RuntimeError("LP reference: blocking LP infeasible")
                last = sol
                up = [i for i in cand if sol[model.col[i]] > t + 1e-5]
                h.changeColsCost(len(cand), [model.col[i] for i in cand], [0.0] * len(cand))
                if not up:
                    blocked.update(cand)
                    break
                cand = [i for i in cand if i not in up]
            if not blocked:          # numerical safety net: always make progress
                blocked.update(at_level or free)
            for i in blocked:
                # freeze at the last solution's value (within 1e-5 A of t): one feasible
                # point for all of them; freezing each at t itself piles up tolerance
                # errors until a tight unbalance row makes the next LP infeasible
                value = min(max(last[model.col[i]], problem.lo[i]), problem.hi[i])
                h.changeColBounds(model.col[i], value, value)
                h.changeRowBounds(rows[i], -inf, inf)
                x[i] = value
            free = [i for i in free if i not in blocked]
            h.changeColBounds(level, 0.0, inf)
    return x
