"""OCA OCPP 1.6 CSMS test cases, Remote Trigger profile: TriggerMessage for each message a
1.6 station can be asked for, the triggered message answered, refusals recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from chargegrid.domain.commands import TriggerMessage
from chargegrid.errors import InvalidInputError
from chargegrid.runtime import Runtime
from chargegrid.store.models import CommandRecord
from tests.helpers import RawStation
from tests.ocpp.conftest import events, roundtrip

TRIGGERED = {
    "BootNotification": {"chargePointVendor": "ACME", "chargePointModel": "OCTT-1"},
    "Heartbeat": {},
    "StatusNotification": {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
    "MeterValues": {"connectorId": 1, "meterValue": [{"timestamp": "2026-05-01T10:00:00Z",
                                                      "sampledValue": [{"value": "1234"}]}]},
    "FirmwareStatusNotification": {"status": "Idle"},
    "DiagnosticsStatusNotification": {"status": "Idle"},
}


@pytest.mark.parametrize("message", sorted(TRIGGERED))
async def test_tc_054_trigger_message(runtime: Runtime, cp: RawStation, message: str) -> None:
    connector = 1 if message in {"StatusNotification", "MeterValues"} else None
    trip = await roundtrip(runtime, cp, TriggerMessage(message=message, evse_id=connector),
                           {"status": "Accepted"})
    expected = {"requestedMessage": message}
    if connector is not None:
        expected["connectorId"] = connector  # type: ignore[assignment]
    assert (trip.action, trip.payload) == ("TriggerMessage", expected)
    assert trip.record.outcome == "accepted"
    # The station then sends the requested message, which is answered as usual.
    reply = await cp.call(message, TRIGGERED[message])
    assert reply[0] == 3, reply
    if message == "FirmwareStatusNotification":
        assert events(runtime, message) == [{"status": "Idle"}]


@pytest.mark.parametrize(("case", "answer"), [("TC_055 rejected", "Rejected"),
                                              ("not implemented", "NotImplemented")])
async def test_tc_055_trigger_message_refused(runtime: Runtime, cp: RawStation, case: str,
                                              answer: str) -> None:
    trip = await roundtrip(runtime, cp, TriggerMessage(message="MeterValues", evse_id=1),
                           {"status": answer})
    assert trip.result.status == answer and trip.record.outcome == "rejected"


async def test_trigger_of_message_unknown_to_1_6_is_refused_before_sending(
    runtime: Runtime, cp: RawStation
) -> None:
    with pytest.raises(InvalidInputError, match=r"cannot be triggered in OCPP 1\.6"):
        await runtime.commands.send("CP1", TriggerMessage(message="LogStatusNotification"))
    with runtime.sessions() as s:
        record = s.scalars(select(CommandRecord)).one()
        assert record.outcome == "error" and record.error is not None
    # Nothing reached the station: the next CALL it sees is the next command.
    trip = await roundtrip(runtime, cp, TriggerMessage(message="Heartbeat"),
                           {"status": "Accepted"})
    assert trip.payload == {"requestedMessage": "Heartbeat"}
