"""Billing run over N sessions: pricing time, run time, reconciliation, idempotency.

Setup (not timed): one site with 20 stations, 200 users in 10 groups with cost centres (every
5th user invoiced as an external driver), a tariff with peak/off-peak bands (Europe/Paris)
and a version change in the middle of the month, N finished October sessions with a
register sample every 15 minutes, inserted in bulk. Then, timed separately:

1. pricing: `pricing.price_pending` (what the pricing job does as sessions end);
2. the billing run: `billing_runs.run` for 2026-10 (statements, invoices with lines);
3. the same run again (must issue nothing).

Checks, printed: every statement equals the sum of its sessions' totals to the cent, the
sum of statements of each kind equals the sum of the session prices with that subject, and
the second run issued nothing.

    PYTHONPATH=src:. .venv/bin/python bench/bench_billing.py --sessions 10000
    PYTHONPATH=src:. .venv/bin/python bench/bench_billing.py --sessions 10000 \
        --database-url postgresql://postgres@127.0.0.1:5432/<empty database>
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from chargegrid.billing.tariff import Band, Prices, TariffVersion
from chargegrid.services import billing_runs, pricing, tariffs
from chargegrid.store.database import create_db_engine, create_session_factory, migrate
from chargegrid.store.models import (
    CostCentre,
    IdToken,
    MeterValue,
    Site,
    Station,
    Transaction,
    User,
    UserGroup,
    UserGroupMember,
)
from chargegrid.store.models.billing import (
    BillingProfile,
    Invoice,
    InvoiceLine,
    SessionPrice,
    Statement,
    StatementItem,
)

NOW = datetime(2026, 11, 2, tzinfo=UTC)
D = Decimal


def setup(db: Session, sessions: int, seed: int) -> None:
    rng = random.Random(seed)
    site = Site(name="bench", topology={"nodes": []}, created_at=NOW, updated_at=NOW)
    db.add(site)
    db.flush()
    db.add_all(Station(id=f"CP{i:02d}", site_id=site.id, created_at=NOW) for i in range(20))
    centres = [CostCentre(organisation_id=1, code=f"CC{i}", name=f"centre {i}")
               for i in range(10)]
    db.add_all(centres)
    db.flush()
    groups = [UserGroup(organisation_id=1, name=f"group {i}", cost_centre_id=c.id)
              for i, c in enumerate(centres)]
    db.add_all(groups)
    users = [User(email=f"driver{i}@example.com", name=f"Driver {i}", created_at=NOW)
             for i in range(200)]
    db.add_all(users)
    db.flush()
    db.add_all(UserGroupMember(group_id=groups[i % 10].id, user_id=u.id)
               for i, u in enumerate(users))
    db.add_all(IdToken(token=f"TAG{i:04d}", user_id=u.id, created_at=NOW, updated_at=NOW)
               for i, u in enumerate(users))
    db.add_all(BillingProfile(user_id=u.id, invoice=True, bill_to_name=u.name or "",
                              created_at=NOW) for u in users[::5])
    t = tariffs.create(db, organisation_id=1, name="staff", currency="EUR", now=NOW)
    change = datetime(2026, 10, 16, tzinfo=UTC)
    for i, (a, b) in enumerate(((datetime(2026, 1, 1, tzinfo=UTC), change), (change, None))):
        tariffs.add_version(db, tariff_id=t.id, now=NOW, version=TariffVersion(
            id=0, valid_from=a, valid_to=b, timezone="Europe/Paris",
            base=Prices(D("0.2000") + D("0.0150") * i, D("0.50"), D("2.00")),
            bands=(Band("peak", dtime(7), dtime(22), Prices(D("0.3137") + i, D("1.00"),
                                                             D("4.00")),
                        frozenset(range(5))),),
            session_fee=D("0.35"), idle_grace=timedelta(minutes=30), vat_rate=D("0.20")))
    tariffs.assign(db, tariff_id=t.id, now=NOW)
    db.commit()

    tx_rows, mv_rows = [], []
    start_of_month = datetime(2026, 10, 1, tzinfo=UTC)
    for n in range(sessions):
        start = start_of_month + timedelta(minutes=rng.randrange(0, 30 * 24 * 60 - 720))
        quarters = rng.randrange(1, 40)
        power_w = rng.choice((3700, 7400, 11000, 22000))
        full_after = rng.randrange(1, quarters + 1)
        wh, readings = n * 1_000_000, []
        for q in range(quarters + 1):
            readings.append((start + timedelta(minutes=15 * q), wh))
            if q < full_after:
                wh += power_w // 4
        token = f"TAG{rng.randrange(0, 230):04d}"  # some unknown: priced, no subject
        tx_rows.append({
            "id": n + 1, "uid": str(n + 1), "station_id": f"CP{n % 20:02d}", "evse_id": 1,
            "connector_id": 1, "id_tag": token, "state": "ended", "started_at": start,
            "stopped_at": readings[-1][0], "meter_start_wh": readings[0][1],
            "meter_stop_wh": readings[-1][1], "energy_wh": readings[-1][1] - readings[0][1],
            "energy_mismatch": False, "created_at": NOW, "updated_at": NOW})
        mv_rows.extend({
            "station_id": f"CP{n % 20:02d}", "evse_id": 1, "connector_id": 1,
            "transaction_id": n + 1, "timestamp": at, "value": str(value),
            "value_number": float(value), "measurand": "Energy.Active.Import.Register",
            "phase": None, "unit": "Wh", "context": "Sample.Periodic", "location": "Outlet",
            "format": "Raw", "signed_data": None, "received_at": NOW}
            for at, value in readings[1:-1])
    for i in range(0, len(tx_rows), 5000):
        db.execute(insert(Transaction), tx_rows[i:i + 5000])
    for i in range(0, len(mv_rows), 20000):
        db.execute(insert(MeterValue), mv_rows[i:i + 20000])
    db.commit()
    print(f"setup: {sessions} sessions, {len(mv_rows)} register samples")


def reconcile(db: Session) -> bool:
    ok = True
    prices = list(db.scalars(select(SessionPrice)))
    expected: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for p in prices:
        for kind, subject in (("user", p.user_id), ("cost_centre", p.cost_centre_id),
                              ("organisation", p.payer_organisation_id)):
            if subject is not None:
                expected[(kind, subject)] += p.total
    items: dict[int, Decimal] = defaultdict(Decimal)
    for statement_id, total in db.execute(select(StatementItem.statement_id,
                                                 StatementItem.total)):
        items[statement_id] += total
    got: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for s in db.scalars(select(Statement)):
        got[(s.kind, s.subject_id)] += s.total
        if items[s.id] != s.total or s.net + s.vat != s.total:
            ok = False
            print(f"MISMATCH statement {s.id}: {s.total} vs items {items[s.id]}")
    for kind in ("user", "cost_centre", "organisation"):
        want = sum((v for (k, _), v in expected.items() if k == kind), Decimal(0))
        have = sum((v for (k, _), v in got.items() if k == kind), Decimal(0))
        print(f"  {kind:<12} statements {have:>12.2f} EUR = session prices {want:>12.2f} EUR "
              f"{'OK' if want == have else 'MISMATCH'}")
        ok = ok and want == have and dict(got) == dict(expected)
    invoice_total = sum(db.scalars(select(Invoice.total)), Decimal(0))
    line_total = sum(db.scalars(select(InvoiceLine.total)), Decimal(0))
    print(f"  invoices     {invoice_total:>12.2f} EUR = their lines {line_total:>12.2f} EUR "
          f"{'OK' if invoice_total == line_total else 'MISMATCH'}")
    return ok and invoice_total == line_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate(url)
        engine = create_db_engine(url)
        sessions = create_session_factory(engine)
        with sessions() as db:
            setup(db, args.sessions, args.seed)
        with sessions() as db:
            t0 = time.perf_counter()
            priced, failed = pricing.price_pending(db, now=NOW, limit=10**9)
            db.commit()
            t1 = time.perf_counter()
            print(f"pricing: {priced} sessions in {t1 - t0:.1f} s "
                  f"({priced / (t1 - t0):.0f}/s), {len(failed)} not priced")
        with sessions() as db:
            t0 = time.perf_counter()
            first = billing_runs.run(db, organisation_id=1, period="2026-10", now=NOW)
            db.commit()
            t1 = time.perf_counter()
            print(f"billing run: {first.sessions} sessions, {first.statements} statements, "
                  f"{first.invoices} invoices in {t1 - t0:.2f} s")
        with sessions() as db:
            t0 = time.perf_counter()
            second = billing_runs.run(db, organisation_id=1, period="2026-10", now=NOW)
            db.commit()
            t1 = time.perf_counter()
            print(f"second run: {second.statements} statements, {second.invoices} invoices "
                  f"in {t1 - t0:.2f} s ({'idempotent' if second.run_id is None else 'NOT'})")
        with sessions() as db:
            ok = reconcile(db)
            count = db.scalar(select(func.count()).select_from(SessionPrice))
            print(f"reconciliation over {count} priced sessions: "
                  f"{'OK to the cent' if ok else 'FAILED'}")
        engine.dispose()


if __name__ == "__main__":
    main()
