"""Sustained OCPP 1.6 MeterValues throughput of one ChargeGrid process, against the reference
rungs of the shared ladder, all in the same run on the same machine.

What it measures: for each rung — the bare `websockets` echo server (the limit), the
`ocpp` library ChargePoint without storage, and ChargeGrid's OCPP server persisting every
message (serve_chargegrid.py, SQLite by default) — it starts the server as a subprocess on
loopback, runs the ladder's closed-loop load generator `load.py` against it (N connections,
each sending a MeterValues frame with 10 sampled values as soon as the previous answer
came back, for S seconds), and prints msgs/s, round-trip p50/p99 and the ratio to the echo
rung. Afterwards it checks that ChargeGrid really persisted what it acknowledged:
rows in `meter_values` ≥ 10 × acknowledged messages.

The ladder is not copied into the repository: it is used from `../shared/bench/ocpp_ladder`
relative to the repository root (or --ladder).

    .venv/bin/python bench/bench_ocpp_throughput.py                  # 50 connections, 10 s
    .venv/bin/python bench/bench_ocpp_throughput.py -c 50 -s 10 \\
        --rungs echo,lib,lib-novalidate,chargegrid
    .venv/bin/python bench/bench_ocpp_throughput.py --database-url postgresql://u:p@127.0.0.1/cg

Every subprocess is bounded in time and only the processes this script started are
stopped, by PID. Figures drift between runs; the ratio measured in one run is the result.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LADDER = ROOT.parent / "shared" / "bench" / "ocpp_ladder"
SERVE_CHARGEGRID = ROOT / "bench" / "serve_chargegrid.py"
SAMPLES_PER_MESSAGE = 10
RUNGS = ("echo", "lib", "lib-novalidate", "sqlite", "chargegrid")


@dataclass
class Result:
    rung: str
    msgs_per_s: float
    p50_ms: float
    p99_ms: float
    note: str = ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[str], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on port {port} after {timeout_s:g} s")


def stop(proc: subprocess.Popen[str], grace_s: float = 30.0) -> str:
    """SIGTERM this process (by PID), then SIGKILL if it lingers; returns its stdout."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=10)
    return out or ""


def run_load(ladder: Path, url: str, connections: int, seconds: float) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, str(ladder / "load.py"), url, str(connections), str(seconds)],
        cwd=ladder, capture_output=True, text=True, timeout=seconds + 120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load.py failed ({done.returncode}): {done.stderr[-2000:]}")
    line = [ln for ln in done.stdout.splitlines() if ln.startswith("{")][-1]
    parsed: dict[str, float] = json.loads(line)
    return parsed


def bench_ladder_rung(ladder: Path, mode: str, connections: int, seconds: float) -> Result:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ladder / "servers.py"), mode, str(port)],
                            cwd=ladder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        wait_for_port(port, proc, 30)
        figures = run_load(ladder, f"ws://127.0.0.1:{port}", connections, seconds)
    finally:
        stop(proc, grace_s=10)
    return Result(mode, figures["msgs_per_s"], figures["p50_ms"], figures["p99_ms"])


def count_meter_rows(database_url: str) -> int:
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            return int(db.execute("select count(*) from meter_values").fetchone()[0])
    sys.path.insert(0, str(ROOT / "src"))
    from sqlalchemy import create_engine, text

    from chargegrid.store.database import normalise_url

    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("select count(*) from meter_values")).scalar_one())
    finally:
        engine.dispose()


def bench_chargegrid(ladder: Path, connections: int, seconds: float,
                     database_url: str | None, tmp: Path) -> tuple[Result, bool]:
    url = database_url or f"sqlite:///{tmp / 'chargegrid.db'}"
    before = 0
    if database_url:
        # A given database may be empty: bring it to the schema first, then count what it
        # already holds (the server would migrate it too, after our count).
        sys.path.insert(0, str(ROOT / "src"))
        from chargegrid.store.database import migrate

        migrate(database_url)
        before = count_meter_rows(url)
    proc = subprocess.Popen(
        [sys.executable, str(SERVE_CHARGEGRID), "--port", "0", "--database-url", url],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        ready = ""
        while time.monotonic() < deadline and not ready:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"serve_chargegrid.py exited with {proc.wait()}")
            if line.startswith("READY "):
                ready = line.split()[1]
        if not ready:
            raise TimeoutError("serve_chargegrid.py not ready after 60 s")
        figures = run_load(ladder, ready, connections, seconds)
    finally:
        tail = stop(proc)
    stats = next((json.loads(ln.split(" ", 1)[1]) for ln in tail.splitlines()
                  if ln.startswith("STOPPED ")), {})
    rows = count_meter_rows(url) - before
    # load.py prints only the rounded rate: acknowledged = rate × seconds, to ± seconds / 2.
    acknowledged = int((figures["msgs_per_s"] - 0.5) * seconds)
    ok = rows >= SAMPLES_PER_MESSAGE * acknowledged
    note = (f"persisted {rows} meter_values rows for ~{int(figures['msgs_per_s'] * seconds)} "
            f"acknowledged messages (need >= {SAMPLES_PER_MESSAGE * acknowledged}); writer: "
            f"{stats.get('jobs', '?')} jobs in {stats.get('batches', '?')} commits")
    return Result("chargegrid", figures["msgs_per_s"], figures["p50_ms"], figures["p99_ms"],
                  note), ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--connections", type=int, default=50)
    parser.add_argument("-s", "--seconds", type=float, default=10.0)
    parser.add_argument("--rungs", default="echo,lib,chargegrid",
                        help=f"comma-separated, in run order, from {','.join(RUNGS)}")
    parser.add_argument("--ladder", type=Path, default=DEFAULT_LADDER,
                        help="the shared ladder directory (default: %(default)s)")
    parser.add_argument("--database-url", default=None,
                        help="ChargeGrid database (default: SQLite file in a temp dir)")
    args = parser.parse_args()
    ladder: Path = args.ladder.resolve()
    if not (ladder / "load.py").is_file():
        print(f"ladder not found at {ladder} (expected shared/ beside the repo)",
              file=sys.stderr)
        return 2
    rungs = [r.strip() for r in args.rungs.split(",") if r.strip()]
    unknown = set(rungs) - set(RUNGS)
    if unknown:
        parser.error(f"unknown rungs {sorted(unknown)}")

    print(f"{args.connections} connections, {args.seconds:g} s per rung, "
          f"{os.cpu_count()} CPUs, python {sys.version.split()[0]}", flush=True)
    results: list[Result] = []
    persisted_ok = True
    with tempfile.TemporaryDirectory(prefix="chargegrid-throughput-") as tmp:
        for rung in rungs:
            if rung == "chargegrid":
                result, ok = bench_chargegrid(ladder, args.connections, args.seconds,
                                              args.database_url, Path(tmp))
                persisted_ok = persisted_ok and ok
            else:
                result = bench_ladder_rung(ladder, rung, args.connections, args.seconds)
            results.append(result)
            print(f"  {rung}: {result.msgs_per_s:g} msgs/s", flush=True)

    echo = next((r.msgs_per_s for r in results if r.rung == "echo"), None)
    print()
    print("| rung | msgs/s | p50 ms | p99 ms | ratio to echo |")
    print("|---|---|---|---|---|")
    for r in results:
        ratio = f"{r.msgs_per_s / echo:.2f}" if echo else "n/a"
        print(f"| {r.rung} | {r.msgs_per_s:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {ratio} |")
    for r in results:
        if r.note:
            print(f"\n{r.rung}: {r.note}")
    if any(r.rung == "chargegrid" for r in results):
        print("persistence check: " + ("OK" if persisted_ok else "FAILED"))
        if echo:
            cg = next(r for r in results if r.rung == "chargegrid")
            ratio = cg.msgs_per_s / echo
            print(f"target >= 0.30 of echo: {'met' if ratio >= 0.3 else 'NOT met'} "
                  f"({ratio:.2f})")
    return 0 if persisted_ok else 1


if __name__ == "__main__":
    sys.exit(main())
