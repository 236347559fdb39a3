"""Acceptance: the QR flow end to end in a real browser (Playwright driving Debian's
Chromium) against the runtime served by uvicorn and a simulated OCPP 1.6 station.

Chromium must be at /usr/bin/chromium (CI installs the Debian package): without it this
test fails with a message saying so, it does not skip. `playwright install` is never used.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, Page, async_playwright, expect

from chargegrid.cli.serve import EmbeddedApiServer
from chargegrid.runtime import Runtime
from chargegrid.services import adhoc
from chargegrid.simulator import SimulatedStation
from chargegrid.store.models import AdhocSession
from tests.web.conftest import STATION

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
WAIT_MS = 20_000


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """The app on a free loopback port, in this event loop; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = EmbeddedApiServer(uvicorn.Config(app, log_level="warning", ws="none",
                                              lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def require_chromium() -> None:
    """Fail (never skip) without the browser: the acceptance criterion needs it."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package "
                    "(apt-get install chromium); this acceptance test needs a real browser")


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    require_chromium()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def energy_shown(page: Page) -> Decimal:
    return Decimal((await page.locator("#energy").text_content() or "0").strip())


async def pay_with(page: Page, base: str, card: str) -> None:
    """Open the connector's QR URL, check the price, enter e-mail and card."""
    await page.goto(f"{base}/c/{STATION}/1")
    await expect(page.locator("#availability")).to_have_text("available")
    await expect(page.locator("#price")).to_contain_text("0.40 EUR per kWh")
    await expect(page.locator("#hold")).to_have_text("30.00 EUR")
    await page.fill("#email", "driver@example.org")
    await page.click("#pay")
    await page.wait_for_url(re.compile(r"/pay/test/pi_test_\w+$"))
    await expect(page.locator("#amount")).to_have_text("30.00 EUR")
    await page.fill("#card_number", card)
    await page.fill("#expiry", "12/39")
    await page.fill("#cvc", "123")
    await page.click("#authorise")


def only_session(runtime: Runtime) -> AdhocSession:
    with runtime.sessions() as s:
        row = s.query(AdhocSession).one()
        s.expunge(row)
        return row


async def test_driver_pays_charges_stops_and_gets_a_receipt(
        runtime: Runtime, station: SimulatedStation, web_app: FastAPI) -> None:
    async with served(web_app) as base, chromium() as browser:
        context = await browser.new_context(viewport=PHONE)  # type: ignore[arg-type]
        page = await context.new_page()
        await pay_with(page, base, "4242 4242 4242 4242")
        await page.wait_for_url(re.compile(r"/s/[\w-]+$"), timeout=WAIT_MS)
        await expect(page.locator("#state")).to_have_text("charging", timeout=WAIT_MS)
        # Live progress: the kWh shown keep rising while the car charges.
        await page.wait_for_function(
            "() => parseFloat(document.getElementById('energy').textContent) > 0",
            timeout=WAIT_MS)
        first = await energy_shown(page)
        await page.wait_for_function(
            f"() => parseFloat(document.getElementById('energy').textContent) > {first}",
            timeout=WAIT_MS)
        assert await energy_shown(page) > first
        await expect(page.locator("#cost")).not_to_have_text("0.00", timeout=WAIT_MS)

        await page.click("#stop")
        await page.wait_for_url(re.compile(r"/s/[\w-]+/receipt$"), timeout=WAIT_MS)
        row = only_session(runtime)
        assert row.state == "finished" and row.amount_captured is not None
        assert Decimal("0.50") < row.amount_captured < Decimal("30.00")
        await expect(page.locator("#receipt-total")).to_have_text(
            f"{row.amount_captured:.2f} EUR")
        await expect(page.locator("#receipt-vat")).to_have_text(f"{row.vat_amount:.2f} EUR")
        await expect(page.locator("#receipt-released")).to_have_text(
            f"{Decimal('30.00') - row.amount_captured:.2f} EUR")
        await expect(page.locator("#receipt-reference")).to_contain_text(
            str(row.payment_reference))
        with runtime.sessions() as s:
            tx = adhoc.transaction_of(s, row=row)
            assert tx is not None and tx.energy_wh is not None and tx.energy_wh > 0
        await expect(page.locator("#receipt-energy")).to_have_text(
            f"{tx.energy_wh / 1000:.3f} kWh")
        await context.close()


async def test_declined_card_shows_a_clear_message(
        runtime: Runtime, station: SimulatedStation, web_app: FastAPI) -> None:
    async with served(web_app) as base, chromium() as browser:
        page = await browser.new_page(viewport=PHONE)  # type: ignore[arg-type]
        await pay_with(page, base, "4000 0000 0000 0002")
        await page.wait_for_url(re.compile(r"/s/[\w-]+$"), timeout=WAIT_MS)
        await expect(page.locator("#failure")).to_have_text(
            "Your card was declined (card declined). Nothing was charged.")
        await expect(page.locator("#stop")).to_have_count(0)
        row = only_session(runtime)
        assert row.state == "failed" and row.payment_status == "declined"
        assert not [a for a, _ in station.received_calls if a == "RemoteStartTransaction"]
