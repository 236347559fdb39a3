"""OCA 2.0.1 CSMS test cases, provisioning (B) and RPC framework: boot, pending/rejected
standing, heartbeat, status, device model reports, Get/SetVariables, reset, and the OCPP-J
2.0.1 error codes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from chargegrid.domain import commands as cmd
from chargegrid.domain.stations import RegistrationStatus
from chargegrid.errors import InvalidInputError
from chargegrid.runtime import Runtime
from chargegrid.services import device_model, stations
from chargegrid.store.models import Connector, Station, StationConfigurationKey
from tests.helpers import seed
from tests.ocpp201.conftest import boot, events, roundtrip
from tests.ocpp201.peer import RawStation201, now_utc


async def test_cold_boot_is_stored(cs: RawStation201, runtime: Runtime) -> None:
    """TC_B_01: BootNotification accepted, interval given, the station's details stored."""
    with runtime.sessions() as s:
        station = s.get(Station, "CS1")
        assert station is not None
        assert (station.vendor, station.model, station.serial_number, station.firmware_version,
                station.iccid, station.imsi, station.ocpp_version) == (
            "ACME", "OCTT-201", "SN-1", "1.2.3", "8931", "2620", "2.0.1")
        assert station.connected
    assert events(runtime, "BootNotification") == [{"reason": "PowerUp"}]


async def test_heartbeat_and_status_notification(cs: RawStation201, runtime: Runtime) -> None:
    """TC_B_03-style heartbeat; TC_G_01/TC_B_? status per EVSE and connector."""
    beat = await cs.ok("Heartbeat", {})
    assert beat["currentTime"].endswith("Z")
    await cs.ok("StatusNotification", {"timestamp": now_utc().isoformat(),
                                       "connectorStatus": "Occupied", "evseId": 2,
                                       "connectorId": 1})
    with runtime.sessions() as s:
        conn = s.scalars(select(Connector).where(Connector.station_id == "CS1")).one()
        assert (conn.evse_id, conn.connector_id, conn.status) == (2, 1, "Occupied")


@pytest.mark.parametrize("standing", ["Pending", "Rejected"])
async def test_pending_and_rejected_station(runtime: Runtime, ocpp_url: str,
                                            standing: str) -> None:
    """TC_B_02 / TC_B_? : a Pending station may report what it is asked for; a Rejected one
    only boot; anything else is a SecurityError."""
    seed(runtime, station_ids=("CS1",))
    with runtime.sessions() as s:
        stations.update(s, station_id="CS1", registration_status=RegistrationStatus(standing))
        s.commit()
    cs = await RawStation201.connect(f"{ocpp_url}/CS1")
    await boot(cs, standing)
    refused = await cs.call("Authorize", {"idToken": {"idToken": "TAG1", "type": "ISO14443"}})
    assert refused[0] == 4 and refused[2] == "SecurityError"
    beat = await cs.call("Heartbeat", {})
    assert beat[0] == (3 if standing == "Pending" else 4)
    await cs.close()


async def test_base_report_fills_the_device_model(cs: RawStation201, runtime: Runtime) -> None:
    """TC_B_07/TC_B_08: GetBaseReport accepted, then NotifyReport parts stored."""
    trip = await roundtrip(runtime, cs, cmd.GetBaseReport(request_id=7), {"status": "Accepted"})
    assert trip.action == "GetBaseReport"
    assert trip.payload == {"requestId": 7, "reportBase": "FullInventory"}
    assert trip.result.status == "Accepted" and trip.record.outcome == "accepted"
    report = [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"},
         "variableAttribute": [{"type": "Actual", "value": "300", "mutability": "ReadWrite"}],
         "variableCharacteristics": {"dataType": "integer", "unit": "s",
                                     "supportsMonitoring": False}},
        {"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "Power"},
         "variableAttribute": [{"type": "Actual", "value": "0", "mutability": "ReadOnly"},
                               {"type": "MaxSet", "value": "22000"}],
         "variableCharacteristics": {"dataType": "decimal", "supportsMonitoring": True}},
    ]
    generated = now_utc().isoformat()
    await cs.ok("NotifyReport", {"requestId": 7, "generatedAt": generated, "seqNo": 0,
                                 "tbc": True, "reportData": report[:1]})
    await cs.ok("NotifyReport", {"requestId": 7, "generatedAt": generated, "seqNo": 1,
                                 "reportData": report[1:]})
    with runtime.sessions() as s:
        rows = device_model.list_for_station(s, station_id="CS1")
        assert [(r.component, r.evse_id, r.variable, r.attribute_type, r.value, r.mutability)
                for r in rows] == [
            ("EVSE", 1, "Power", "Actual", "0", "ReadOnly"),
            ("EVSE", 1, "Power", "MaxSet", "22000", "ReadWrite"),
            ("OCPPCommCtrlr", 0, "HeartbeatInterval", "Actual", "300", "ReadWrite"),
        ]
        assert device_model.get_value(s, station_id="CS1", component="OCPPCommCtrlr",
                                      variable="HeartbeatInterval") == "300"
    # A NotifyEvent with a new actual value keeps the model current.
    await cs.ok("NotifyEvent", {"generatedAt": generated, "seqNo": 0, "eventData": [{
        "eventId": 1, "timestamp": generated, "trigger": "Delta", "actualValue": "600",
        "eventNotificationType": "HardWiredNotification",
        "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]})
    with runtime.sessions() as s:
        assert device_model.get_value(s, station_id="CS1", component="OCPPCommCtrlr",
                                      variable="HeartbeatInterval") == "600"


async def test_get_and_set_variables(cs: RawStation201, runtime: Runtime) -> None:
    """TC_B_06 / TC_B_09..: GetVariables and SetVariables with per-variable results."""
    ref = cmd.VariableRef("SampledDataCtrlr", "TxUpdatedInterval", evse_id=1)
    trip = await roundtrip(runtime, cs, cmd.GetVariables((ref,)), {"getVariableResult": [{
        "attributeStatus": "Accepted", "attributeValue": "60",
        "component": {"name": "SampledDataCtrlr", "evse": {"id": 1}},
        "variable": {"name": "TxUpdatedInterval"}}]})
    assert trip.payload == {"getVariableData": [{
        "component": {"name": "SampledDataCtrlr", "evse": {"id": 1}},
        "variable": {"name": "TxUpdatedInterval"}}]}
    assert trip.result.data["get_variable_result"][0]["attributeValue"] == "60"
    setting = cmd.VariableSetting(cmd.VariableRef("OCPPCommCtrlr", "HeartbeatInterval"), "90")
    answer = {"setVariableResult": [{"attributeStatus": "RebootRequired",
                                     "component": {"name": "OCPPCommCtrlr"},
                                     "variable": {"name": "HeartbeatInterval"}}]}
    trip = await roundtrip(runtime, cs, cmd.SetVariables((setting,)), answer)
    assert trip.payload["setVariableData"][0]["attributeValue"] == "90"
    assert trip.result.status == "RebootRequired"


async def test_configuration_commands_map_onto_variables(cs: RawStation201,
                                                         runtime: Runtime) -> None:
    """The 1.6 GetConfiguration/ChangeConfiguration path works for a 2.0.1 station: keys
    become variables, answers come back in the 1.6 shape and are remembered the same way."""
    trip = await roundtrip(runtime, cs, cmd.GetConfiguration(("HeartbeatInterval", "Foo.Bar")),
                           {"getVariableResult": [
                               {"attributeStatus": "Accepted", "attributeValue": "300",
                                "component": {"name": "OCPPCommCtrlr"},
                                "variable": {"name": "HeartbeatInterval"}},
                               {"attributeStatus": "UnknownComponent",
                                "component": {"name": "Foo"}, "variable": {"name": "Bar"}}]})
    assert trip.action == "GetVariables"
    assert trip.result.data == {"configuration_key": [
        {"key": "HeartbeatInterval", "value": "300", "readonly": False}],
        "unknown_key": ["Foo.Bar"]}
    trip = await roundtrip(runtime, cs, cmd.ChangeConfiguration("MeterValueSampleInterval", "30"),
                           {"setVariableResult": [{"attributeStatus": "Accepted",
                                                   "component": {"name": "SampledDataCtrlr"},
                                                   "variable": {"name": "TxUpdatedInterval"}}]})
    assert trip.payload["setVariableData"][0]["component"] == {"name": "SampledDataCtrlr"}
    assert trip.result.status == "Accepted"
    with runtime.sessions() as s:
        keys = dict(s.execute(select(StationConfigurationKey.key, StationConfigurationKey.value)
                              .where(StationConfigurationKey.station_id == "CS1")).all())
    assert keys == {"HeartbeatInterval": "300", "MeterValueSampleInterval": "30"}
    with pytest.raises(InvalidInputError, match=r"no OCPP 2\.0\.1 equivalent"):
        await runtime.commands.send("CS1", cmd.ChangeConfiguration("NoSuchKey", "1"))


@pytest.mark.parametrize(("kind", "wire"), [("Soft", "OnIdle"), ("Hard", "Immediate")])
async def test_reset(cs: RawStation201, runtime: Runtime, kind: str, wire: str) -> None:
    """TC_B_11/TC_B_12: Reset OnIdle and Immediate from the neutral Soft/Hard."""
    trip = await roundtrip(runtime, cs, cmd.Reset(kind), {"status": "Accepted"})  # type: ignore[arg-type]
    assert (trip.action, trip.payload, trip.result.status) == ("Reset", {"type": wire},
                                                               "Accepted")


async def test_rpc_errors_use_the_201_codes(cs: RawStation201) -> None:
    """OCPP-J 2.0.1 error codes: FormatViolation, OccurrenceConstraintViolation,
    MessageTypeNotSupported; unknown action NotImplemented; a CSMS-only action NotSupported."""
    bad_json = await cs.send_raw('[2, "j1", "Heartbeat", {')
    assert bad_json[:3] == [4, "j1", "FormatViolation"]
    missing = await cs.call("StatusNotification", {"evseId": 1, "connectorId": 1,
                                                   "connectorStatus": "Available"})
    assert missing[2] == "OccurrenceConstraintViolation"
    wrong_type = await cs.send_raw('[7, "k1", "Heartbeat", {}]')
    assert wrong_type[:3] == [4, "k1", "MessageTypeNotSupported"]
    unknown = await cs.call("StartTransaction", {})
    assert unknown[2] == "NotImplemented"
    csms_only = await cs.call("RequestStartTransaction", {})
    assert csms_only[2] == "NotSupported"
    enum = await cs.call("StatusNotification", {"evseId": 1, "connectorId": 1,
                                                "connectorStatus": "Charging",
                                                "timestamp": now_utc().isoformat()})
    assert enum[2] == "PropertyConstraintViolation"
    extra = await cs.call("Heartbeat", {"unexpected": 1})
    assert extra[2] == "FormatViolation"
