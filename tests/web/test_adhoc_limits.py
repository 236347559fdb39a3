"""The session's limits: charging stops when the cost reaches the hold (and no more than
the hold is captured); a RemoteStart no vehicle follows fails in time and releases the
money; a transaction that ends is captured even when nobody polls the page."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from chargegrid.payments import PaymentStatus
from chargegrid.runtime import Runtime
from chargegrid.settings import Settings
from chargegrid.simulator import SimulatedStation
from chargegrid.store.models import AdhocSession
from tests.web.conftest import wait_connector_status
from tests.web.test_adhoc_flow import GOOD_CARD, pay, row_of, settled, until

HOLD = Decimal("0.61")  # the session fee with VAT is 0.60: one cent of charging


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, host="127.0.0.1", command_timeout_s=5.0,
                    heartbeat_interval_s=60, adhoc_hold_amount=HOLD,
                    adhoc_start_timeout_s=1.0)


async def db_until(runtime: Runtime, token: str, pred: Callable[[AdhocSession], bool],
                   timeout: float = 20.0) -> AdhocSession:
    """Wait on the database only (no page is polling)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        row = row_of(runtime, token)
        if pred(row):
            return row
        assert loop.time() < deadline, (row.state, row.failure)
        await asyncio.sleep(0.1)


async def test_charging_stops_at_the_hold_and_captures_at_most_the_hold(
        runtime: Runtime, station: SimulatedStation, web_app: FastAPI,
        browser_client: httpx.AsyncClient) -> None:
    token, _ = await pay(browser_client, GOOD_CARD)
    done = await until(browser_client, token, lambda d: d["state"] == "finished",
                       timeout=40)
    row = await settled(runtime, token)
    assert row.amount_captured is not None and row.amount_captured <= HOLD
    assert done["cost"] == f"{row.amount_captured:.2f}"
    stops = [a for a, _ in station.received_calls if a == "RemoteStopTransaction"]
    assert stops, "the server should have stopped the charge at the hold"
    intent = await web_app.state.web.provider.retrieve(str(row.payment_reference))
    assert intent.status is PaymentStatus.CAPTURED and intent.captured == row.amount_captured


async def test_no_vehicle_after_remote_start_fails_and_releases(
        runtime: Runtime, station: SimulatedStation, web_app: FastAPI,
        browser_client: httpx.AsyncClient) -> None:
    await station.unplug(1)
    await wait_connector_status(runtime, "QR1", 1, "Available")
    token, _ = await pay(browser_client, GOOD_CARD)
    assert row_of(runtime, token).state == "starting"
    data = await until(browser_client, token, lambda d: d["state"] == "failed")
    assert "No vehicle started charging in time" in str(data["failure"])
    row = row_of(runtime, token)
    intent = await web_app.state.web.provider.retrieve(str(row.payment_reference))
    assert intent.status is PaymentStatus.CANCELLED


async def test_ended_transaction_is_captured_without_the_page(
        runtime: Runtime, station: SimulatedStation, web_app: FastAPI,
        browser_client: httpx.AsyncClient) -> None:
    token, _ = await pay(browser_client, GOOD_CARD)  # the driver closes the page now
    await db_until(runtime, token, lambda r: r.state == "charging")
    await station.stop_locally(1)
    row = await db_until(runtime, token, lambda r: r.payment_status == "captured")
    assert row.state == "finished" and row.amount_captured is not None
