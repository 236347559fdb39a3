"""Sites over REST: create from a scenario, export, replace, patch, attach/detach, CSV,
422 naming the field inside the scenario, 409 for conflicts, read_only may only read."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx

from tests.services.test_sites import SEED_NODES_CSV, SEED_STATIONS_CSV, SMALL


async def create(client: httpx.AsyncClient, name: str = "small", **extra: Any) -> Any:
    response = await client.post("/api/v1/sites",
                                 json={"name": name, "scenario": SMALL, **extra})
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_get_list_export(client: httpx.AsyncClient) -> None:
    body = await create(client, mode="dynamic", description="garage")
    assert body["name"] == "small" and body["mode"] == "dynamic"
    assert body["description"] == "garage" and body["created_at"].endswith("Z")
    assert "stations" not in body["topology"] and "base_load_a" not in body["topology"]
    assert [(s["id"], s["node"], s["phase_rotation"], s["field_rotation"], s["max_a"])
            for s in body["stations"]] == [("A", "UV1", "L1", "R", 16.0),
                                           ("B", "UV1", "L2", "L", 32.0)]
    again = await client.post("/api/v1/sites", json={"name": "small", "scenario": SMALL})
    assert again.status_code == 201 and again.json()["id"] == body["id"]  # idempotent
    listed = (await client.get("/api/v1/sites")).json()
    assert [s["name"] for s in listed] == ["small"]
    detail = await client.get(f"/api/v1/sites/{body['id']}")
    assert detail.status_code == 200 and len(detail.json()["stations"]) == 2
    exported = (await client.get(f"/api/v1/sites/{body['id']}/scenario")).json()
    assert exported["nodes"] == SMALL["nodes"] and exported["unbalance_limit_a"] == 20
    assert (await client.get("/api/v1/stations/A")).json()["registration_status"] == "Accepted"


async def test_replace_scenario_and_round_trip(client: httpx.AsyncClient) -> None:
    site = await create(client)
    url = f"/api/v1/sites/{site['id']}/scenario"
    exported = (await client.get(url)).json()
    same = await client.put(url, json=exported)
    assert same.status_code == 200 and same.json()["updated_at"] == site["updated_at"]
    new = copy.deepcopy(exported)
    new["stations"] = [s for s in new["stations"] if s["id"] == "B"]
    new["stations"][0]["phase_rotation"] = "L3"
    replaced = await client.put(url, json=new)
    assert replaced.status_code == 200, replaced.text
    assert [(s["id"], s["phase_rotation"]) for s in replaced.json()["stations"]] == [("B", "L3")]
    assert (await client.get(url)).json() == new


async def test_invalid_scenario_is_422_naming_the_field(client: httpx.AsyncClient) -> None:
    bad = copy.deepcopy(SMALL)
    bad["stations"][1]["phase_rotation"] = "L4"
    response = await client.post("/api/v1/sites", json={"name": "bad", "scenario": bad})
    assert response.status_code == 422 and response.json()["error"] == "invalid_input"
    assert response.json()["message"].startswith("stations[1].phase_rotation: ")
    assert (await client.get("/api/v1/sites")).json() == []
    assert (await client.get("/api/v1/stations")).json() == []  # nothing stored
    site = await create(client)
    put = await client.put(f"/api/v1/sites/{site['id']}/scenario", json={"nodes": []})
    assert put.status_code == 422 and put.json()["message"].startswith("nodes: ")
    missing = await client.post("/api/v1/sites", json={"name": "x"})
    assert missing.status_code == 422 and missing.json()["message"].startswith("scenario:")


async def test_conflicts_are_409(client: httpx.AsyncClient) -> None:
    await create(client, "one")
    other = await client.post("/api/v1/sites", json={"name": "two", "scenario": SMALL})
    assert other.status_code == 409 and other.json()["error"] == "conflict"
    assert "attached to site 'one'" in other.json()["message"]
    changed = copy.deepcopy(SMALL)
    changed["unbalance_limit_a"] = 30
    different = await client.post("/api/v1/sites", json={"name": "one", "scenario": changed})
    assert different.status_code == 409


async def test_patch_attach_detach_delete(client: httpx.AsyncClient) -> None:
    site = await create(client)
    url = f"/api/v1/sites/{site['id']}"
    patched = await client.patch(url, json={"mode": "dynamic",
                                            "fallback": {"mode": "fixed", "limit_a": 8}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["mode"] == "dynamic"
    assert patched.json()["topology"]["fallback"] == {"mode": "fixed", "limit_a": 8.0}
    for bad, field in [({"mode": "smart"}, "mode"), ({"fallback": {"mode": "fixed"}},
                                                       "fallback.limit_a"),
                       ({"fallback": {"base_load_a": {"XX": 3}}}, "fallback.base_load_a.XX")]:
        response = await client.patch(url, json=bad)
        assert response.status_code == 422, bad
        assert response.json()["message"].startswith(f"{field}:"), response.json()

    await client.post("/api/v1/stations", json={"id": "C"})
    attached = await client.post(f"{url}/stations/C", json={
        "node": "HV", "phase_rotation": "L3", "field_rotation": "L", "max_a": 11})
    assert attached.status_code == 200, attached.text
    assert attached.json()["node"] == "HV" and attached.json()["phase_rotation"] == "L3"
    unknown_node = await client.post(f"{url}/stations/C", json={
        "node": "X", "phase_rotation": "L1", "max_a": 11})
    assert unknown_node.status_code == 422
    assert unknown_node.json()["message"].startswith("node: unknown node")
    assert (await client.post(f"{url}/stations/NOPE", json={
        "node": "HV", "phase_rotation": "L1", "max_a": 11})).status_code == 404
    assert (await client.delete(f"{url}/stations/C")).status_code == 204
    assert (await client.delete(f"{url}/stations/C")).status_code == 404

    assert (await client.delete(url)).status_code == 204
    assert (await client.get(url)).status_code == 404
    assert (await client.get("/api/v1/stations/A")).status_code == 200  # detached, kept


async def test_csv_import_and_export(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/v1/sites/import-csv", json={
        "name": "seed", "nodes_csv": SEED_NODES_CSV, "stations_csv": SEED_STATIONS_CSV,
        "unbalance_limit_a": 20})
    assert created.status_code == 201, created.text
    site = created.json()
    assert len(site["topology"]["nodes"]) == 8 and len(site["stations"]) == 3
    tables = (await client.get(f"/api/v1/sites/{site['id']}/csv")).json()
    assert tables["nodes_csv"].startswith("Distributeur,Limite (A),Point de connexion")
    english = (await client.get(f"/api/v1/sites/{site['id']}/csv", params={"lang": "en"}))
    assert english.json()["stations_csv"].startswith("Station ID,")
    bad = await client.post("/api/v1/sites/import-csv", json={
        "name": "x", "nodes_csv": "Distributeur;Limite (A)\nHV;200\n",
        "stations_csv": SEED_STATIONS_CSV})
    assert bad.status_code == 422 and bad.json()["message"].startswith("nodes_csv.header:")


async def test_read_only_reads_but_cannot_write(client: httpx.AsyncClient,
                                                reader: httpx.AsyncClient) -> None:
    site = await create(client)
    url = f"/api/v1/sites/{site['id']}"
    for path in ("/api/v1/sites", url, f"{url}/scenario", f"{url}/csv"):
        assert (await reader.get(path)).status_code == 200, path
    writes = [("POST", "/api/v1/sites", {"name": "r", "scenario": SMALL}),
              ("POST", "/api/v1/sites/import-csv", {}), ("PATCH", url, {"mode": "dynamic"}),
              ("PUT", f"{url}/scenario", SMALL), ("DELETE", url, None),
              ("POST", f"{url}/stations/A", {"node": "HV", "phase_rotation": "L1", "max_a": 1}),
              ("DELETE", f"{url}/stations/A", None)]
    for method, path, body in writes:
        response = await reader.request(method, path,
                                        content=None if body is None else json.dumps(body),
                                        headers={"Content-Type": "application/json"})
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"] == "forbidden"
    assert (await client.get(url)).json()["mode"] == "static"
