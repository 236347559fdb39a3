"""Id tokens over REST: create, read, change (including clearing), conflicts and bad input."""

from __future__ import annotations

import httpx


async def test_create_get_list_update(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/v1/id-tokens", json={
        "token": "TAG1", "label": "Fleet card", "expires_at": "2030-01-01T12:00:00+02:00",
        "parent_id_tag": "GROUP1"})
    assert created.status_code == 201, created.text
    assert created.json()["expires_at"] == "2030-01-01T10:00:00.000Z"
    assert created.json()["status"] == "Accepted"
    await client.post("/api/v1/id-tokens", json={"token": "TAG0", "status": "Blocked"})
    assert [t["token"] for t in (await client.get("/api/v1/id-tokens")).json()] == ["TAG0",
                                                                                    "TAG1"]
    blocked = await client.patch("/api/v1/id-tokens/TAG1", json={"status": "Blocked"})
    assert blocked.json()["status"] == "Blocked"
    assert blocked.json()["expires_at"] == "2030-01-01T10:00:00.000Z"  # absent: unchanged
    cleared = await client.patch("/api/v1/id-tokens/TAG1",
                                 json={"expires_at": None, "parent_id_tag": None})
    assert cleared.json()["expires_at"] is None and cleared.json()["parent_id_tag"] is None
    got = await client.get("/api/v1/id-tokens/TAG1")
    assert got.json()["label"] == "Fleet card" and got.json()["status"] == "Blocked"


async def test_conflict_missing_invalid(client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/id-tokens", json={"token": "TAG1"})
    dup = await client.post("/api/v1/id-tokens", json={"token": "TAG1"})
    assert dup.status_code == 409
    assert (await client.get("/api/v1/id-tokens/NOPE")).status_code == 404
    assert (await client.patch("/api/v1/id-tokens/NOPE", json={})).status_code == 404
    for bad, field in [({"token": "T" * 37}, "token"), ({"token": "has space"}, "token"),
                       ({"token": "T2", "status": "ConcurrentTx"}, "status"),
                       ({"token": "T2", "expires_at": "2030-01-01T12:00:00"}, "expires_at")]:
        response = await client.post("/api/v1/id-tokens", json=bad)
        assert response.status_code == 422, bad
        assert response.json()["message"].startswith(f"{field}:")
    assert (await client.get("/api/v1/id-tokens/T2")).status_code == 404
