"""Stations over REST: register, list, change, and the live detail a connected station fills."""

from __future__ import annotations

import asyncio

import httpx

from chargegrid.runtime import Runtime
from tests.helpers import RawStation


async def test_register_list_detail_update(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/v1/stations", json={"id": "CP1"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"] == "CP1" and body["registration_status"] == "Accepted"
    assert body["connected"] is False and body["connectors"] == []
    assert body["created_at"].endswith("Z")
    await client.post("/api/v1/stations", json={"id": "CP2", "registration_status": "Pending"})
    listed = await client.get("/api/v1/stations")
    assert [s["id"] for s in listed.json()] == ["CP1", "CP2"]
    page = await client.get("/api/v1/stations", params={"limit": 1, "offset": 1})
    assert [s["id"] for s in page.json()] == ["CP2"]
    changed = await client.patch("/api/v1/stations/CP2", json={"registration_status": "Rejected"})
    assert changed.status_code == 200 and changed.json()["registration_status"] == "Rejected"
    assert "password" not in changed.json() and "password_hash" not in changed.json()


async def test_duplicate_missing_and_invalid(client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/stations", json={"id": "CP1"})
    again = await client.post("/api/v1/stations", json={"id": "CP1"})
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    missing = await client.get("/api/v1/stations/NOPE")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    assert (await client.patch("/api/v1/stations/NOPE", json={})).status_code == 404
    for bad, field in [({"id": ""}, "id"), ({"id": "a b"}, "id"), ({"id": "x" * 49}, "id"),
                       ({"id": "CP9", "password": "short"}, "password"),
                       ({"id": "CP9", "registration_status": "Maybe"}, "registration_status"),
                       ({"id": "CP9", "colour": "red"}, "colour"), ({}, "id")]:
        response = await client.post("/api/v1/stations", json=bad)
        assert response.status_code == 422, bad
        assert response.json()["error"] == "invalid_input"
        assert response.json()["message"].startswith(f"{field}:"), response.json()
    assert (await client.get("/api/v1/stations/CP9")).status_code == 404  # nothing stored


async def test_pagination_bounds(client: httpx.AsyncClient) -> None:
    for params in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "x"}):
        response = await client.get("/api/v1/stations", params=params)
        assert response.status_code == 422, params
        assert response.json()["message"].startswith("query.")


async def test_detail_shows_live_connection_and_connectors(
    client: httpx.AsyncClient, runtime: Runtime, ocpp_url: str
) -> None:
    await client.post("/api/v1/stations", json={"id": "CP1"})
    cp = await RawStation.connect(f"{ocpp_url}/CP1")
    await cp.call("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "X1",
                                       "firmwareVersion": "1.2.3"})
    for connector, status in ((1, "Charging"), (2, "Available")):
        await cp.call("StatusNotification", {"connectorId": connector, "errorCode": "NoError",
                                             "status": status,
                                             "timestamp": "2026-01-01T10:00:00+01:00"})
    detail = (await client.get("/api/v1/stations/CP1")).json()
    assert detail["connected"] is True
    assert (detail["vendor"], detail["model"], detail["firmware_version"]) == ("ACME", "X1",
                                                                               "1.2.3")
    assert detail["last_seen"].endswith("Z") and detail["ocpp_version"] == "1.6"
    assert [(c["evse_id"], c["status"]) for c in detail["connectors"]] == [
        (1, "Charging"), (2, "Available")]
    assert detail["connectors"][0]["status_at"] == "2026-01-01T09:00:00.000Z"
    await cp.close()
    for _ in range(100):
        if not (await client.get("/api/v1/stations/CP1")).json()["connected"]:
            break
        await asyncio.sleep(0.02)
    assert (await client.get("/api/v1/stations/CP1")).json()["connected"] is False
