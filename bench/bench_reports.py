"""Reports over N sessions: query + aggregation, CSV, PDF (summary with charts, session list).

Setup (not timed): one site, S stations with 2 EVSEs each, 200 users in 10 groups with cost
centres, N finished sessions spread over 30 days (November 2026, Europe/Paris), each with
four status records (Preparing, Charging, SuspendedEV, Available), every other one priced;
inserted in bulk. Then, timed separately (median of --repeat runs):

1. `session_rows` — the per-session query with charging time from the status history;
2. `build_summary` — totals, revenue, utilisation per station, energy per day;
3. CSV of the sessions (what `format=csv` streams);
4. PDF of the summary (two bar charts + tables);
5. PDF of the session list (capped at --pdf-rows rows, reportlab's table is the cost).
6. the same summary narrowed to one cost centre.

    PYTHONPATH=src:. .venv/bin/python bench/bench_reports.py --sessions 20000
    PYTHONPATH=src:. .venv/bin/python bench/bench_reports.py --sessions 20000 \
        --database-url postgresql://postgres@127.0.0.1:5432/<empty database>
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from chargegrid.reports import csv_export, pdf
from chargegrid.reports.filters import ReportFilter
from chargegrid.reports.schemas import SessionsReport
from chargegrid.reports.sessions import session_rows
from chargegrid.reports.summary import build_summary, filters_of, period_of
from chargegrid.store.database import create_db_engine, create_session_factory, migrate
from chargegrid.store.models import (
    CostCentre,
    Evse,
    IdToken,
    Site,
    Station,
    StatusRecord,
    Transaction,
    User,
    UserGroup,
    UserGroupMember,
)
from chargegrid.store.models.billing import SessionPrice, Tariff

NOW = datetime(2026, 12, 5, tzinfo=UTC)
START = datetime(2026, 10, 31, 23, tzinfo=UTC)  # 1 November, 00:00 in Paris


def seed(db: Session, *, sessions: int, stations: int) -> None:
    rng = random.Random(6)
    site = Site(name="Bench site", topology={"nodes": []}, created_at=START, updated_at=START)
    db.add(site)
    db.flush()
    station_ids = [f"CP{i:04d}" for i in range(stations)]
    db.execute(insert(Station), [{"id": s, "site_id": site.id, "created_at": START,
                                  "organisation_id": 1} for s in station_ids])
    db.execute(insert(Evse), [{"station_id": s, "evse_id": e} for s in station_ids
                              for e in (1, 2)])
    centres = [CostCentre(organisation_id=1, code=f"CC{i}", name=f"Centre {i}")
               for i in range(10)]
    db.add_all(centres)
    db.flush()
    groups = [UserGroup(organisation_id=1, name=f"G{i}", cost_centre_id=c.id)
              for i, c in enumerate(centres)]
    db.add_all(groups)
    db.flush()
    users = [User(email=f"u{i}@example.org", organisation_id=1, role="driver",
                  created_at=START) for i in range(200)]
    db.add_all(users)
    db.flush()
    db.execute(insert(UserGroupMember), [{"group_id": groups[i % 10].id, "user_id": u.id}
                                         for i, u in enumerate(users)])
    db.execute(insert(IdToken), [{"token": f"TAG{i}", "organisation_id": 1, "user_id": u.id,
                                  "token_type": "ISO14443", "status": "Accepted",
                                  "created_at": START, "updated_at": START}
                                 for i, u in enumerate(users)])
    tariff = Tariff(organisation_id=1, name="T", currency="EUR", created_at=START,
                    updated_at=START)
    db.add(tariff)
    db.flush()
    txs: list[dict[str, Any]] = []
    statuses: list[dict[str, Any]] = []
    for n in range(sessions):
        station = station_ids[n % stations]
        evse = 1 + (n // stations) % 2
        start = START + timedelta(seconds=rng.randrange(30 * 86400))
        minutes = rng.randrange(20, 600)
        stop = start + timedelta(minutes=minutes)
        wh = rng.randrange(1000, 60000)
        txs.append({"id": n + 1, "uid": str(n + 1), "station_id": station, "evse_id": evse,
                    "connector_id": 1, "id_tag": f"TAG{rng.randrange(200)}", "state": "ended",
                    "started_at": start, "stopped_at": stop, "meter_start_wh": 0,
                    "meter_stop_wh": wh, "energy_wh": wh, "energy_mismatch": False,
                    "created_at": start, "updated_at": stop})
        for offset, status in ((0, "Preparing"), (2, "Charging"),
                               (minutes * 2 // 3, "SuspendedEV"), (minutes, "Available")):
            at = start + timedelta(minutes=offset)
            statuses.append({"station_id": station, "evse_id": evse, "connector_id": 1,
                             "status": status, "timestamp": at, "received_at": at})
    for i in range(0, len(txs), 5000):
        db.execute(insert(Transaction), txs[i:i + 5000])
    for i in range(0, len(statuses), 5000):
        db.execute(insert(StatusRecord), statuses[i:i + 5000])
    prices = [{"transaction_id": t["id"], "tariff_id": tariff.id, "tariff_version_ids": [],
               "organisation_id": 1, "station_id": t["station_id"],
               "started_at": t["started_at"], "stopped_at": t["stopped_at"],
               "currency": "EUR", "energy_kwh": Decimal(t["energy_wh"]) / 1000,
               "net": Decimal("2.50"), "vat": Decimal("0.50"), "total": Decimal("3.00"),
               "breakdown": {}, "priced_at": NOW} for t in txs[::2]]
    for i in range(0, len(prices), 5000):
        db.execute(insert(SessionPrice), prices[i:i + 5000])
    db.commit()


def timed(label: str, repeat: int, action: Callable[[], Any]) -> Any:
    """Wall time and this process's CPU time (the machine is shared: CPU time is the
    steadier figure when other work competes for the cores)."""
    durations, cpu = [], []
    result = None
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = action()
        durations.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    print(f"{label:<40} wall median {statistics.median(durations) * 1000:8.0f} ms, "
          f"CPU median {statistics.median(cpu) * 1000:8.0f} ms (n={repeat})", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=20000)
    parser.add_argument("--stations", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pdf-rows", type=int, default=2000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate(url)
        engine = create_db_engine(url)
        sessions = create_session_factory(engine)
        began = time.perf_counter()
        with sessions() as db:
            seed(db, sessions=args.sessions, stations=args.stations)
        print(f"seeded {args.sessions} sessions on {args.stations} stations "
              f"({engine.dialect.name}) in {time.perf_counter() - began:.1f} s")
        f = ReportFilter.of(start=date(2026, 11, 1), end=date(2026, 12, 1),
                            timezone="Europe/Paris")
        with sessions() as db:
            rows = timed("session_rows (query + charging time)", args.repeat,
                         lambda: session_rows(db, f, now=NOW))
            summary = timed("build_summary (incl. session_rows)", args.repeat,
                            lambda: build_summary(db, f, now=NOW))
            csv_bytes = timed("CSV of the sessions", args.repeat,
                              lambda: sum(len(line) for line in csv_export.session_lines(
                                  rows, timezone=f.timezone)))
            summary_pdf = timed("PDF summary (2 charts + tables)", args.repeat,
                                lambda: pdf.summary_pdf(summary))
            listing = SessionsReport(period=period_of(f), filters=filters_of(f),
                                     generated_at=NOW, sessions=rows[:args.pdf_rows])
            sessions_pdf = timed(f"PDF session list ({len(listing.sessions)} rows)",
                                 args.repeat, lambda: pdf.sessions_pdf(listing))
            narrowed = ReportFilter.of(start=date(2026, 11, 1), end=date(2026, 12, 1),
                                       timezone="Europe/Paris", cost_centre_id=1)
            one_centre = timed("build_summary, one cost centre", args.repeat,
                               lambda: build_summary(db, narrowed, now=NOW))
        t = summary.totals
        revenue = [(r.currency, str(r.total)) for r in summary.revenue]
        print(f"checks: {t.sessions} sessions (expected {args.sessions}), "
              f"{t.energy_kwh} kWh, revenue {revenue}, "
              f"utilisation {t.utilisation_pct} %, {len(summary.stations)} stations, "
              f"{len(summary.energy_per_day)} days; CSV {csv_bytes / 1e6:.1f} MB, "
              f"summary PDF {len(summary_pdf) / 1e3:.0f} kB, list PDF "
              f"{len(sessions_pdf) / 1e3:.0f} kB; one cost centre: {one_centre.totals.sessions} "
              "sessions")
        assert t.sessions == args.sessions
        engine.dispose()


if __name__ == "__main__":
    main()
