"""A lost card blocked through the API: refused at the next Authorize and StartTransaction
(1.6) or Authorize/TransactionEvent (2.0.1), and removed from the local lists of simulated
stations over real WebSockets, by a Differential update; an offline station gets the
removal when it reconnects."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from chargegrid.runtime import Runtime
from chargegrid.services import id_tokens, local_lists
from chargegrid.simulator import SimulatedStation
from chargegrid.simulator.adapter_base import AdapterBase
from chargegrid.store.models import CommandRecord, LocalListPending
from tests.helpers import RawStation, seed
from tests.ocpp201.peer import RawStation201, boot_payload, iso, now_utc, tx_event

BOOT16 = {"chargePointVendor": "T", "chargePointModel": "M"}


def _station(station_id: str, url: str, ocpp: str = "1.6") -> SimulatedStation:
    return SimulatedStation(station_id, url, connectors=1, ocpp=ocpp, meter_interval=1.0,
                            backoff_initial=0.05, backoff_max=0.2, response_timeout=3)


async def _authorize(station: SimulatedStation, tag: str) -> bool:
    """The station's own decision: list, cache, or asking us when online."""
    adapter = station.adapter
    assert isinstance(adapter, AdapterBase)
    return await adapter.authorize(tag)


def _enable(runtime: Runtime, *station_ids: str) -> None:
    with runtime.sessions() as s:
        for station_id in station_ids:
            local_lists.enable(s, station_id=station_id)
        s.commit()


def _list_commands(runtime: Runtime, station_id: str) -> list[dict[str, Any]]:
    with runtime.sessions() as s:
        return [dict(r) for r in s.scalars(
            select(CommandRecord.request).where(CommandRecord.station_id == station_id,
                                                CommandRecord.action == "SendLocalList")
            .order_by(CommandRecord.id))]


async def _wait(predicate: Any, what: str, timeout: float = 10.0) -> float:
    """Wait (bounded) for `predicate`; returns the seconds it took (printed, not asserted)."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


async def test_block_refuses_and_removes_from_lists_v16(
        runtime: Runtime, ocpp_url: str, app: FastAPI, client: httpx.AsyncClient) -> None:
    seed(runtime, station_ids=("SIM1", "SIM2", "RAW1"),
         tokens={"LOST": "Accepted", "KEEP": "Accepted", "OLD": "Blocked"})
    _enable(runtime, "SIM1", "SIM2")
    sim1, sim2 = _station("SIM1", ocpp_url), _station("SIM2", ocpp_url)
    raw = await RawStation.connect(f"{ocpp_url}/RAW1")
    await sim1.start()
    await sim2.start()
    try:
        await raw.ok("BootNotification", BOOT16)
        # On connection each enrolled station gets the Full list: Accepted cards only.
        for sim in (sim1, sim2):
            await _wait(lambda sim=sim: set(sim.core.auth.entries) == {"KEEP", "LOST"},
                        "full list")
            await _wait(lambda sim=sim: _version(runtime, sim.station_id) == 1, "version 1")
        assert [c["update_type"] for c in _list_commands(runtime, "SIM1")] == ["Full"]
        assert (await raw.ok("Authorize", {"idTag": "LOST"}))["idTagInfo"]["status"] == \
            "Accepted"
        # SIM1 authorises the card online once: its Authorization Cache now says Accepted.
        assert await _authorize(sim1, "LOST")
        assert sim1.core.auth.lookup("LOST", use_list=False) is not None

        await sim2.stop()  # SIM2 is offline when the card is blocked
        await _wait(lambda: not runtime.registry.is_connected("SIM2"), "SIM2 gone")
        started = time.monotonic()
        reply = await client.patch("/api/v1/id-tokens/LOST", json={"status": "Blocked"})
        assert reply.status_code == 200, reply.text
        answer = await raw.ok("Authorize", {"idTag": "LOST"})
        assert answer["idTagInfo"]["status"] == "Blocked"
        start = await raw.ok("StartTransaction", {"connectorId": 1, "idTag": "LOST",
                                                  "meterStart": 0, "timestamp": iso(now_utc())})
        assert start["idTagInfo"]["status"] == "Blocked"
        refused = time.monotonic() - started
        await _wait(lambda: "LOST" not in sim1.core.auth.entries, "removal from SIM1")
        print(f"\nPATCH sent -> Authorize+StartTransaction answered Blocked: {refused:.3f} s; "
              f"-> gone from SIM1's list: {time.monotonic() - started:.3f} s")
        await _wait(lambda: _version(runtime, "SIM1") == 2, "version 2 recorded")
        assert set(sim1.core.auth.entries) == {"KEEP"}
        # The removal is followed by ClearCache, so no stale cached Accepted survives...
        await _wait(lambda: sim1.core.auth.lookup("LOST", use_list=False) is None,
                    "cache cleared")
        # ...and offline the station refuses the lost card and accepts the kept one.
        offline = _station("SIM1", "ws://127.0.0.1:9/ocpp")  # never started: offline
        offline.core.auth = sim1.core.auth
        assert not offline.adapter.online
        assert not await _authorize(offline, "LOST")
        assert await _authorize(offline, "KEEP")
        last = _list_commands(runtime, "SIM1")[-1]
        assert last["update_type"] == "Differential" and last["version"] == 2
        assert last["entries"] == [{"id_tag": "LOST", "status": None, "expiry": None,
                                    "parent_id_tag": None}]
        with runtime.sessions() as s:
            assert set(local_lists.held_tokens(s, station_id="SIM1")) == {"KEEP"}
            # SIM2 was offline: its removal waits, queued.
            assert local_lists.pending_tokens(s, station_id="SIM2") == {"LOST"}

        # SIM2 comes back (its list still at version 1): it gets the missed removal.
        # (A new simulator instance: a stopped one does not restart; the list lives on in
        # the station's memory, as in a real charger's flash.)
        assert "LOST" in sim2.core.auth.entries
        kept = sim2.core.auth
        sim2 = _station("SIM2", ocpp_url)
        sim2.core.auth = kept
        await sim2.start()
        await _wait(lambda: "LOST" not in sim2.core.auth.entries, "removal from SIM2")
        await _wait(lambda: _version(runtime, "SIM2") == 2, "SIM2 version 2 recorded")
        assert set(sim2.core.auth.entries) == {"KEEP"}
        assert [c["update_type"] for c in _list_commands(runtime, "SIM2")] == \
            ["Full", "Differential"]
        await _wait(lambda: _pending(runtime) == 0, "pending settled")
    finally:
        await sim1.stop()
        await sim2.stop()
        await raw.ws.close()


def _version(runtime: Runtime, station_id: str) -> int | None:
    with runtime.sessions() as s:
        state = local_lists.get_state(s, station_id=station_id)
        return None if state is None else state.version


def _pending(runtime: Runtime) -> int:
    with runtime.sessions() as s:
        return len(s.scalars(select(LocalListPending.id)).all())


async def test_block_v201_authorize_transaction_event_and_list(
        runtime: Runtime, ocpp_url: str, app: FastAPI, client: httpx.AsyncClient) -> None:
    seed(runtime, station_ids=("SIM201", "RAW201"), tokens={"LOST": "Accepted",
                                                            "KEEP": "Accepted"})
    _enable(runtime, "SIM201")
    sim = _station("SIM201", ocpp_url, ocpp="2.0.1")
    raw = await RawStation201.connect(f"{ocpp_url}/RAW201")
    await sim.start()
    try:
        await raw.ok("BootNotification", boot_payload())
        await _wait(lambda: set(sim.core.auth.entries) == {"KEEP", "LOST"}, "full list")
        await _wait(lambda: _version(runtime, "SIM201") == 1, "version 1")
        reply = await client.patch("/api/v1/id-tokens/LOST", json={"status": "Blocked"})
        assert reply.status_code == 200, reply.text
        answer = await raw.ok("Authorize", {"idToken": {"idToken": "LOST", "type": "ISO14443"}})
        assert answer["idTokenInfo"]["status"] == "Blocked"
        event = await raw.ok("TransactionEvent", tx_event("Started", 0, "tx-lost", now_utc(),
                                                          trigger="Authorized", evse=1,
                                                          token="LOST"))
        assert event["idTokenInfo"]["status"] == "Blocked"
        await _wait(lambda: "LOST" not in sim.core.auth.entries, "removal from SIM201")
        await _wait(lambda: _version(runtime, "SIM201") == 2, "version 2")
        assert set(sim.core.auth.entries) == {"KEEP"}
        assert [c["update_type"] for c in _list_commands(runtime, "SIM201")] == \
            ["Full", "Differential"]
    finally:
        await sim.stop()
        await raw.ws.close()


async def test_block_outside_the_server_reaches_lists_by_the_sweep(
        runtime: Runtime, ocpp_url: str, app: FastAPI) -> None:
    """The CLI (`chargegrid token block`) or an import writes from another process: no push
    follows its commit, the server's sweep finds the queued change."""
    seed(runtime, station_ids=("SIM3",), tokens={"LOST": "Accepted", "KEEP": "Accepted"})
    _enable(runtime, "SIM3")
    sim = _station("SIM3", ocpp_url)
    await sim.start()
    try:
        await _wait(lambda: set(sim.core.auth.entries) == {"KEEP", "LOST"}, "full list")
        await _wait(lambda: _version(runtime, "SIM3") == 1, "version 1")
        with runtime.sessions() as s:
            id_tokens.update(s, token="LOST", status="Blocked", now=runtime.clock.now())
            s.commit()
        await _wait(lambda: "LOST" not in sim.core.auth.entries, "removal by the sweep")
        await _wait(lambda: _version(runtime, "SIM3") == 2, "version 2")
        assert _pending(runtime) == 0
    finally:
        await sim.stop()
