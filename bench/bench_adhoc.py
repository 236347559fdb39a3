"""Ad-hoc charging: what a driver's phone waits for, and the QR sheet.

Measures, on a fresh SQLite file (or --database-url), through the real ASGI app:
- GET /c/{station}/{connector} (the page a QR code opens: connector, tariff lookup, render)
- GET /s/{token}/status.json (the 1-second poll during charging: state machine refresh,
  energy from the newest register sample, cost estimate)
- render_sheet() for 6 and 60 connectors (the printable A4 PDF)

    .venv/bin/python bench/bench_adhoc.py [--n 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx

from chargegrid.api.app import create_app
from chargegrid.billing.tariff import Prices, TariffVersion
from chargegrid.runtime import Runtime
from chargegrid.services import adhoc, tariffs
from chargegrid.settings import Settings
from chargegrid.store.models import Connector, MeterValue, Station, Transaction
from chargegrid.store.models.adhoc import AdhocState
from chargegrid.web.qr_sheet import QrLabel, render_sheet


def seed(rt: Runtime) -> str:
    """A connected station with a tariff, and one ad-hoc session charging for an hour with
    a register sample every 10 s (360 samples)."""
    now = rt.clock.now()
    with rt.sessions() as s:
        s.add(Station(id="B1", connected=True, created_at=now))
        s.flush()
        for n in (1, 2):
            s.add(Connector(station_id="B1", evse_id=n, connector_id=1, status="Available"))
        org = s.get(Station, "B1").organisation_id  # type: ignore[union-attr]
        t = tariffs.create(s, organisation_id=org, name="b", currency="EUR", now=now)
        tariffs.add_version(s, tariff_id=t.id, now=now, version=TariffVersion(
            id=0, valid_from=datetime(2020, 1, 1, tzinfo=UTC), timezone="UTC",
            base=Prices(Decimal("0.40"), Decimal("1.20")), vat_rate=Decimal("0.20")))
        tariffs.assign(s, tariff_id=t.id, station_id="B1", now=now)
        price = adhoc.tariff_price(s, "B1", now)
        assert price is not None
        row = adhoc.create(s, station_id="B1", evse_id=2, email="b@example.org", price=price,
                           hold=Decimal("30"), provider="test", now=now)
        start = now - timedelta(hours=1)
        tx = Transaction(uid="1", station_id="B1", evse_id=2, connector_id=1,
                         id_tag=row.id_tag, state="active", started_at=start,
                         meter_start_wh=1000, created_at=start, updated_at=now)
        s.add(tx)
        s.flush()
        for i in range(360):
            at = start + timedelta(seconds=10 * i)
            s.add(MeterValue(station_id="B1", evse_id=2, connector_id=1, transaction_id=tx.id,
                             timestamp=at, value=str(1000 + 3 * 10 * i), value_number=0.0,
                             measurand="Energy.Active.Import.Register", unit="Wh",
                             context="Sample.Periodic", location="Outlet", format="Raw",
                             received_at=at))
        row.state, row.transaction_id, row.started_at = AdhocState.CHARGING.value, tx.id, start
        s.commit()
        return row.token


async def timed(client: httpx.AsyncClient, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = await client.get(url)
        out.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.text
    return out


def summary(name: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(f"| {name} | {len(ms)} | {statistics.median(ms):.2f} | {p99:.2f} |")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        rt = Runtime.build(Settings(database_url=url))
        token = seed(rt)
        app = create_app(rt)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://bench") as client:
            await timed(client, "/c/B1/1", 10)  # warm-up (templates, caches)
            print("| request | n | p50 ms | p99 ms |\n|---|---|---|---|")
            summary("GET /c/B1/1 (connector page)", await timed(client, "/c/B1/1", args.n))
            summary("GET /s/{token}/status.json (poll)",
                    await timed(client, f"/s/{token}/status.json", args.n))
        for count in (6, 60):
            labels = [QrLabel("B1", i, f"https://charge.example.org/c/B1/{i}")
                      for i in range(1, count + 1)]
            t0 = time.perf_counter()
            pdf = render_sheet(labels)
            print(f"QR sheet, {count} connectors: {(time.perf_counter() - t0) * 1000:.0f} ms, "
                  f"{len(pdf) / 1024:.0f} KiB")
        rt.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
