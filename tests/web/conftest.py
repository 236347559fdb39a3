"""Fixtures for the ad-hoc charging pages: an app with a known price, a simulated 1.6
station with a vehicle plugged in, and a client that does not follow redirects (so each
step of the payment dance is visible)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from chargegrid.api.app import create_app
from chargegrid.runtime import Runtime
from chargegrid.services import adhoc, stations
from chargegrid.simulator import SimulatedStation, Vehicle
from chargegrid.web.mount import WebContext

# 0.40/kWh + 1.20/h + 0.50 per session, 20 % VAT: a tariff as the tariffs service would give.
PRICE = adhoc.AdhocPrice(currency="EUR", energy_per_kwh=Decimal("0.40"),
                         time_per_hour=Decimal("1.20"), session_fee=Decimal("0.50"),
                         vat_rate=Decimal("0.20"))
STATION = "QR1"


def fixed_price(session: Session, station_id: str, at: datetime) -> adhoc.AdhocPrice | None:
    """Stations named QR* have a price; any other station has none ("price on request")."""
    return PRICE if station_id.startswith("QR") else None


def with_fixed_price(app: FastAPI) -> FastAPI:
    web: WebContext = app.state.web
    web.flow.price_lookup = fixed_price
    return app


@pytest.fixture
def web_app(runtime: Runtime) -> FastAPI:
    return with_fixed_price(create_app(runtime))


@pytest.fixture
async def browser_client(web_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An anonymous client (a driver's phone) that shows every redirect."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web_app),
                                 base_url="http://test", follow_redirects=False) as client:
        yield client


def register(runtime: Runtime, *station_ids: str) -> None:
    with runtime.sessions() as s:
        for station_id in station_ids:
            stations.create(s, station_id=station_id, now=runtime.clock.now())
        s.commit()


@pytest.fixture
async def station(runtime: Runtime, ocpp_url: str) -> AsyncIterator[SimulatedStation]:
    """QR1, OCPP 1.6, two connectors, a car plugged into connector 1, fast meter values."""
    register(runtime, STATION)
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
