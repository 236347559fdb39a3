"""External limits through the API reach the controller's allocation at once; load history
and controller status are readable; bad input is refused with the field named."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select

from chargegrid.bus.events import StationConnected, TransactionStarted
from chargegrid.control.load_history import LoadHistory
from chargegrid.runtime import Runtime
from chargegrid.store.models import ExternalLimit, Site, Station
from tests.helpers import seed

TOPOLOGY = {"format": "chargegrid-scenario/1", "fallback": {"mode": "zero"},
            "nodes": [{"id": "HV", "limit_a": 63}, {"id": "UV1", "parent": "HV", "limit_a": 40}]}


def _site(runtime: Runtime) -> int:
    seed(runtime, station_ids=("X1", "X2"))
    now = datetime.now(UTC)
    with runtime.sessions() as s:
        site = Site(name="limits", topology=TOPOLOGY, mode="static", created_at=now,
                    updated_at=now)
        s.add(site)
        s.flush()
        for sid in ("X1", "X2"):
            st = s.get(Station, sid)
            assert st is not None
            st.site_id, st.node_id, st.phase_rotation, st.max_current_a = site.id, "UV1", "L1", 32
        s.commit()
        return site.id


async def test_external_limit_applies_at_once(runtime: Runtime, client: httpx.AsyncClient,
                                              reader: httpx.AsyncClient) -> None:
    site_id = _site(runtime)
    await runtime.start_control()
    controller = runtime.control.controllers[site_id]
    now = datetime.now(UTC)
    for sid in ("X1", "X2"):  # two sessions, as the OCPP adapter would report them
        controller.notify(StationConnected(sid, now))
        controller.notify(TransactionStarted(sid, 1, 1, now))
    await controller.cycle()
    assert controller.last is not None
    assert {v["limit_a"] for v in controller.last.allocation["stations"].values()} == {20.0}
    ends = (now + timedelta(hours=1)).isoformat()
    created = await client.post(f"/api/v1/sites/{site_id}/limits",
                                json={"value": 8.28, "unit": "kW", "ends_at": ends,
                                      "reason": "grid operator signal"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["node_id"] == "HV" and abs(body["limit_a"] - 12.0) < 1e-9  # 8.28 kW / 3 / 230
    assert body["source"] == "api" and body["created_by"] == "admin@example.org"
    for _ in range(50):  # the controller was woken: no need to wait for its period
        if controller.last and {v["limit_a"] for v in
                                controller.last.allocation["stations"].values()} == {6.0}:
            break
        await asyncio.sleep(0.05)
    assert {v["limit_a"] for v in controller.last.allocation["stations"].values()} == {6.0}
    status = await reader.get(f"/api/v1/sites/{site_id}/control")
    assert status.status_code == 200 and status.json()["limits_a"] == {"X1": 6.0, "X2": 6.0}
    cancelled = await client.delete(f"/api/v1/sites/{site_id}/limits/{body['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["cancelled_at"] is not None
    assert (await client.get(f"/api/v1/sites/{site_id}/limits")).json() == []


async def test_bad_limits_are_refused_and_nothing_is_stored(
    runtime: Runtime, client: httpx.AsyncClient, reader: httpx.AsyncClient,
) -> None:
    site_id = _site(runtime)
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    cases = [
        ({"value": 10, "node_id": "NOPE", "ends_at": soon}, 422, "node_id"),
        ({"value": -1, "ends_at": soon}, 422, "value"),
        ({"value": 10, "ends_at": "2020-01-01T00:00:00Z"}, 422, "ends_at"),
        ({"value": 10, "ends_at": "2099-01-01T00:00:00Z"}, 422, "ends_at"),
        ({"value": 10, "unit": "MW", "ends_at": soon}, 422, "unit"),
    ]
    for payload, code, field in cases:
        response = await client.post(f"/api/v1/sites/{site_id}/limits", json=payload)
        assert response.status_code == code, (payload, response.text)
        assert field in response.text
    assert (await client.post("/api/v1/sites/999/limits",
                              json={"value": 1, "ends_at": soon})).status_code == 404
    assert (await reader.post(f"/api/v1/sites/{site_id}/limits",
                              json={"value": 1, "ends_at": soon})).status_code == 403
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ExternalLimit)) == 0


async def test_load_history_in_minute_buckets(runtime: Runtime,
                                              reader: httpx.AsyncClient) -> None:
    site_id = _site(runtime)
    history = LoadHistory(site_id)
    t0 = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=3)
    assert history.add(t0, {"HV": {"L1": 10, "L2": 0, "L3": 0}}) == []
    assert history.add(t0 + timedelta(seconds=30), {"HV": {"L1": 20, "L2": 0, "L3": 0}}) == []
    rows = history.add(t0 + timedelta(minutes=1), {"HV": {"L1": 5, "L2": 0, "L3": 0}})
    assert len(rows) == 1 and rows[0].l1_mean == 15.0 and rows[0].l1_max == 20.0
    with runtime.sessions() as s:
        s.add_all(rows)
        s.commit()
    response = await reader.get(f"/api/v1/sites/{site_id}/load", params={"node_id": "HV"})
    assert response.status_code == 200
    assert [(r["l1_mean"], r["l1_max"], r["samples"]) for r in response.json()] == [(15.0, 20.0, 2)]
