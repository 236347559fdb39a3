"""`chargegrid demo`: a server on SQLite with the seed site and simulated stations charging.

Everything runs in one process and one event loop: the OCPP server, the REST API and a fleet
of simulated stations with vehicles arriving and leaving. Unknown stations are accepted
(commissioning mode), so a real charger or another simulator can be pointed at it too.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.orm import Session

from chargegrid.billing.tariff import Band, Prices, TariffVersion
from chargegrid.cli.context import load_settings
from chargegrid.cli.serve import serve_until_stopped
from chargegrid.runtime import Runtime
from chargegrid.services import accounts, id_tokens, sites, tariffs
from chargegrid.services import stations as stations_service
from chargegrid.settings import Settings
from chargegrid.simulator.fleet import Fleet, TrafficOptions

DEMO_ADMIN = "admin@demo.chargegrid"
DEMO_TAGS = ("DEMO-TAG-1", "DEMO-TAG-2", "DEMO-TAG-3")


SEED_SITE = Path(__file__).resolve().parents[3].parent / "shared/examples/seed-site.json"
# The seed guide's Table 1, used when the shared examples are not beside the repository.
SEED_TREE: dict[str, Any] = {
    "format": "chargegrid-scenario/1", "unbalance_limit_a": 20,
    "description": "Seed guide, Table 1 (distribution tree)",
    "nodes": [{"id": "HV", "limit_a": 200}, {"id": "UV1", "parent": "HV", "limit_a": 125},
              {"id": "UV2", "parent": "UV3", "limit_a": 100},
              {"id": "UV3", "parent": "HV", "limit_a": 120},
              {"id": "UV4", "parent": "HV", "limit_a": 100},
              {"id": "UV5", "parent": "UV4", "limit_a": 40},
              {"id": "UV6", "parent": "UV4", "limit_a": 60},
              {"id": "UV7", "parent": "HV", "limit_a": 50}],
    "stations": [],
}
DEMO_SITE = "Seed site (Tables 1 and 2)"


def fleet_sizes(stations: int) -> tuple[int, int]:
    """The demo mixes protocols: half the stations speak OCPP 1.6, half 2.0.1."""
    return stations - stations // 2, stations // 2


def demo_station_ids(stations: int) -> list[str]:
    v16, v201 = fleet_sizes(stations)
    return ([f"DEMO-{n:03d}" for n in range(1, v16 + 1)]
            + [f"DEMO-201-{n:03d}" for n in range(1, v201 + 1)])


def seed_site(runtime: Runtime, stations: int) -> None:
    """Import the seed site once and hang the simulated stations on its distributors, with
    rotated phases as an installer would wire them."""
    raw = json.loads(SEED_SITE.read_text()) if SEED_SITE.exists() else SEED_TREE
    now = datetime.now(UTC)
    with runtime.sessions() as session:
        site = sites.get_by_name(session, name=DEMO_SITE) or sites.import_scenario(
            session, name=DEMO_SITE, raw=raw, now=now, mode="static",
            description=str(raw.get("description", "")))
        nodes = [str(n["id"]) for n in site.topology["nodes"] if n.get("parent")]
        for n, station_id in enumerate(demo_station_ids(stations), start=1):
            if stations_service.get(session, station_id=station_id) is None:
                stations_service.create(session, station_id=station_id, now=now)
            sites.attach_station(session, site_id=site.id, station_id=station_id,
                                 node=nodes[(n - 1) % len(nodes)],
                                 phase_rotation=("L1", "L2", "L3")[(n - 1) % 3], now=now,
                                 max_a=32.0)
        session.commit()


def prepare(runtime: Runtime) -> str:
    """Create the demo admin (once), a fresh API token and the demo RFID tags."""
    now = datetime.now(UTC)
    with runtime.sessions() as session:
        user = accounts.get_user_by_email(session, email=DEMO_ADMIN) or accounts.create_user(
            session, email=DEMO_ADMIN, name="Demo administrator", now=now)
        _, token = accounts.issue_token(session, user=user, name="demo", now=now, valid_days=30)
        for tag in DEMO_TAGS:
            if id_tokens.get_by_token(session, token=tag) is None:
                id_tokens.create(session, token=tag, label="demo card", now=now)
        _demo_tariff(session, organisation_id=user.organisation_id, now=now)
        session.commit()
    return token


DEMO_TARIFF = "Demo: peak / off-peak"


def _demo_tariff(session: Session, *, organisation_id: int, now: datetime) -> None:
    """A tariff for every demo station (once), so sessions are priced and the drivers' QR
    page can sell a charge: 0.35 EUR/kWh by day, 0.22 at night (22:00-06:00 Paris),
    1 EUR per session, 20 % VAT."""
    if any(t.name == DEMO_TARIFF for t in tariffs.list_tariffs(
            session, organisation_id=organisation_id)):
        return
    tariff = tariffs.create(session, organisation_id=organisation_id, name=DEMO_TARIFF,
                            currency="EUR", now=now)
    night = Band("off-peak", time(22, 0), time(6, 0), Prices(Decimal("0.22")))
    tariffs.add_version(session, tariff_id=tariff.id, now=now, version=TariffVersion(
        id=0, valid_from=datetime(2026, 1, 1, tzinfo=UTC), timezone="Europe/Paris",
        base=Prices(Decimal("0.35")), bands=(night,), session_fee=Decimal("1.00"),
        vat_rate=Decimal("0.20")))
    tariffs.assign(session, tariff_id=tariff.id, now=now)


def banner(settings: Settings, token: str, stations: int) -> str:
    host = "127.0.0.1" if settings.host in {"0.0.0.0", "::"} else settings.host
    api = f"http://{host}:{settings.api_port}"
    return "\n".join([
        "",
        "ChargeGrid demo is running (Ctrl-C stops it)",
        f"  REST API      {api}/api/v1   (OpenAPI: {api}/api/openapi.json, docs: {api}/api/docs)",
        f"  OCPP          ws://{host}:{settings.ocpp_port}/ocpp/{{station_id}}"
        "  (subprotocols ocpp1.6, ocpp2.0.1)",
        f"  Admin token   {token}",
        f"  Try           curl -H 'Authorization: Bearer {token}' {api}/api/v1/stations",
        f"  Database      {settings.database_url}",
        f"  Simulated     {stations} stations: DEMO-001… on OCPP 1.6, DEMO-201-001… on 2.0.1;"
        f" tags {', '.join(DEMO_TAGS)}",
        f"  Site          '{DEMO_SITE}' under load management: {api}/api/v1/sites",
        f"  Driver page   {api}/c/DEMO-001/1  (QR-code charging; test card 4242 4242 4242 4242;"
        " sheet: chargegrid station qr DEMO-001)",
        "",
    ])


async def run_demo(settings: Settings, stations: int, meter_interval: float) -> None:
    runtime = Runtime.build(settings)
    token = prepare(runtime)
    seed_site(runtime, stations)
    fleets: list[Fleet] = []

    async def start_fleets() -> None:
        url = f"ws://127.0.0.1:{runtime.ocpp.port}/ocpp"
        traffic = TrafficOptions(mean_arrival=20.0, dwell=(60.0, 300.0), tags=DEMO_TAGS)
        for (prefix, ocpp), count in zip((("DEMO-", "1.6"), ("DEMO-201-", "2.0.1")),
                                         fleet_sizes(stations), strict=True):
            if count:
                fleet = Fleet(url, count, prefix=prefix, traffic=traffic, ocpp=ocpp,
                              meter_interval=meter_interval, heartbeat_interval=60)
                await fleet.start()
                fleets.append(fleet)
        print(banner(settings, token, stations), flush=True)

    async def stop_fleets() -> None:
        for fleet in fleets:
            await fleet.stop()

    await serve_until_stopped(runtime, with_api=True, on_ready=start_fleets,
                              on_stop=stop_fleets)
    print("ChargeGrid demo stopped.", flush=True)


def demo(
    stations: int = typer.Option(10, min=1, max=500, help="Simulated stations."),
    meter_interval: float = typer.Option(10.0, min=1.0, help="Seconds between meter values."),
    database: Path = typer.Option(Path("var/demo.db"), help="SQLite file for the demo."),
) -> None:
    """Run the demo: server, API, seed site and a fleet of simulated stations."""
    database.parent.mkdir(parents=True, exist_ok=True)
    settings = load_settings(database_url=f"sqlite:///{database}", unknown_stations="accept")
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(run_demo(settings, stations, meter_interval))
