"""A site mixing 1.6 and 2.0.1 stations: the same session through each lands in the same
storage with the same fields, the same domain events are published, and the same command
reaches each in its own version. Security profiles 1 and 2 for 2.0.1, and the
BasicAuthPassword rotation (A01)."""

from __future__ import annotations

import base64
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
import websockets

from chargegrid.bus.events import Event, TransactionEnded, TransactionStarted
from chargegrid.domain import commands as cmd
from chargegrid.errors import InvalidInputError
from chargegrid.runtime import Runtime
from chargegrid.services import device_model, transactions
from chargegrid.settings import Settings
from tests.helpers import RawStation, seed
from tests.ocpp201.conftest import boot, roundtrip
from tests.ocpp201.peer import RawStation201, energy, tx_event

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct-horse-battery-201"
FIELDS = ("evse_id", "connector_id", "id_tag", "auth_status", "state", "started_at",
          "stopped_at", "meter_start_wh", "meter_stop_wh", "energy_wh",
          "meter_values_energy_wh", "energy_mismatch", "stop_reason")


async def _session_16(cp: RawStation) -> None:
    start = await cp.call("StartTransaction", {"connectorId": 1, "idTag": "TAG1",
                                               "meterStart": 1000, "timestamp": T0.isoformat()})
    tx_id = start[2]["transactionId"]
    samples = [{"timestamp": (T0 + timedelta(minutes=m)).isoformat(), "sampledValue": [
        {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}
        for m, wh in ((0, 1000), (20, 5000), (40, 9000))]
    await cp.call("MeterValues", {"connectorId": 1, "transactionId": tx_id,
                                  "meterValue": samples})
    await cp.call("StopTransaction", {"transactionId": tx_id, "meterStop": 9000,
                                      "timestamp": (T0 + timedelta(minutes=40)).isoformat(),
                                      "idTag": "TAG1", "reason": "EVDisconnected"})


async def _session_201(cs: RawStation201) -> None:
    end = T0 + timedelta(minutes=40)
    for event in (
        tx_event("Started", 0, "abc-201", T0, trigger="Authorized", evse=1, token="TAG1",
                 meter=[energy(1000, T0, "Transaction.Begin")]),
        tx_event("Updated", 1, "abc-201", T0 + timedelta(minutes=20),
                 meter=[energy(5000, T0 + timedelta(minutes=20))]),
        tx_event("Ended", 2, "abc-201", end, trigger="StopAuthorized", token="TAG1",
                 stopped_reason="EVDisconnected", meter=[energy(9000, end, "Transaction.End")]),
    ):
        await cs.ok("TransactionEvent", event)


async def test_mixed_site_same_session_same_fields(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime, station_ids=("OLD16", "NEW201"), tokens={"TAG1": "Accepted"})
    seen: list[Event] = []
    runtime.bus.subscribe(seen.append)
    cp = await RawStation.connect(f"{ocpp_url}/OLD16")
    await cp.call("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "X"})
    cs = await RawStation201.connect(f"{ocpp_url}/NEW201")
    await boot(cs)
    assert runtime.registry.version_of("OLD16") == "1.6"
    assert runtime.registry.version_of("NEW201") == "2.0.1"
    await _session_16(cp)
    await _session_201(cs)
    with runtime.sessions() as s:
        old = transactions.list_filtered(s, station_id="OLD16")
        new = transactions.list_filtered(s, station_id="NEW201")
        assert len(old) == len(new) == 1
        as_16 = {f: getattr(old[0], f) for f in FIELDS}
        as_201 = {f: getattr(new[0], f) for f in FIELDS}
    assert as_201 == as_16
    assert as_16["energy_wh"] == 8000 and as_16["state"] == "ended"
    kinds = [(type(e).__name__, getattr(e, "station_id", None)) for e in seen
             if isinstance(e, (TransactionStarted, TransactionEnded))]
    assert kinds == [("TransactionStarted", "OLD16"), ("TransactionEnded", "OLD16"),
                     ("TransactionStarted", "NEW201"), ("TransactionEnded", "NEW201")]
    # One neutral command, each station in its own version.
    got: dict[str, Any] = {}
    for station, peer, answer in (("OLD16", cp, {"status": "Accepted"}),
                                  ("NEW201", cs, {"status": "Accepted"})):
        trip = await roundtrip(runtime, peer, cmd.Reset("Hard"), answer,  # type: ignore[arg-type]
                               station_id=station)
        got[station] = (trip.action, trip.payload, trip.result.status)
    assert got == {"OLD16": ("Reset", {"type": "Hard"}, "Accepted"),
                   "NEW201": ("Reset", {"type": "Immediate"}, "Accepted")}
    # A 2.0.1-only command is refused for the 1.6 station, clearly.
    with pytest.raises(InvalidInputError, match=r"no OCPP 1\.6 equivalent"):
        await runtime.commands.send("OLD16", cmd.GetBaseReport(1))
    await cp.close()
    await cs.close()


def _basic(station_id: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{station_id}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def test_profile_1_basic_auth_and_password_rotation(runtime: Runtime,
                                                          ocpp_url: str) -> None:
    """Security profile 1 for a 2.0.1 station; SetVariables BasicAuthPassword rotation: the
    new password is required once the station accepted it, the old one no longer works."""
    seed(runtime, station_ids=("CS1",), password=PASSWORD)
    with pytest.raises(websockets.InvalidStatus) as refused:
        await RawStation201.connect(f"{ocpp_url}/CS1")
    assert refused.value.response.status_code == 401
    cs = await RawStation201.connect(f"{ocpp_url}/CS1", additional_headers=_basic("CS1",
                                                                                  PASSWORD))
    await boot(cs)
    new_password = "rotated-password-0123456789"

    async def station_side() -> dict[str, Any]:
        frame = await cs.next_call()
        await cs.answer(frame[1], {"setVariableResult": [{
            "attributeStatus": "Accepted", "component": {"name": "SecurityCtrlr"},
            "variable": {"name": "BasicAuthPassword"}}]})
        return dict(frame[3])

    import asyncio

    seen, status = await asyncio.gather(station_side(), device_model.rotate_basic_auth_password(
        commands=runtime.commands, session_factory=runtime.sessions, station_id="CS1",
        password=new_password))
    assert status == "Accepted"
    assert seen == {"setVariableData": [{"attributeValue": new_password,
                                         "component": {"name": "SecurityCtrlr"},
                                         "variable": {"name": "BasicAuthPassword"}}]}
    await cs.close()
    with pytest.raises(websockets.InvalidStatus):
        await RawStation201.connect(f"{ocpp_url}/CS1", additional_headers=_basic("CS1",
                                                                                 PASSWORD))
    cs = await RawStation201.connect(f"{ocpp_url}/CS1",
                                     additional_headers=_basic("CS1", new_password))
    await boot(cs)
    await cs.close()


async def test_profile_2_tls(settings: Settings, tmp_path: Path) -> None:
    """Security profile 2: wss:// with the server certificate, Basic auth inside."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile = tmp_path / "server.pem", tmp_path / "server.key"
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(str(certfile), append=True)
    cert.private_key_pem.write_to_path(str(keyfile))
    rt = Runtime.build(settings.model_copy(update={"tls_certfile": certfile,
                                                   "tls_keyfile": keyfile}),
                       run_migrations=False)
    await rt.start_ocpp("127.0.0.1", 0)
    try:
        seed(rt, station_ids=("CS1",), password=PASSWORD)
        client = ssl.create_default_context()
        ca.configure_trust(client)
        url = f"wss://127.0.0.1:{rt.ocpp.port}/ocpp/CS1"
        cs = await RawStation201.connect(url, ssl=client,
                                         additional_headers=_basic("CS1", PASSWORD))
        assert cs.ws.subprotocol == "ocpp2.0.1"
        await boot(cs)
        await cs.close()
        with pytest.raises(websockets.InvalidStatus) as refused:
            await RawStation201.connect(url, ssl=client)
        assert refused.value.response.status_code == 401
    finally:
        await rt.stop()


async def test_both_offered_the_first_preference_wins(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime, station_ids=("CS1",))
    ws = await websockets.connect(f"{ocpp_url}/CS1",
                                  subprotocols=["ocpp2.0.1", "ocpp1.6"])  # type: ignore[list-item]
    assert ws.subprotocol == "ocpp2.0.1"
    await ws.close()
