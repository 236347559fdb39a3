"""ADVENIR export of N stored operations to a local fake web service: time and memory.

The operations are inserted directly (10,000-row chunks, 10 per transaction, half with a
5-point load curve), then one `run_export` sends them all in batches to the test suite's fake
service running in a child process (so its own bookkeeping does not count against ours).
Peak memory is the exporting process's: RSS high-water mark after setup and after the
export, plus the tracemalloc peak of the export alone with --tracemalloc (slower).

    PYTHONPATH=src:. .venv/bin/python bench/bench_advenir.py --operations 1000000
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from chargegrid.clock import FixedClock
from chargegrid.exports.advenir import config
from chargegrid.exports.advenir.job import ExportOptions, run_export
from chargegrid.services import stations
from chargegrid.store.database import create_db_engine, create_session_factory, migrate
from chargegrid.store.models import AdvenirOperation, Transaction

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PER_TX = 10


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def serve_fake(queue: Any, stop: Any) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.exports.fake_advenir import FakeAdvenir, RunningFake

    running = RunningFake(FakeAdvenir())
    queue.put(running.url)
    stop.wait()
    queue.put(len(running.fake.accepted))
    running.close()


def populate(url: str, n: int, account_id: int) -> None:
    engine = create_db_engine(url)
    now = T0
    with engine.begin() as conn:
        for first in range(0, n // PER_TX, 1_000):
            txs = range(first + 1, min(first + 1_000, n // PER_TX) + 1)
            conn.execute(insert(Transaction), [
                {"id": t, "uid": str(t), "station_id": "CP1", "evse_id": 1, "connector_id": 1,
                 "state": "ended", "started_at": now, "stopped_at": now,
                 "energy_mismatch": False, "created_at": now, "updated_at": now}
                for t in txs])
            rows = []
            for t in txs:
                for seq in range(1, PER_TX + 1):
                    start = T0 + timedelta(minutes=t * 15 + seq)
                    base = t * 100_000 + seq * 1000
                    ts = int(start.timestamp())
                    curve = ([[ts + 60 * i, base + 100 * i] for i in range(5)]
                             if seq % 2 else None)
                    rows.append({
                        "account_id": account_id, "transaction_id": t, "seq": seq,
                        "station_id": "CP1", "evse_id": 1, "advenir_station_id": "R320",
                        "started_at": start, "stopped_at": start + timedelta(minutes=4),
                        "start_wh": base, "stop_wh": base + 400, "curve": curve,
                        "state": "pending", "attempts": 0, "created_at": now})
            conn.execute(insert(AdvenirOperation), rows)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--operations", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: temp SQLite)")
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp()
    url = args.database or f"sqlite:///{tmp}/bench.db"
    migrate(url)
    ctx = mp.get_context("spawn")
    queue, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=serve_fake, args=(queue, stop), daemon=True)
    server.start()
    fake_url = queue.get(timeout=30)

    engine = create_db_engine(url)
    sessions = create_session_factory(engine)
    with sessions() as session:
        stations.create(session, station_id="CP1", now=T0)
        account = config.configure_account(
            session, name="bench", user_id="a6d0e6cf-7cac-477a-ae63-7e753c5bdda1",
            base_url=fake_url, basic_user="100@servtest.advenir.mobi",
            basic_password="test123", batch_size=args.batch_size, now=T0)
        account_id = account.id
        session.commit()
    t = time.perf_counter()
    populate(url, args.operations, account_id)
    print(f"setup: {args.operations:,} operations inserted in {time.perf_counter() - t:.1f} s; "
          f"RSS high-water {rss_mib():.0f} MiB")

    if args.tracemalloc:
        tracemalloc.start()
    t = time.perf_counter()
    report = run_export(sessions, clock=FixedClock(T0 + timedelta(days=3650)),
                        options=ExportOptions(), sleep=lambda _s: None)
    elapsed = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
    stop.set()
    accepted = queue.get(timeout=60)
    server.join(10)
    engine.dispose()
    print(f"export: {report.acknowledged:,} acknowledged in {report.requests:,} requests, "
          f"{elapsed:.1f} s ({report.acknowledged / elapsed:,.0f} operations/s); "
          f"fake service accepted {accepted:,}")
    print(f"memory: RSS high-water {rss_mib():.0f} MiB"
          + (f"; tracemalloc peak during export {peak:.1f} MiB" if peak is not None else ""))


if __name__ == "__main__":
    main()
