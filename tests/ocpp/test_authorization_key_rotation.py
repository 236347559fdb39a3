"""Security profile 1, password rotation (1.6 security whitepaper, use case A01): the central
system sends ChangeConfiguration(AuthorizationKey) hex-encoded; once the station accepts, the
new password is the only one the server takes. A rejected change keeps the old one, and a
password of the wrong length is refused before anything is sent."""

from __future__ import annotations

import base64

import pytest
from websockets.exceptions import InvalidStatus

from chargegrid.domain.commands import ChangeConfiguration
from chargegrid.errors import InvalidInputError
from chargegrid.runtime import Runtime
from chargegrid.services import commands as command_service
from chargegrid.simulator import SimulatedStation
from tests.helpers import RawStation, seed

OLD = "old-password-0123456"
NEW = "new-password-6543210"


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def _status_with(url: str, password: str) -> int:
    """101 when the server lets the station in, else the HTTP status it refuses with."""
    try:
        cp = await RawStation.connect(url, additional_headers=_basic("ROT1", password),
                                      open_timeout=5)
    except InvalidStatus as refused:
        return refused.response.status_code
    await cp.close()
    return 101


async def test_accepted_rotation_switches_the_password(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime, station_ids=("ROT1",), password=OLD)
    station = SimulatedStation("ROT1", ocpp_url, connectors=1, password=OLD,
                               backoff_initial=0.05, backoff_max=0.2, response_timeout=3)
    await station.start()
    try:
        await station.wait_online()
        record_id, result = await runtime.commands.send(
            "ROT1", ChangeConfiguration(key="AuthorizationKey", value=NEW))
        assert result.status == "Accepted"
        # The simulator got the hex form and took the decoded bytes as its password.
        assert station.adapter.connection.password == NEW  # type: ignore[attr-defined]
        await station.disconnect()
        await station.wait_online(timeout=10)  # reconnected with the new password
    finally:
        await station.stop()
    assert await _status_with(f"{ocpp_url}/ROT1", OLD) == 401
    assert await _status_with(f"{ocpp_url}/ROT1", NEW) == 101
    with runtime.sessions() as s:  # the secret never reaches the audit log
        row = command_service.history(s, station_id="ROT1")[0]
        assert row.id == record_id and row.request["value"] == "***"


async def test_rejected_rotation_keeps_the_old_password(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime, station_ids=("ROT1",), password=OLD)
    station = SimulatedStation("ROT1", ocpp_url, connectors=1, password=OLD,
                               backoff_initial=0.05, backoff_max=0.2, response_timeout=3)
    await station.start()
    try:
        await station.wait_online()
        # 21 bytes: more than the whitepaper's 20, the station rejects it.
        _, result = await runtime.commands.send(
            "ROT1", ChangeConfiguration(key="AuthorizationKey", value="x" * 21))
        assert result.status == "Rejected"
    finally:
        await station.stop()
    assert await _status_with(f"{ocpp_url}/ROT1", OLD) == 101


async def test_wrong_length_is_refused_before_sending(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime, station_ids=("ROT1",), password=OLD)
    with pytest.raises(InvalidInputError, match="16 to 40"):
        await runtime.commands.send("ROT1", ChangeConfiguration(key="AuthorizationKey",
                                                                value="short"))
    with runtime.sessions() as s:
        assert command_service.history(s, station_id="ROT1") == []
    assert await _status_with(f"{ocpp_url}/ROT1", OLD) == 101
