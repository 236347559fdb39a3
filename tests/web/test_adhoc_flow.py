"""The ad-hoc flow over HTTP (ASGI) against a simulated 1.6 station: every step a phone
would take, without a browser: price → e-mail → card page → return → RemoteStart →
progress → Stop → receipt, and the ways it can fail, with the money released."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from chargegrid.payments import PaymentStatus
from chargegrid.runtime import Runtime
from chargegrid.services import adhoc, id_tokens, pricing
from chargegrid.simulator import SimulatedStation
from chargegrid.store.models import AdhocSession
from chargegrid.web.mount import WebContext
from tests.web.conftest import PRICE, STATION, register

GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"


def path_of(response: httpx.Response) -> str:
    location = response.headers["location"]
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def pay(client: httpx.AsyncClient, card: str, *, station: str = STATION,
              connector: int = 1) -> tuple[str, httpx.Response]:
    """E-mail form → card page → card submit → return URL; the session token and the
    answer of the return URL."""
    r = await client.post(f"/c/{station}/{connector}", data={"email": "driver@example.org"})
    assert r.status_code == 303, r.text
    card_page = path_of(r)
    assert card_page.startswith("/pay/test/pi_test_")
    r = await client.get(card_page)
    assert r.status_code == 200 and "Authorise" in r.text and "EUR" in r.text
    r = await client.post(card_page, data={"card_number": card, "expiry": "12/39",
                                           "cvc": "123"})
    assert r.status_code == 303, r.text
    back = path_of(r)
    token = re.match(r"^/s/([^/]+)/return\?", back)
    assert token is not None, back
    return token.group(1), await client.get(back)


async def status(client: httpx.AsyncClient, token: str) -> dict[str, object]:
    r = await client.get(f"/s/{token}/status.json")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def until(client: httpx.AsyncClient, token: str, pred: object,
                timeout: float = 15.0) -> dict[str, object]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        data = await status(client, token)
        if pred(data):  # type: ignore[operator]
            return data
        assert loop.time() < deadline, data
        await asyncio.sleep(0.1)


def row_of(runtime: Runtime, token: str) -> AdhocSession:
    with runtime.sessions() as s:
        row = adhoc.get_by_token_or_raise(s, token=token)
        s.expunge(row)
        return row


async def settled(runtime: Runtime, token: str, timeout: float = 10.0) -> AdhocSession:
    """The row once the provider has been told (capture or release follows the commit of
    "finished"/"failed" by a moment, possibly in the bus subscriber's task)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        row = row_of(runtime, token)
        if row.payment_status in ("captured", "cancelled", "capture_failed", "release_failed"):
            return row
        assert loop.time() < deadline, (row.state, row.payment_status)
        await asyncio.sleep(0.05)


async def test_connector_page_shows_price_and_availability(
        station: SimulatedStation, browser_client: httpx.AsyncClient) -> None:
    r = await browser_client.get(f"/c/{STATION}/1")
    assert r.status_code == 200
    assert "available" in r.text and "0.40 EUR per kWh" in r.text
    assert "30.00 EUR" in r.text and 'name="email"' in r.text
    assert r.headers["cache-control"] == "no-store"


async def test_paid_session_charges_stops_and_captures_the_final_price(
        runtime: Runtime, station: SimulatedStation, web_app: FastAPI,
        browser_client: httpx.AsyncClient) -> None:
    token, back = await pay(browser_client, GOOD_CARD)
    assert back.status_code == 303 and path_of(back) == f"/s/{token}"
    # The station got a RemoteStartTransaction with the session's one-time id tag.
    row = row_of(runtime, token)
    starts = [p for a, p in station.received_calls if a == "RemoteStartTransaction"]
    assert starts == [{"idTag": row.id_tag, "connectorId": 1}]
    first = await until(browser_client, token, lambda d: d["state"] == "charging")
    later = await until(browser_client, token,
                        lambda d: Decimal(str(d["energy_kwh"])) > Decimal("0.005"))
    assert Decimal(str(later["energy_kwh"])) > Decimal(str(first["energy_kwh"]))
    page = await browser_client.get(f"/s/{token}")
    assert page.status_code == 200 and 'id="stop"' in page.text

    r = await browser_client.post(f"/s/{token}/stop")
    assert r.status_code == 202, r.text
    done = await until(browser_client, token, lambda d: d["state"] == "finished")

    receipt = (await browser_client.get(f"/s/{token}/receipt.json")).json()
    row = await settled(runtime, token)
    assert row.payment_status == "captured"
    with runtime.sessions() as s:
        tx = adhoc.transaction_of(s, row=row)
        assert tx is not None and tx.state != "active" and tx.energy_wh is not None
        # The final price is the tariff engine's, stored with every other session price.
        priced = pricing.get_or_raise(s, transaction_id=tx.id)
        expected = adhoc.Cost(net=priced.net, vat=priced.vat, gross=priced.total)
        assert expected.gross >= PRICE.session_fee * (1 + PRICE.vat_rate)
        tag = id_tokens.get_by_token(s, token=row.id_tag)
        assert tag is not None and tag.status == "Blocked"  # one-time
    assert receipt["total"] == f"{expected.gross:.2f}" == done["cost"]
    assert receipt["vat"] == f"{expected.vat:.2f}"
    assert receipt["energy_wh"] == tx.energy_wh
    assert Decimal(receipt["released"]) == Decimal("30.00") - expected.gross
    assert receipt["payment_reference"] == row.payment_reference
    web: WebContext = web_app.state.web
    intent = await web.provider.retrieve(str(row.payment_reference))
    assert intent.status is PaymentStatus.CAPTURED and intent.captured == expected.gross
    html = await browser_client.get(f"/s/{token}/receipt")
    assert html.status_code == 200 and f"{expected.gross:.2f} EUR" in html.text
    # The finished page redirects to the receipt; polling again captures nothing twice.
    assert (await browser_client.get(f"/s/{token}")).status_code == 303
    assert row_of(runtime, token).amount_captured == expected.gross


async def test_declined_card_fails_without_starting(
        runtime: Runtime, station: SimulatedStation, browser_client: httpx.AsyncClient) -> None:
    token, back = await pay(browser_client, DECLINED_CARD)
    page = await browser_client.get(path_of(back))
    assert "Your card was declined (card declined)" in page.text
    row = row_of(runtime, token)
    assert row.state == "failed" and row.payment_status == "declined"
    assert not [a for a, _ in station.received_calls if a == "RemoteStartTransaction"]
    # The connector is free for the next driver.
    assert "Pay and start charging" in (await browser_client.get(f"/c/{STATION}/1")).text


async def test_rejected_remote_start_releases_the_hold(
        runtime: Runtime, station: SimulatedStation, web_app: FastAPI,
        browser_client: httpx.AsyncClient) -> None:
    r = await browser_client.post(f"/c/{STATION}/1", data={"email": "d@example.org"})
    card_page = path_of(r)
    station.set_fault(1)  # the connector faults while the driver types the card number
    r = await browser_client.post(card_page, data={"card_number": GOOD_CARD,
                                                   "expiry": "12/39", "cvc": "123"})
    token = path_of(r).split("/")[2]
    await browser_client.get(path_of(r))
    row = row_of(runtime, token)
    assert row.state == "failed"
    assert row.failure is not None and "answered Rejected" in row.failure
    web: WebContext = web_app.state.web
    intent = await web.provider.retrieve(str(row.payment_reference))
    assert intent.status is PaymentStatus.CANCELLED and row.payment_status == "cancelled"
    page = await browser_client.get(f"/s/{token}")
    assert "Your payment hold was released" in page.text


async def test_station_offline_at_start_releases_the_hold(
        runtime: Runtime, station: SimulatedStation, web_app: FastAPI,
        browser_client: httpx.AsyncClient) -> None:
    r = await browser_client.post(f"/c/{STATION}/1", data={"email": "d@example.org"})
    card_page = path_of(r)
    await station.stop()
    await asyncio.sleep(0.2)
    r = await browser_client.post(card_page, data={"card_number": GOOD_CARD,
                                                   "expiry": "12/39", "cvc": "123"})
    token = path_of(r).split("/")[2]
    await browser_client.get(path_of(r))
    row = row_of(runtime, token)
    assert row.state == "failed" and "not connected" in str(row.failure)
    intent = await web_app.state.web.provider.retrieve(str(row.payment_reference))
    assert intent.status is PaymentStatus.CANCELLED
    # And the page now says the station is offline; paying is refused.
    page = await browser_client.get(f"/c/{STATION}/1")
    assert "offline" in page.text and 'name="email"' not in page.text
    refused = await browser_client.post(f"/c/{STATION}/1", data={"email": "d@example.org"})
    assert refused.status_code == 409 and "offline" in refused.text


@pytest.mark.parametrize(("path", "status_code", "text"), [
    ("/c/NOPE/1", 404, "does not exist"),
    (f"/c/{STATION}/9", 404, "does not exist"),
    ("/s/not-a-token", 404, "does not exist"),
    ("/s/not-a-token/status.json", 404, "does not exist"),
])
async def test_unknown_things_get_clear_messages(
        station: SimulatedStation, browser_client: httpx.AsyncClient, path: str,
        status_code: int, text: str) -> None:
    r = await browser_client.get(path)
    assert r.status_code == status_code and text in r.text


async def test_bad_email_and_bad_card_are_named(
        station: SimulatedStation, browser_client: httpx.AsyncClient) -> None:
    r = await browser_client.post(f"/c/{STATION}/1", data={"email": "not-an-address"})
    assert r.status_code == 422 and "valid e-mail" in r.text
    r = await browser_client.post(f"/c/{STATION}/1", data={"email": "d@example.org"})
    card_page = path_of(r)
    r = await browser_client.post(card_page, data={"card_number": "4242 4242 4242 4241",
                                                   "expiry": "12/39", "cvc": "123"})
    assert r.status_code == 422 and "not a valid card number" in r.text


async def test_tampered_return_is_refused(
        runtime: Runtime, station: SimulatedStation, browser_client: httpx.AsyncClient) -> None:
    r = await browser_client.post(f"/c/{STATION}/1", data={"email": "d@example.org"})
    reference = path_of(r).rsplit("/", 1)[1]
    with runtime.sessions() as s:
        token = s.query(AdhocSession).filter_by(payment_reference=reference).one().token
    r = await browser_client.get(f"/s/{token}/return",
                                 params={"payment_ref": reference, "payment_sig": "0" * 64})
    assert r.status_code == 400 and "invalid signature" in r.text
    assert row_of(runtime, token).state == "created"


async def test_no_price_means_price_on_request(
        runtime: Runtime, ocpp_url: str, browser_client: httpx.AsyncClient) -> None:
    register(runtime, "FREE1")
    async with SimulatedStation("FREE1", ocpp_url, connectors=1, meter_interval=1) as st:
        await st.wait_online()
        from tests.web.conftest import wait_connector_status
        await wait_connector_status(runtime, "FREE1", 1, "Available")
        page = await browser_client.get("/c/FREE1/1")
        assert "Price on request" in page.text and 'name="email"' not in page.text
        r = await browser_client.post("/c/FREE1/1", data={"email": "d@example.org"})
        assert r.status_code == 409 and "price on request" in r.text


async def test_signed_webhook_authorises_like_the_return(
        runtime: Runtime, station: SimulatedStation, web_app: FastAPI,
        browser_client: httpx.AsyncClient) -> None:
    """The driver's phone never comes back from the payment page: the provider's webhook
    starts the session all the same; a forged one is refused."""
    r = await browser_client.post(f"/c/{STATION}/1", data={"email": "d@example.org"})
    reference = path_of(r).rsplit("/", 1)[1]
    provider = web_app.state.web.provider
    provider.confirm(reference, card_number=GOOD_CARD, expiry="12/39",
                     now=runtime.clock.now())
    body = provider.webhook_body(reference)
    forged = await browser_client.post("/pay/webhook/test", content=body,
                                       headers={"x-signature": "t=1,v1=00"})
    assert forged.status_code == 400
    with runtime.sessions() as s:
        token = s.query(AdhocSession).filter_by(payment_reference=reference).one().token
    assert row_of(runtime, token).state == "created"
    ok = await browser_client.post("/pay/webhook/test", content=body, headers={
        "x-signature": provider.sign_webhook(body, 1_700_000_000)})
    assert ok.status_code == 200, ok.text
    assert row_of(runtime, token).state in ("starting", "charging")
    assert [a for a, _ in station.received_calls if a == "RemoteStartTransaction"]
    # The late return of the driver changes nothing (already handled).
    again = await browser_client.get(provider.return_url_for(reference).split("test", 1)[1])
    assert again.status_code == 303


async def test_the_same_flow_with_an_ocpp_201_station(
        runtime: Runtime, ocpp_url: str, browser_client: httpx.AsyncClient) -> None:
    """Nothing above the OCPP adapters knows the version: RequestStartTransaction and
    RequestStopTransaction go out, the TransactionEvents come back, the money is captured."""
    from chargegrid.simulator import Vehicle
    from tests.web.conftest import add_tariff, wait_connector_status

    register(runtime, "QR201")
    add_tariff(runtime, "QR201")
    async with SimulatedStation("QR201", ocpp_url, connectors=1, ocpp="2.0.1",
                                meter_interval=0.2, backoff_initial=0.05,
                                response_timeout=5) as st:
        await st.wait_online()
        await st.plug_in(1, Vehicle(phases=3, max_current=16))
        await wait_connector_status(runtime, "QR201", 1, "Occupied")
        token, _ = await pay(browser_client, GOOD_CARD, station="QR201")
        assert [a for a, _ in st.received_calls if a == "RequestStartTransaction"]
        await until(browser_client, token, lambda d: d["state"] == "charging")
        await until(browser_client, token, lambda d: Decimal(str(d["energy_kwh"])) > 0)
        assert (await browser_client.post(f"/s/{token}/stop")).status_code == 202
        await until(browser_client, token, lambda d: d["state"] == "finished")
        assert [a for a, _ in st.received_calls if a == "RequestStopTransaction"]
        row = await settled(runtime, token)
        assert row.payment_status == "captured" and row.amount_captured is not None
        assert row.amount_captured > 0
