"""Transactions over REST: a real 1.6 session shows its energy, state and raw samples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from chargegrid.runtime import Runtime
from tests.helpers import RawStation, seed


async def _session(cp: RawStation, start: datetime, meter_stop: int | None) -> int:
    started = await cp.call("StartTransaction", {"connectorId": 1, "idTag": "TAG1",
                                                 "meterStart": 1000,
                                                 "timestamp": start.isoformat()})
    tx_id: int = started[2]["transactionId"]
    samples: list[dict[str, Any]] = [{
        "timestamp": (start + timedelta(seconds=i)).isoformat(),
        "sampledValue": [
            {"value": str(1000 + 500 * i), "measurand": "Energy.Active.Import.Register",
             "unit": "Wh"},
            {"value": "16.0", "measurand": "Current.Import", "phase": "L1", "unit": "A"}]}
        for i in range(1, 3)]
    await cp.call("MeterValues", {"connectorId": 1, "transactionId": tx_id,
                                  "meterValue": samples})
    if meter_stop is not None:
        await cp.call("StopTransaction", {"transactionId": tx_id, "meterStop": meter_stop,
                                          "timestamp": (start + timedelta(seconds=5)).isoformat(),
                                          "reason": "EVDisconnected"})
    return tx_id


async def test_transaction_energy_state_and_meter_values(
    client: httpx.AsyncClient, runtime: Runtime, ocpp_url: str
) -> None:
    seed(runtime, station_ids=("CP1", "CP2"))
    cp = await RawStation.connect(f"{ocpp_url}/CP1")
    start = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    ended = await _session(cp, start, meter_stop=3000)
    active = await _session(cp, start + timedelta(hours=1), meter_stop=None)
    await cp.close()

    listed = (await client.get("/api/v1/transactions")).json()
    assert [t["id"] for t in listed] == [active, ended]  # newest first
    tx = (await client.get(f"/api/v1/transactions/{ended}")).json()
    assert (tx["state"], tx["energy_wh"], tx["meter_start_wh"], tx["meter_stop_wh"]) == (
        "ended", 2000, 1000, 3000)
    assert tx["energy_mismatch"] is False and tx["meter_values_energy_wh"] == 500.0
    assert tx["started_at"] == "2026-03-01T10:00:00.000Z"
    assert tx["stopped_at"] == "2026-03-01T10:00:05.000Z"
    running = (await client.get(f"/api/v1/transactions/{active}")).json()
    assert running["state"] == "active" and running["energy_wh"] is None

    only_active = await client.get("/api/v1/transactions", params={"state": "active"})
    assert [t["id"] for t in only_active.json()] == [active]
    other = await client.get("/api/v1/transactions", params={"station_id": "CP2"})
    assert other.json() == []

    samples = (await client.get(f"/api/v1/transactions/{ended}/meter-values")).json()
    assert len(samples) == 4
    assert samples[0]["value"] == "1500" and samples[0]["timestamp"].endswith("Z")
    assert {s["measurand"] for s in samples} == {"Energy.Active.Import.Register",
                                                 "Current.Import"}
    energy = await client.get(f"/api/v1/transactions/{ended}/meter-values",
                              params={"measurand": "Energy.Active.Import.Register",
                                      "limit": 1, "offset": 1})
    assert [s["value"] for s in energy.json()] == ["2000"]


async def test_missing_and_invalid(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/transactions/999")).status_code == 404
    assert (await client.get("/api/v1/transactions/999/meter-values")).status_code == 404
    bad_state = await client.get("/api/v1/transactions", params={"state": "paused"})
    assert bad_state.status_code == 422 and "state" in bad_state.json()["message"]
    assert (await client.get("/api/v1/transactions/0")).status_code == 422
