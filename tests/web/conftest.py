"""Fixtures for the ad-hoc charging pages: a station with a tariff, a simulated 1.6
station with a vehicle plugged in, and a client that does not follow redirects (so each
step of the payment dance is visible)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from chargegrid.api.app import create_app
from chargegrid.billing.tariff import Prices, TariffVersion
from chargegrid.runtime import Runtime
from chargegrid.services import adhoc, stations, tariffs
from chargegrid.simulator import SimulatedStation, Vehicle
from chargegrid.store.models import Station
from tests.api.conftest import anon, app, client, tokens  # noqa: F401 (API fixtures, QR sheet)

# 0.40/kWh + 1.20/h + 0.50 per session, 20 % VAT: the tariff assigned to the QR stations.
PRICE = adhoc.AdhocPrice(currency="EUR", energy_per_kwh=Decimal("0.40"),
                         time_per_hour=Decimal("1.20"), session_fee=Decimal("0.50"),
                         vat_rate=Decimal("0.20"))
STATION = "QR1"


def add_tariff(runtime: Runtime, station_id: str) -> None:
    """A flat tariff (the PRICE above) assigned to one station, through the tariffs service."""
    now = runtime.clock.now()
    with runtime.sessions() as s:
        org = s.get(Station, station_id).organisation_id  # type: ignore[union-attr]
        row = tariffs.create(s, organisation_id=org, name=f"adhoc {station_id}",
                             currency="EUR", now=now)
        tariffs.add_version(s, tariff_id=row.id, now=now, version=TariffVersion(
            id=0, valid_from=datetime(2020, 1, 1, tzinfo=UTC), timezone="UTC",
            base=Prices(PRICE.energy_per_kwh, PRICE.time_per_hour),
            session_fee=PRICE.session_fee, vat_rate=PRICE.vat_rate))
        tariffs.assign(s, tariff_id=row.id, station_id=station_id, now=now)
        s.commit()


@pytest.fixture
def web_app(runtime: Runtime) -> FastAPI:
    return create_app(runtime)


@pytest.fixture
async def browser_client(web_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An anonymous client (a driver's phone) that shows every redirect."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web_app),
                                 base_url="http://test", follow_redirects=False) as http:
        yield http


def register(runtime: Runtime, *station_ids: str) -> None:
    with runtime.sessions() as s:
        for station_id in station_ids:
            stations.create(s, station_id=station_id, now=runtime.clock.now())
        s.commit()


@pytest.fixture
async def station(runtime: Runtime, ocpp_url: str) -> AsyncIterator[SimulatedStation]:
    """QR1, OCPP 1.6, two connectors, a car plugged into connector 1, fast meter values."""
    register(runtime, STATION)
    add_tariff(runtime, STATION)
    st = SimulatedStation(STATION, ocpp_url, connectors=2, meter_interval=0.2,
                          backoff_initial=0.05, backoff_max=0.2, response_timeout=5)
    await st.start()
    await st.wait_online()
    await st.plug_in(1, Vehicle(phases=3, max_current=16))
    await wait_connector_status(runtime, STATION, 1, "Preparing")
    try:
        yield st
    finally:
        await st.stop()


async def wait_connector_status(runtime: Runtime, station_id: str, evse_id: int,
                                status: str, timeout: float = 10.0) -> None:
    """Until the server has stored the connector's status (not the simulator's view)."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        with runtime.sessions() as s:
            found = [c.status for c in stations.connectors_of(s, station_id=station_id)
                     if c.evse_id == evse_id]
        if found and found[0] == status:
            return
        if loop.time() > deadline:
            raise TimeoutError(f"connector {evse_id} of {station_id} is {found}, not {status}")
        await asyncio.sleep(0.05)
