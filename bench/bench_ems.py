"""EMS allocation benchmark: one allocation, in process, for 100 / 1,000 / 10,000 stations.

Site: 60 nodes on 3 levels (HV, 7 sub-distributors, 52 leaf distributors), base load at HV
and on some sub-distributors, mixed 1/2/3-phase vehicles, rotations R/L, two priorities,
unbalance limit 20 A (it binds on these sites: admission and fill). Each size runs with and
without the unbalance limit, and the LP reference (HiGHS progressive filling) runs on the
1,000-station instance in the same run. Then `--random N` small random sites (random trees,
per-phase fuses, base loads, 1/2/3-phase vehicles, priorities, unbalance limits 0-20 A)
measure how often the engine needs its LP fallback and check it against the LP reference;
`--seeds K` counts the methods on this benchmark's own sites for seeds 0..K-1.

    PYTHONPATH=src .venv/bin/python bench/bench_ems.py [--repeat 15] [--seeds 20] [--random 2000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from chargegrid.ems import allocate_scenario, parse_scenario
from chargegrid.ems.allocate import allocate, allocation_to_dict, exact_allocation
from chargegrid.ems.balance import admit_balanced
from chargegrid.ems.balanced_fill import fill_balanced
from chargegrid.ems.lp_reference import allocate_lp
from chargegrid.ems.problem import compile_scenario
from chargegrid.ems.rounding import round_down
from chargegrid.ems.waterfill import admit_packing_if_balanced, fill_packing


def site(n_stations: int, *, unbalance: float | None, seed: int = 7) -> dict[str, Any]:
    rnd = random.Random(seed)
    scale = max(1.0, n_stations / 1000)
    nodes: list[dict[str, Any]] = [{"id": "HV", "limit_a": round(2500 * scale)}]
    subs = [f"UV{k}" for k in range(7)]
    nodes += [{"id": s, "parent": "HV", "limit_a": round(600 * scale)} for s in subs]
    leaves = [f"D{k}" for k in range(52)]
    nodes += [{"id": d, "parent": subs[k % 7], "limit_a": round(rnd.choice([80, 100, 125])
                                                                   * scale)}
              for k, d in enumerate(leaves)]
    base = {"HV": {"L1": 300, "L2": 220, "L3": 260}, "UV2": {"L1": 40, "L2": 0, "L3": 25}}
    stations = [{
        "id": f"CP{k:05d}", "node": rnd.choice(leaves),
        "phase_rotation": rnd.choice(["L1", "L2", "L3"]),
        "field_rotation": rnd.choice(["R", "R", "L"]),
        "max_a": rnd.choice([16, 20, 32, 32]), "min_a": 6,
        "priority": 1 if rnd.random() < 0.1 else 0,
        "vehicle_phases": rnd.choice([1, 1, 2, 3, 3, 3]),
        "charging": rnd.random() < 0.85,
    } for k in range(n_stations)]
    out: dict[str, Any] = {"format": "chargegrid-scenario/1", "nodes": nodes,
                           "base_load_a": base, "stations": stations}
    if unbalance is not None:
        out["unbalance_limit_a"] = unbalance
    return out


def random_site(rnd: random.Random) -> dict[str, Any]:
    """A small random site; base loads never exceed a fuse (that case is trivial: all 0)."""
    n_nodes = rnd.randint(1, 8)
    nodes: list[dict[str, Any]] = []
    for k in range(n_nodes):
        node: dict[str, Any] = {"id": f"N{k}", "limit_a": {p: rnd.randint(16, 200)
                                                          for p in ("L1", "L2", "L3")}}
        if k:
            node["parent"] = f"N{rnd.randrange(k)}"
        nodes.append(node)
    stations = [{
        "id": f"S{k}", "node": f"N{rnd.randrange(n_nodes)}",
        "phase_rotation": rnd.choice(["L1", "L1", "L2", "L3"]),
        "field_rotation": rnd.choice(["R", "L"]),
        "max_a": rnd.choice([10, 13.5, 16, 20, 32]), "min_a": rnd.choice([0, 6, 6, 6, 8]),
        "priority": rnd.randint(0, 2), "vehicle_phases": rnd.choice([1, 1, 2, 3, 3]),
        "charging": rnd.random() < 0.9,
    } for k in range(rnd.randint(2, 40))]
    return {"format": "chargegrid-scenario/1", "nodes": nodes, "stations": stations,
            "base_load_a": {"N0": {p: rnd.randint(0, 15) for p in ("L1", "L2", "L3")}},
            "unbalance_limit_a": rnd.choice([0, 5, 10, 20])}


def random_report(count: int) -> None:
    """Method counts on random sites where the unbalance limit binds, i.e. where the
    water-filling's proofs fail (the previous engine's LP cases), and agreement with the LP."""
    rnd = random.Random(2026)
    methods: Counter[str] = Counter()
    worst = 0.0
    for _ in range(count):
        problem = compile_scenario(parse_scenario(random_site(rnd)))
        x, method = exact_allocation(problem)
        methods[method] += 1
        if method not in ("waterfill", "infeasible"):
            worst = max(worst, max(abs(a - b) for a, b in zip(x, allocate_lp(problem),
                                                               strict=True)))
    bound = count - methods["waterfill"] - methods["infeasible"]
    print(f"random sites: {count}; not binding {methods['waterfill']}, base load over a fuse "
          f"{methods['infeasible']}, unbalance limit binding {bound}:")
    for method, k in methods.most_common():
        if method not in ("waterfill", "infeasible"):
            print(f"  {method}: {k} ({100 * k / max(bound, 1):.1f} % of binding)")
    print(f"  max |engine - LP reference| over the binding sites: {worst:.1e} A")


def seeds_report(seeds: int) -> None:
    """Methods on this benchmark's own sites, other seeds, limits 5 / 10 / 20 A."""
    for n in (100, 1000):
        methods: Counter[str] = Counter()
        for seed in range(seeds):
            for limit in (5, 10, 20):
                problem = compile_scenario(parse_scenario(site(n, unbalance=limit, seed=seed)))
                methods[exact_allocation(problem)[1]] += 1
        print(f"benchmark sites, {n} stations, seeds 0-{seeds - 1} x limits 5/10/20 A: "
              + ", ".join(f"{m} {k}" for m, k in methods.most_common()))


def stages_report(repeat: int) -> None:
    """Where one 1,000-station allocation spends its time, stage by stage (median CPU ms of
    each stage run alone on the same input; the stages of `allocate_scenario` in order)."""
    for band in (True, False):
        parts = [f"{name} {statistics.median(timed(fn, repeat)[1]):.2f}"
                 for name, fn in _stages(site(1000, unbalance=20 if band else None))]
        print(f"1,000 stations, unbalance {'20 A' if band else 'off'}, median CPU ms per stage: "
              + ", ".join(parts))


def _stages(raw: dict[str, Any]) -> list[tuple[str, Callable[[], object]]]:
    scenario = parse_scenario(raw)
    problem = compile_scenario(scenario)
    certified = admit_packing_if_balanced(problem)
    admitted = certified if certified is not None else admit_balanced(problem).admitted
    first = fill_packing(problem, admitted)
    exact, _ = exact_allocation(problem)
    result = allocate(scenario)
    stages: list[tuple[str, Callable[[], object]]] = [
        ("parse", lambda: parse_scenario(raw)),
        ("compile", lambda: compile_scenario(scenario)),
        ("admission", (lambda: admit_packing_if_balanced(problem)) if certified is not None
         else (lambda: admit_balanced(problem))),
        ("water-filling", lambda: fill_packing(problem, admitted)),
    ]
    if problem.unbalance is not None:
        stages.append(("capped fill + certificate",
                       lambda: fill_balanced(problem, admitted, first)))
    return [*stages, ("rounding", lambda: round_down(problem, exact)),
            ("output dict", lambda: allocation_to_dict(scenario, result))]


def timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (this thread) milliseconds per run.

    The CPU time is what the allocation costs; on a shared, loaded machine the wall clock
    also counts the time other processes held the cores.
    """
    fn()
    runs, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.thread_time()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    return runs, cpu


def interleaved(fns: list[Callable[[], object]],
                repeat: int) -> list[tuple[list[float], list[float]]]:
    """`timed` for several functions, run alternately so that load drift hits them alike."""
    out: list[tuple[list[float], list[float]]] = [([], []) for _ in fns]
    for fn in fns:
        fn()
    for _ in range(repeat):
        for k, fn in enumerate(fns):
            wall, cpu = timed(fn, 1)
            out[k][0].extend(wall)
            out[k][1].extend(cpu)
    return out


def row(label: str, runs: list[float], cpu: list[float]) -> str:
    runs = sorted(runs)
    p90 = runs[min(len(runs) - 1, int(0.9 * len(runs)))]
    return (f"| {label} | {statistics.median(runs):.1f} | {p90:.1f} | {runs[0]:.1f} | "
            f"{statistics.median(cpu):.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--random", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    print("| instance | method | median ms | p90 ms | min ms | median CPU ms |")
    print("|---|---|---|---|---|---|")
    medians: dict[tuple[int, bool], float] = {}
    for n in (100, 1000, 10000):
        raws = [site(n, unbalance=20 if band else None) for band in (True, False)]
        methods = [exact_allocation(compile_scenario(parse_scenario(raw)))[1] for raw in raws]
        repeat = args.repeat if ("lp" not in methods or n <= 1000) else 3
        results = interleaved([lambda raw=raw: allocate_scenario(raw) for raw in raws], repeat)
        for band, method, (runs, cpu) in zip((True, False), methods, results, strict=True):
            medians[(n, band)] = statistics.median(runs)
            label = f"{n} stations, unbalance {'20 A' if band else 'off'}"
            print(row(f"{label} | {method}", runs, cpu))
    print()
    for band in (True, False):
        growth = medians[(10000, band)] / medians[(1000, band)]
        small = medians[(1000, band)] / medians[(100, band)]
        print(f"growth unbalance {'on ' if band else 'off'}: x{small:.1f} for 100->1,000, "
              f"x{growth:.1f} for 1,000->10,000 stations")
    print()
    for band in (True, False):
        problem = compile_scenario(parse_scenario(site(1000, unbalance=20 if band else None)))
        lp_cpu = timed(lambda problem=problem: allocate_lp(problem), 3)[1]
        engine_cpu = timed(lambda problem=problem: exact_allocation(problem), args.repeat)[1]
        ref, eng = statistics.median(lp_cpu), statistics.median(engine_cpu)
        diff = max(abs(a - b) for a, b in zip(allocate_lp(problem),
                                              exact_allocation(problem)[0], strict=True))
        print(f"1,000 stations, unbalance {'20 A' if band else 'off'}: LP reference "
              f"{ref:.0f} ms CPU, engine (exact part) {eng:.1f} ms CPU, ratio LP/engine "
              f"{ref / eng:.1f}, max |engine - LP| {diff:.2e} A")
    print()
    stages_report(args.repeat)
    if args.seeds:
        print()
        seeds_report(args.seeds)
    if args.random:
        print()
        random_report(args.random)


if __name__ == "__main__":
    main()
