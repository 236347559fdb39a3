"""OCA OCPP 1.6 CSMS test cases, security profile 1 (HTTP Basic auth) and admission: the
right password is accepted, a wrong or missing one is HTTP 401, the user must be the station
id; unknown stations are refused by default or registered Pending on request; only the
ocpp1.6 subprotocol is spoken."""

from __future__ import annotations

import asyncio
import base64

import pytest
import websockets
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from chargegrid.domain.commands import ChangeConfiguration, GetConfiguration
from chargegrid.runtime import Runtime
from chargegrid.settings import Settings
from chargegrid.simulator import SimulatedStation
from chargegrid.store.models import Station
from tests.helpers import RawStation, seed
from tests.ocpp.conftest import boot

PASSWORD = "s3cret-password-0123"  # 16..40 characters, as profile 1 requires


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def _refused(url: str, **kwargs: object) -> int:
    with pytest.raises(InvalidStatus) as refused:
        await RawStation.connect(url, open_timeout=5, **kwargs)
    return refused.value.response.status_code


async def test_basic_auth_right_password_accepted(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime, password=PASSWORD)
    cp = await RawStation.connect(f"{ocpp_url}/CP1", additional_headers=_basic("CP1", PASSWORD))
    assert cp.ws.subprotocol == "ocpp1.6"
    await boot(cp)
    await cp.close()


@pytest.mark.parametrize(("case", "headers"), [
    ("wrong password", _basic("CP1", "not-the-password-at-all")),
    ("missing credentials", {}),
    ("user is not the station id", _basic("CP2", PASSWORD)),
    ("not Basic", {"Authorization": "Bearer abc"}),
    ("malformed base64", {"Authorization": "Basic !!!"}),
])
async def test_basic_auth_refused_with_401(runtime: Runtime, ocpp_url: str, case: str,
                                           headers: dict[str, str]) -> None:
    seed(runtime, password=PASSWORD)
    assert await _refused(f"{ocpp_url}/CP1", additional_headers=headers) == 401


async def test_require_basic_auth_refuses_station_without_password(settings: Settings) -> None:
    rt = Runtime.build(settings.model_copy(update={"require_basic_auth": True}),
                       run_migrations=False)
    await rt.start_ocpp("127.0.0.1", 0)
    try:
        seed(rt)
        assert await _refused(f"ws://127.0.0.1:{rt.ocpp.port}/ocpp/CP1") == 401
    finally:
        await rt.stop()


async def test_unknown_station_rejected_by_default(runtime: Runtime, ocpp_url: str) -> None:
    assert runtime.settings.unknown_stations == "reject"
    assert await _refused(f"{ocpp_url}/STRANGER") == 404
    with runtime.sessions() as s:
        assert s.get(Station, "STRANGER") is None


async def test_unknown_station_registered_pending(settings: Settings) -> None:
    rt = Runtime.build(settings.model_copy(update={"unknown_stations": "pending"}),
                       run_migrations=False)
    await rt.start_ocpp("127.0.0.1", 0)
    try:
        cp = await RawStation.connect(f"ws://127.0.0.1:{rt.ocpp.port}/ocpp/NEW1")
        await boot(cp, "Pending")
        refused = await cp.call("Authorize", {"idTag": "TAG1"})
        assert refused[2] == "SecurityError"
        await cp.close()
        with rt.sessions() as s:
            station = s.get(Station, "NEW1")
            assert station is not None and station.registration_status == "Pending"
    finally:
        await rt.stop()


@pytest.mark.parametrize("offered", [[], ["ocpp2.1"], ["ocpp1.5", "json"]])
async def test_unsupported_subprotocol_handshake_then_close_1002(runtime: Runtime,
                                                                 ocpp_url: str,
                                                                 offered: list[str]) -> None:
    seed(runtime)
    ws = await connect(f"{ocpp_url}/CP1", subprotocols=offered or None,  # type: ignore[arg-type]
                       open_timeout=5)
    # The handshake completes without a subprotocol, then the server closes with 1002.
    assert ws.subprotocol is None
    with pytest.raises(ConnectionClosedError):
        await asyncio.wait_for(ws.recv(), 5)
    assert ws.close_code == 1002
    assert not runtime.registry.is_connected("CP1")


async def test_ocpp16_chosen_among_several_offers(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime)
    ws = await connect(f"{ocpp_url}/CP1", subprotocols=["ocpp2.1", "ocpp1.6"],  # type: ignore[list-item]
                       open_timeout=5)
    assert ws.subprotocol == "ocpp1.6"
    await ws.close()


async def test_wrong_path_is_404(runtime: Runtime) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await websockets.connect(f"ws://127.0.0.1:{runtime.ocpp.port}/elsewhere/CP1",
                                 subprotocols=["ocpp1.6"], open_timeout=5)  # type: ignore[list-item]
    assert refused.value.response.status_code == 404


async def test_simulator_with_basic_auth_and_readonly_configuration(runtime: Runtime,
                                                                    ocpp_url: str) -> None:
    """Our simulator (a different 1.6 client) with a password; the central system reads
    its configuration, and a change to a readonly key is rejected and not recorded."""
    seed(runtime, station_ids=("SIM1",), password=PASSWORD)
    station = SimulatedStation("SIM1", ocpp_url, connectors=1, password=PASSWORD,
                               backoff_initial=0.05, backoff_max=0.2, response_timeout=3)
    await station.start()
    try:
        await station.wait_online()
        _, config = await runtime.commands.send("SIM1", GetConfiguration(
            keys=("NumberOfConnectors",)))
        assert config.data["configuration_key"] == [
            {"key": "NumberOfConnectors", "readonly": True, "value": "1"}]
        _, changed = await runtime.commands.send("SIM1", ChangeConfiguration(
            key="NumberOfConnectors", value="4"))
        assert changed.status == "Rejected"
        assert station.configuration("NumberOfConnectors") == "1"
    finally:
        await station.stop()
