"""The sync's conversation with a station, scripted from a raw OCPP 1.6 peer: Full on first
contact, Differential after, Full again after a VersionMismatch, ClearCache after a removal,
nothing recorded when the station refuses, and a station without a list left alone."""

from __future__ import annotations

import asyncio
from typing import Any

from chargegrid.runtime import Runtime
from chargegrid.services import id_tokens, local_lists
from chargegrid.services.local_lists import LocalListSync
from tests.helpers import RawStation, seed

BOOT16 = {"chargePointVendor": "T", "chargePointModel": "M"}


def _sync(runtime: Runtime) -> LocalListSync:
    return LocalListSync(sessions=runtime.sessions, commands=runtime.commands,
                         clock=runtime.clock, is_connected=runtime.registry.is_connected,
                         writer=runtime.writer)


async def _expect(cp: RawStation, action: str, answer: dict[str, Any]) -> dict[str, Any]:
    """The next CALL must be `action`; answer it and return its payload."""
    frame = await cp.next_call()
    assert frame[2] == action, frame
    await cp.answer(frame[1], answer)
    return dict(frame[3])


def _state(runtime: Runtime) -> tuple[int | None, str | None, set[str], set[str]]:
    with runtime.sessions() as s:
        state = local_lists.get_state(s, station_id="RAW")
        assert state is not None
        return (state.version, state.last_outcome,
                set(local_lists.held_tokens(s, station_id="RAW")),
                local_lists.pending_tokens(s, station_id="RAW"))


async def test_full_differential_mismatch_and_refusal(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime, station_ids=("RAW",), tokens={"A": "Accepted", "B": "Blocked"})
    with runtime.sessions() as s:
        local_lists.enable(s, station_id="RAW")
        s.commit()
    sync = _sync(runtime)
    cp = await RawStation.connect(f"{ocpp_url}/RAW")
    try:
        await cp.ok("BootNotification", BOOT16)
        # First contact: Full list with the Accepted card only.
        running = asyncio.create_task(sync.sync("RAW"))
        await _expect(cp, "GetLocalListVersion", {"listVersion": 0})
        sent = await _expect(cp, "SendLocalList", {"status": "Accepted"})
        assert (sent["listVersion"], sent["updateType"]) == (1, "Full")
        assert sent["localAuthorizationList"] == [{"idTag": "A",
                                                   "idTagInfo": {"status": "Accepted"}}]
        assert await running == "accepted"
        assert _state(runtime)[:3] == (1, "accepted", {"A"})

        # A blocked and C added: a Differential; the station says VersionMismatch, so the
        # sync falls back to a Full list, then clears the cache (A was removed).
        now = runtime.clock.now()
        with runtime.sessions() as s:
            id_tokens.update(s, token="A", status="Blocked", now=now)
            id_tokens.create(s, token="C", now=now)
            s.commit()
        running = asyncio.create_task(sync.sync("RAW"))
        await _expect(cp, "GetLocalListVersion", {"listVersion": 1})
        diff = await _expect(cp, "SendLocalList", {"status": "VersionMismatch"})
        assert (diff["listVersion"], diff["updateType"]) == (2, "Differential")
        assert diff["localAuthorizationList"] == [
            {"idTag": "A"}, {"idTag": "C", "idTagInfo": {"status": "Accepted"}}]
        full = await _expect(cp, "SendLocalList", {"status": "Accepted"})
        assert (full["listVersion"], full["updateType"]) == (2, "Full")
        assert [e["idTag"] for e in full["localAuthorizationList"]] == ["C"]
        await _expect(cp, "ClearCache", {"status": "Accepted"})
        assert await running == "accepted"
        assert _state(runtime) == (2, "accepted", {"C"}, set())

        # Nothing pending: the version is checked, nothing sent.
        running = asyncio.create_task(sync.sync("RAW"))
        await _expect(cp, "GetLocalListVersion", {"listVersion": 2})
        assert await running == "up_to_date"

        # A refusal records nothing but the outcome; the change stays queued.
        with runtime.sessions() as s:
            id_tokens.update(s, token="C", status="Blocked", now=runtime.clock.now())
            s.commit()
        running = asyncio.create_task(sync.sync("RAW"))
        await _expect(cp, "GetLocalListVersion", {"listVersion": 2})
        await _expect(cp, "SendLocalList", {"status": "Failed"})
        assert await running == "Failed"
        assert _state(runtime) == (2, "Failed", {"C"}, {"C"})

        # A station that says it has no list (-1) is left alone.
        running = asyncio.create_task(sync.sync("RAW"))
        await _expect(cp, "GetLocalListVersion", {"listVersion": -1})
        assert await running == "unsupported"
    finally:
        await cp.close()
    # Offline now: the attempt is recorded as such, the queue kept.
    for _ in range(100):
        if not runtime.registry.is_connected("RAW"):
            break
        await asyncio.sleep(0.02)
    assert await sync.sync("RAW") == "offline"
    assert _state(runtime)[1:] == ("offline", {"C"}, {"C"})


async def test_stations_not_enrolled_are_not_touched(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime, station_ids=("RAW",))
    assert await _sync(runtime).sync("RAW") == "not_managed"
    assert await _sync(runtime).push_pending() == {}
