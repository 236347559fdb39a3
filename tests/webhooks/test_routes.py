"""The REST routes: endpoint CRUD with validation, secret shown once, test ping delivered
to a real receiver, delivery log, redelivery, and who may do it."""

from __future__ import annotations

import asyncio

import httpx

from chargegrid.runtime import Runtime
from tests.webhooks.receiver import receiver

BASE = "/api/v1/webhooks"
SECRET = "whsec_route_test_secret_0001"


async def test_crud_and_secret_shown_once(client: httpx.AsyncClient) -> None:
    created = await client.post(f"{BASE}/endpoints", json={
        "url": "https://erp.example.org/hooks", "event_types": ["session.stopped",
                                                                "invoice.issued"]})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["active"] is True
    ep = body["id"]
    got = await client.get(f"{BASE}/endpoints/{ep}")
    assert got.status_code == 200 and "secret" not in got.json()
    assert [e["id"] for e in (await client.get(f"{BASE}/endpoints")).json()] == [ep]
    patched = await client.patch(f"{BASE}/endpoints/{ep}", json={"active": False,
                                                                 "event_types": ["invoice.issued"]})
    assert patched.json()["active"] is False and patched.json()["event_types"] == ["invoice.issued"]
    assert "secret" not in patched.json()
    rotated = await client.post(f"{BASE}/endpoints/{ep}/rotate-secret")
    assert rotated.json()["secret"] not in (body["secret"], None)
    assert (await client.delete(f"{BASE}/endpoints/{ep}")).status_code == 204
    missing = await client.get(f"{BASE}/endpoints/{ep}")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


async def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(
        client: httpx.AsyncClient) -> None:
    for payload, field in [
        ({"url": "ftp://example.org/x", "event_types": ["invoice.issued"]}, "url"),
        ({"url": "https://example.org/x", "event_types": ["session.exploded"]}, "event_types"),
        ({"url": "https://example.org/x", "event_types": []}, "event_types"),
        ({"url": "https://example.org/x", "event_types": ["invoice.issued"], "secret": "short"},
         "secret"),
    ]:
        answer = await client.post(f"{BASE}/endpoints", json=payload)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"] == "invalid_input" and field in answer.json()["message"]
    assert (await client.get(f"{BASE}/endpoints")).json() == []


async def test_ping_reaches_a_real_receiver_and_shows_in_the_log(
        client: httpx.AsyncClient, runtime: Runtime) -> None:
    with receiver(SECRET) as rx:
        ep = (await client.post(f"{BASE}/endpoints", json={
            "url": rx.url, "event_types": ["invoice.issued"], "secret": SECRET})).json()["id"]
        ping = await client.post(f"{BASE}/endpoints/{ep}/ping")
        assert ping.status_code == 202 and ping.json()["status"] == "pending"
        [got] = await asyncio.to_thread(rx.wait_for, 1)
        assert got.signature_ok and got.json["type"] == "ping"
        for _ in range(500):
            log = (await client.get(f"{BASE}/endpoints/{ep}/deliveries")).json()
            if log[0]["status"] == "delivered":
                break
            await asyncio.sleep(0.02)
        assert log[0]["event_id"] == got.json["id"] and log[0]["last_status_code"] == 200
        again = await client.post(f"{BASE}/deliveries/{log[0]['id']}/redeliver")
        assert again.status_code == 200 and again.json()["status"] == "pending"
        second = (await asyncio.to_thread(rx.wait_for, 2))[1]
        assert second.json["id"] == got.json["id"]
    delivered = await client.get(f"{BASE}/endpoints/{ep}/deliveries", params={"status": "failed"})
    assert delivered.json() == []


async def test_inactive_endpoint_cannot_be_pinged(client: httpx.AsyncClient) -> None:
    ep = (await client.post(f"{BASE}/endpoints", json={
        "url": "https://example.org/x", "event_types": ["invoice.issued"],
        "active": False})).json()["id"]
    answer = await client.post(f"{BASE}/endpoints/{ep}/ping")
    assert answer.status_code == 409 and answer.json()["error"] == "conflict"


async def test_who_may_manage_endpoints_follows_the_settings_permission(
        reader: httpx.AsyncClient, anon: httpx.AsyncClient) -> None:
    from chargegrid.domain.permissions import Action, Resource, scope_for

    assert (await anon.get(f"{BASE}/endpoints")).status_code == 401
    may_read = scope_for("read_only", Resource.SETTINGS, Action.READ) is not None
    assert (await reader.get(f"{BASE}/endpoints")).status_code == (200 if may_read else 403)
    created = await reader.post(f"{BASE}/endpoints", json={
        "url": "https://example.org/x", "event_types": ["invoice.issued"]})
    assert created.status_code == 403


async def test_another_organisations_admin_cannot_see_our_endpoints(
        client: httpx.AsyncClient, runtime: Runtime) -> None:
    from fastapi import FastAPI

    from chargegrid.api.app import create_app
    from chargegrid.services import accounts
    from chargegrid.store.models import Organisation
    from tests.api.conftest import bearer

    ours = (await client.post(f"{BASE}/endpoints", json={
        "url": "https://erp.example.org/hooks", "event_types": ["invoice.issued"]})).json()
    now = runtime.clock.now()
    with runtime.sessions() as s:
        org = Organisation(name="Elsewhere", created_at=now)
        s.add(org)
        s.flush()
        user = accounts.create_user(s, email="admin@elsewhere.org", now=now,
                                    organisation_id=org.id)
        _, clear = accounts.issue_token(s, user=user, name="t", now=now)
        s.commit()
    app: FastAPI = create_app(runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://test", headers=bearer(clear)) as theirs:
        assert (await theirs.get(f"{BASE}/endpoints")).json() == []
        for method, path in (("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/ping"),
                             ("GET", "/deliveries")):
            answer = await theirs.request(method, f"{BASE}/endpoints/{ours['id']}{path}",
                                          json={} if method == "PATCH" else None)
            assert answer.status_code == 404, (method, path, answer.text)
