"""Run ChargeGrid's OCPP server alone, for the OCPP benchmarks.

Starts the OCPP WebSocket server (group-commit writer included, no HTTP API) with
``unknown_stations="accept"`` so any station id may connect, on a SQLite file in a
temporary directory (or ``--database-url``). Prints one line ``READY ws://HOST:PORT/ocpp``
when it accepts connections, runs until SIGTERM/SIGINT, then stops cleanly (pending writes
are committed) and prints the writer's counters as a JSON line ``STOPPED {...}``.

    .venv/bin/python bench/serve_chargegrid.py --port 9930
    .venv/bin/python bench/serve_chargegrid.py --port 9930 \\
        --database-url postgresql://user:pw@127.0.0.1/chargegrid

The soft open-file limit is raised to the hard limit (one descriptor per station).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import resource
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from chargegrid import event_loop  # noqa: E402
from chargegrid.runtime import Runtime, tune_gc_for_serving  # noqa: E402
from chargegrid.settings import Settings  # noqa: E402


def raise_nofile_limit() -> tuple[int, int]:
    """Soft RLIMIT_NOFILE up to the hard limit; returns (soft, hard) after the change."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)


class GcPauses:
    """Wall time of the collector's passes, per generation (diagnostic for latency tails)."""

    def __init__(self) -> None:
        self.started = 0.0
        self.total = [0.0, 0.0, 0.0]
        self.longest = [0.0, 0.0, 0.0]
        self.count = [0, 0, 0]
        gc.callbacks.append(self)

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.started = time.perf_counter()
            return
        gen, took = info["generation"], time.perf_counter() - self.started
        self.count[gen] += 1
        self.total[gen] += took
        self.longest[gen] = max(self.longest[gen], took)

    def summary(self) -> dict[str, object]:
        return {"gc_count": self.count, "gc_total_ms": [round(t * 1000) for t in self.total],
                "gc_longest_ms": [round(t * 1000, 1) for t in self.longest]}


async def serve(database_url: str, host: str, port: int, write_batch_max: int) -> None:
    settings = Settings(database_url=database_url, unknown_stations="accept", host=host,
                        ocpp_port=port, write_batch_max=write_batch_max,
                        heartbeat_interval_s=60)
    pauses = GcPauses()
    runtime = Runtime.build(settings)
    await runtime.start_ocpp(host, port)
    tune_gc_for_serving()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"READY ws://{host}:{runtime.ocpp.port}/ocpp", flush=True)
    await stop.wait()
    await runtime.stop()
    print("STOPPED " + json.dumps({"batches": runtime.writer.batches,
                                   "jobs": runtime.writer.jobs, **pauses.summary()}),
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9930, help="0 picks a free port")
    parser.add_argument("--database-url", default=None,
                        help="SQLAlchemy URL (default: SQLite file in a temporary directory)")
    parser.add_argument("--write-batch-max", type=int, default=256)
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--event-loop", choices=("uvloop", "asyncio"), default="uvloop",
                        help="as `chargegrid serve` (CHARGEGRID_EVENT_LOOP); default %(default)s")
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    soft, hard = raise_nofile_limit()
    if soft < 10_000:
        print(f"warning: open-file limit is {soft} (hard {hard}): too low for thousands of "
              "stations; raise the hard limit (ulimit -Hn / limits.conf)", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="chargegrid-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'chargegrid.db'}"
        event_loop.run(serve(url, args.host, args.port, args.write_batch_max),
                       kind=args.event_loop)


if __name__ == "__main__":
    main()
