"""A simulated 2.0.1 station against a central system written with the `ocpp` library (v201).

Intervals are short (0.1 s TxUpdatedInterval) and every wait is on a condition with a
timeout, so the tests are fast and do not depend on timing luck.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from ocpp.v201 import call
from typer.testing import CliRunner

from chargegrid.cli.sim import app
from chargegrid.simulator import Fleet, SimulatedStation, Vehicle
from chargegrid.simulator.connector import ConnectorStatus
from chargegrid.simulator.profiles import (
    ChargingSchedule,
    Limit,
    RateUnit,
    SchedulePeriod,
    period_limit,
)
from tests.simulator.central201 import Central201
from tests.simulator.helpers import fast_station, online, serving


@pytest_asyncio.fixture
async def central() -> AsyncIterator[Central201]:
    async with serving(Central201()) as server:
        yield server


def make_station(central: Central201, **kw: Any) -> SimulatedStation:
    return fast_station("SIM201", central.url, ocpp="2.0.1", **kw)


@pytest_asyncio.fixture
async def station(central: Central201) -> AsyncIterator[SimulatedStation]:
    async with online(make_station(central)) as st:
        yield st


async def remote_start(st: SimulatedStation, central: Central201, evse: int = 1,
                       vehicle: Vehicle | None = None, **kw: Any) -> str:
    await st.plug_in(evse, vehicle or Vehicle(phases=3, max_current=16, soc=0.2))
    point = await central.point201(st.station_id)
    result = await point.call(call.RequestStartTransaction(
        id_token={"idToken": "TAG1", "type": "ISO14443"}, remote_start_id=42, evse_id=evse,
        **kw))
    assert result.status == "Accepted"
    await st.wait_for(lambda s: s.transaction_uid(evse) is not None)
    uid = st.transaction_uid(evse)
    assert uid is not None
    return uid


def currents_of(event: dict[str, Any]) -> dict[str, float]:
    values = event["meter_value"][0]["sampled_value"]
    return {v["phase"]: float(v["value"]) for v in values
            if v.get("measurand") == "Current.Import"}


def updated_with_meter(central: Central201) -> list[dict[str, Any]]:
    return [e for e in central.events()
            if e["event_type"] == "Updated" and e.get("meter_value")]


def last_currents(central: Central201) -> dict[str, float]:
    """Per-phase currents of the latest periodic Updated event ({} before the first)."""
    events = updated_with_meter(central)
    return currents_of(events[-1]) if events else {}


def last_event_type(central: Central201) -> str | None:
    events = central.events()
    return str(events[-1]["event_type"]) if events else None


def variable(component: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"component": {"name": component}, "variable": {"name": name}, **extra}


# -- boot, status ----------------------------------------------------------------------------


async def test_boot_and_status_per_evse(station: SimulatedStation,
                                        central: Central201) -> None:
    await central.wait(lambda: len(central.record.of("StatusNotification")) >= 2)
    boot = central.record.of("BootNotification")[0]
    assert boot["reason"] == "PowerUp"
    assert boot["charging_station"]["vendor_name"] == "ChargeGrid"
    assert boot["charging_station"]["model"] == "SimCharger"
    statuses = central.record.of("StatusNotification")
    assert [(s["evse_id"], s["connector_id"]) for s in statuses[:2]] == [(1, 1), (2, 1)]
    assert all(s["connector_status"] == "Available" for s in statuses[:2])
    assert all(s["timestamp"].endswith("Z") for s in statuses)
    assert central.paths == ["/ocpp/SIM201"]
    assert station.results["BootNotification"].status == "Accepted"
    assert station.configuration("OCPPCommCtrlr.HeartbeatInterval") == "300"
    assert station.transaction_id(1) is None and station.transaction_uid(1) is None


async def test_unsupported_version_is_refused() -> None:
    with pytest.raises(ValueError, match="not supported"):
        SimulatedStation("X", "ws://127.0.0.1:9/ocpp", ocpp="2.1")


# -- transactions ----------------------------------------------------------------------------


async def test_remote_start_started_seq0_then_updated_per_phase(
        station: SimulatedStation, central: Central201) -> None:
    uid = await remote_start(station, central)
    await station.wait_for(lambda s: s.status(1) is ConnectorStatus.CHARGING)
    await central.wait(lambda: len(updated_with_meter(central)) >= 2)
    events = central.events()
    started = events[0]
    assert started["event_type"] == "Started"
    assert started["seq_no"] == 0
    assert started["trigger_reason"] == "RemoteStart"
    assert started["transaction_info"]["transaction_id"] == uid
    assert started["transaction_info"]["remote_start_id"] == 42
    assert started["evse"] == {"id": 1, "connector_id": 1}
    assert started["id_token"] == {"id_token": "TAG1", "type": "ISO14443"}
    assert "offline" not in started
    assert [e["seq_no"] for e in events] == list(range(len(events)))
    assert all(e["transaction_info"]["transaction_id"] == uid for e in events)
    assert any(e["trigger_reason"] == "ChargingStateChanged"
               and e["transaction_info"]["charging_state"] == "Charging" for e in events)
    periodic = updated_with_meter(central)[-1]
    assert periodic["trigger_reason"] == "MeterValuePeriodic"
    assert currents_of(periodic) == {"L1": 16.0, "L2": 16.0, "L3": 16.0}
    values = periodic["meter_value"][0]["sampled_value"]
    assert all(v["context"] == "Sample.Periodic" for v in values)
    energy = [v for v in values if v["measurand"] == "Energy.Active.Import.Register"]
    assert energy[0]["unit_of_measure"]["unit"] == "Wh"
    power = [v for v in values if v["measurand"] == "Power.Active.Import"]
    assert float(power[0]["value"]) == pytest.approx(3 * 16 * 230)
    occupied = [s for s in central.record.of("StatusNotification")
                if s["evse_id"] == 1 and s["connector_status"] == "Occupied"]
    assert occupied


async def test_local_tag_authorizes_with_iso14443_token(station: SimulatedStation,
                                                        central: Central201) -> None:
    await station.plug_in(2, Vehicle(phases=1, max_current=32))
    assert await station.present_tag(2, "TAG2")
    await central.wait(lambda: central.events())
    authorize = central.record.of("Authorize")[0]
    assert authorize["id_token"] == {"id_token": "TAG2", "type": "ISO14443"}
    started = central.events()[0]
    assert started["trigger_reason"] == "Authorized"
    assert started["evse"]["id"] == 2
    assert not await station.present_tag(1, "BAD")
    assert await station.present_tag(2, "TAG2")  # the owner's card stops it
    await central.wait(lambda: last_event_type(central) == "Ended")
    ended = central.events()[-1]
    assert ended["transaction_info"]["stopped_reason"] == "Local"
    assert ended["trigger_reason"] == "StopAuthorized"


async def test_request_stop_ends_with_reason_remote(station: SimulatedStation,
                                                    central: Central201) -> None:
    uid = await remote_start(station, central)
    point = await central.point201("SIM201")
    assert (await point.call(call.RequestStopTransaction(transaction_id="nope"))).status \
        == "Rejected"
    result = await point.call(call.RequestStopTransaction(transaction_id=uid))
    assert result.status == "Accepted"
    await central.wait(lambda: last_event_type(central) == "Ended")
    ended = central.events()[-1]
    assert ended["transaction_info"]["stopped_reason"] == "Remote"
    assert ended["transaction_info"]["transaction_id"] == uid
    assert ended["trigger_reason"] == "RemoteStop"
    end_values = ended["meter_value"][0]["sampled_value"]
    assert end_values[0]["context"] == "Transaction.End"
    assert station.transaction_uid(1) is None
    seqs = [e["seq_no"] for e in central.events()]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


# -- smart charging --------------------------------------------------------------------------


def tx_profile(uid: str | None, limit: float, *, profile_id: int = 1, unit: str = "A",
               **period: Any) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "id": profile_id, "stackLevel": 0, "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": [{"id": 1, "chargingRateUnit": unit, "chargingSchedulePeriod": [
            {"startPeriod": 0, "limit": limit, **period}]}],
    }
    if uid is not None:
        profile["transactionId"] = uid
    return profile


async def test_tx_profile_at_10_amps_is_followed(station: SimulatedStation,
                                                 central: Central201) -> None:
    uid = await remote_start(station, central)
    await station.wait_for(lambda s: s.currents(1) == (16.0, 16.0, 16.0))
    point = await central.point201("SIM201")
    missing_tx = await point.call(call.SetChargingProfile(
        evse_id=1, charging_profile=tx_profile(None, 10)))
    assert missing_tx.status == "Rejected"
    result = await point.call(call.SetChargingProfile(evse_id=1,
                                                      charging_profile=tx_profile(uid, 10)))
    assert result.status == "Accepted"
    await station.wait_for(lambda s: s.currents(1) == (10.0, 10.0, 10.0))
    await central.wait(lambda: last_currents(central)
                       == {"L1": 10.0, "L2": 10.0, "L3": 10.0})
    low = tx_profile(uid, 1000, unit="W")
    assert (await point.call(call.SetChargingProfile(evse_id=1, charging_profile=low))).status \
        == "Accepted"
    await station.wait_for(lambda s: s.status(1) is ConnectorStatus.SUSPENDED_EVSE)
    await central.wait(lambda: any(e["transaction_info"].get("charging_state")
                                   == "SuspendedEVSE" for e in central.events()))


async def test_phase_to_use_moves_a_one_phase_limit(station: SimulatedStation,
                                                    central: Central201) -> None:
    uid = await remote_start(station, central)
    point = await central.point201("SIM201")
    bad = tx_profile(uid, 10, numberPhases=3, phaseToUse=2)
    assert (await point.call(call.SetChargingProfile(evse_id=1, charging_profile=bad))).status \
        == "Rejected"
    one_phase = tx_profile(uid, 10, numberPhases=1, phaseToUse=2)
    result = await point.call(call.SetChargingProfile(evse_id=1, charging_profile=one_phase))
    assert result.status == "Accepted"
    await station.wait_for(lambda s: s.currents(1) == (0.0, 10.0, 0.0))
    assert station.offered_limit(1).phases == 1
    await central.wait(lambda: last_currents(central)
                       == {"L1": 0.0, "L2": 10.0, "L3": 0.0})
    # without phaseToUse a 1-phase limit stays on L1
    plain = tx_profile(uid, 8, numberPhases=1)
    await point.call(call.SetChargingProfile(evse_id=1, charging_profile=plain))
    await station.wait_for(lambda s: s.currents(1) == (8.0, 0.0, 0.0))


async def test_station_max_profile_composite_report_and_clear(station: SimulatedStation,
                                                              central: Central201) -> None:
    await remote_start(station, central)
    point = await central.point201("SIM201")
    cap = {"id": 7, "stackLevel": 0, "chargingProfilePurpose": "ChargingStationMaxProfile",
           "chargingProfileKind": "Absolute",
           "chargingSchedule": [{"id": 1, "chargingRateUnit": "A",
                                 "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 12}]}]}
    assert (await point.call(call.SetChargingProfile(evse_id=1, charging_profile=cap))).status \
        == "Rejected"
    assert (await point.call(call.SetChargingProfile(evse_id=0, charging_profile=cap))).status \
        == "Accepted"
    await station.wait_for(lambda s: s.currents(1) == (12.0, 12.0, 12.0))
    comp = await point.call(call.GetCompositeSchedule(duration=600, evse_id=1))
    assert comp.status == "Accepted"
    assert comp.schedule["charging_schedule_period"][0]["limit"] == 12.0
    report = await point.call(call.GetChargingProfiles(
        request_id=5, charging_profile={"chargingProfilePurpose": "ChargingStationMaxProfile"}))
    assert report.status == "Accepted"
    await central.wait(lambda: central.record.of("ReportChargingProfiles"))
    reported = central.record.of("ReportChargingProfiles")[0]
    assert reported["request_id"] == 5 and reported["evse_id"] == 0
    assert reported["charging_profile"][0]["id"] == 7
    cleared = await point.call(call.ClearChargingProfile(charging_profile_id=7))
    assert cleared.status == "Accepted"
    await station.wait_for(lambda s: s.currents(1) == (16.0, 16.0, 16.0))
    none = await point.call(call.GetChargingProfiles(request_id=6, charging_profile={}))
    assert none.status == "NoProfiles"


async def test_request_start_with_charging_profile(station: SimulatedStation,
                                                   central: Central201) -> None:
    profile = tx_profile(None, 9)
    await remote_start(station, central, charging_profile=profile)
    await station.wait_for(lambda s: s.currents(1) == (9.0, 9.0, 9.0))


# -- offline -------------------------------------------------------------------------------


async def test_offline_events_are_queued_and_delivered_in_order(
        station: SimulatedStation, central: Central201) -> None:
    uid = await remote_start(station, central)
    await central.wait(lambda: len(updated_with_meter(central)) >= 1)
    await central.stop()
    await station.wait_for(lambda s: not s.online)
    mark = len(central.record.messages)
    await station.wait_for(lambda s: s.queued >= 3)
    await station.unplug(1)
    queued = station.queued
    await central.start()
    await central.wait(lambda: last_event_type(central) == "Ended")
    after = [p for _, a, p in central.record.messages[mark:] if a == "TransactionEvent"]
    assert len(after) >= queued
    # events made before the station noticed the outage are not flagged; all later ones are
    flags = [e.get("offline", False) for e in after]
    assert flags == sorted(flags) and sum(flags) >= 3 and flags[-1] is True
    assert all(e["transaction_info"]["transaction_id"] == uid for e in after)
    assert after[-1]["transaction_info"]["stopped_reason"] == "EVDisconnected"
    # in order and none lost; one sent as the link died may arrive twice (at-least-once)
    seqs = [e["seq_no"] for e in central.events()]
    assert seqs == sorted(seqs) and sorted(set(seqs)) == list(range(seqs[-1] + 1))
    stamps = [e["timestamp"] for e in after]
    assert stamps == sorted(stamps)
    await station.wait_for(lambda s: s.queued == 0)
    assert station.connections == 2


# -- device model ----------------------------------------------------------------------------


async def test_get_and_set_variables(station: SimulatedStation, central: Central201) -> None:
    point = await central.point201("SIM201")
    got = await point.call(call.GetVariables(get_variable_data=[
        variable("OCPPCommCtrlr", "HeartbeatInterval"),
        variable("SampledDataCtrlr", "TxUpdatedInterval"),
        variable("SecurityCtrlr", "BasicAuthPassword"),
        variable("NoSuchCtrlr", "X"),
        variable("OCPPCommCtrlr", "NoSuchVariable"),
        variable("OCPPCommCtrlr", "HeartbeatInterval", attributeType="Target"),
        {"component": {"name": "EVSE", "evse": {"id": 1}},
         "variable": {"name": "AvailabilityState"}},
    ]))
    results = got.get_variable_result
    assert [r["attribute_status"] for r in results] == [
        "Accepted", "Accepted", "Rejected", "UnknownComponent", "UnknownVariable",
        "NotSupportedAttributeType", "Accepted"]
    assert results[0]["attribute_value"] == "300"
    assert results[1]["attribute_value"] == "0.1"
    assert "attribute_value" not in results[2]
    assert results[6]["attribute_value"] == "Available"
    changed = await point.call(call.SetVariables(set_variable_data=[
        variable("SampledDataCtrlr", "TxUpdatedInterval", attributeValue="0.2"),
        variable("OCPPCommCtrlr", "HeartbeatInterval", attributeValue="abc"),
        variable("ChargingStation", "Model", attributeValue="Other"),
        variable("NoSuchCtrlr", "X", attributeValue="1"),
    ]))
    assert [r["attribute_status"] for r in changed.set_variable_result] == [
        "Accepted", "Rejected", "Rejected", "UnknownComponent"]
    assert station.configuration("SampledDataCtrlr.TxUpdatedInterval") == "0.2"


async def test_set_basic_auth_password_is_used_at_next_reconnect(central: Central201) -> None:
    st = make_station(central, password="initial-password-1")
    await st.start()
    try:
        await st.wait_online()
        point = await central.point201("SIM201")
        short = await point.call(call.SetVariables(set_variable_data=[
            variable("SecurityCtrlr", "BasicAuthPassword", attributeValue="short")]))
        assert short.set_variable_result[0]["attribute_status"] == "Rejected"
        new = "a-new-password-of-24-chr"
        result = await point.call(call.SetVariables(set_variable_data=[
            variable("SecurityCtrlr", "BasicAuthPassword", attributeValue=new)]))
        assert result.set_variable_result[0]["attribute_status"] == "Accepted"
        await central.wait(lambda: central.record.of("SecurityEventNotification"))
        await st.disconnect()
        await st.wait_for(lambda s: s.online and s.connections == 2)
        expected = [base64.b64encode(f"SIM201:{pw}".encode()).decode()
                    for pw in ("initial-password-1", new)]
        assert central.auth_headers == [f"Basic {token}" for token in expected]
    finally:
        await st.stop()


async def test_get_base_report_sends_notify_report(station: SimulatedStation,
                                                   central: Central201) -> None:
    point = await central.point201("SIM201")
    result = await point.call(call.GetBaseReport(request_id=9, report_base="FullInventory"))
    assert result.status == "Accepted"
    await central.wait(lambda: central.record.of("NotifyReport")
                       and not central.record.of("NotifyReport")[-1].get("tbc"))
    reports = central.record.of("NotifyReport")
    assert [r["seq_no"] for r in reports] == list(range(len(reports)))
    assert all(r["request_id"] == 9 for r in reports)
    data = [d for r in reports for d in r["report_data"]]
    by_name = {(d["component"]["name"], d["variable"]["name"]): d for d in data}
    heartbeat = by_name[("OCPPCommCtrlr", "HeartbeatInterval")]["variable_attribute"][0]
    assert heartbeat["value"] == "300" and heartbeat["mutability"] == "ReadWrite"
    password = by_name[("SecurityCtrlr", "BasicAuthPassword")]["variable_attribute"][0]
    assert "value" not in password and password["mutability"] == "WriteOnly"
    assert ("SampledDataCtrlr", "TxUpdatedInterval") in by_name
    config = await point.call(call.GetBaseReport(request_id=10,
                                                 report_base="ConfigurationInventory"))
    assert config.status == "Accepted"
    await central.wait(lambda: any(r["request_id"] == 10
                                   for r in central.record.of("NotifyReport")))
    config_data = [d for r in central.record.of("NotifyReport") if r["request_id"] == 10
                   for d in r["report_data"]]
    assert all(d["variable_attribute"][0]["mutability"] != "ReadOnly" for d in config_data)


# -- other commands --------------------------------------------------------------------------


async def test_availability_unlock_trigger_and_reset(station: SimulatedStation,
                                                     central: Central201) -> None:
    point = await central.point201("SIM201")
    off = await point.call(call.ChangeAvailability(operational_status="Inoperative",
                                                   evse={"id": 2}))
    assert off.status == "Accepted"
    await central.wait(lambda: any(s["evse_id"] == 2 and s["connector_status"] == "Unavailable"
                                   for s in central.record.of("StatusNotification")))
    uid = await remote_start(station, central)
    unlock = await point.call(call.UnlockConnector(evse_id=1, connector_id=1))
    assert unlock.status == "OngoingAuthorizedTransaction"
    assert (await point.call(call.UnlockConnector(evse_id=9, connector_id=1))).status \
        == "UnknownConnector"
    trig = await point.call(call.TriggerMessage(requested_message="TransactionEvent",
                                                evse={"id": 1}))
    assert trig.status == "Accepted"
    await central.wait(lambda: any(e["trigger_reason"] == "Trigger" for e in central.events()))
    reset = await point.call(call.Reset(type="OnIdle"))
    assert reset.status == "Scheduled"
    immediate = await point.call(call.Reset(type="Immediate"))
    assert immediate.status == "Accepted"
    await central.wait(lambda: len(central.record.of("BootNotification")) == 2)
    ended = [e for e in central.events() if e["event_type"] == "Ended"]
    assert ended[0]["transaction_info"]["transaction_id"] == uid
    assert ended[0]["transaction_info"]["stopped_reason"] == "ImmediateReset"
    assert central.record.of("BootNotification")[1]["reason"] == "RemoteReset"
    await station.wait_online()


async def test_firmware_log_local_list_reservation_data_transfer(
        station: SimulatedStation, central: Central201) -> None:
    point = await central.point201("SIM201")
    fw = await point.call(call.UpdateFirmware(request_id=3, firmware={
        "location": "https://example.invalid/fw.bin",
        "retrieveDateTime": "2020-01-01T00:00:00Z"}))
    assert fw.status == "Accepted"
    log = await point.call(call.GetLog(log={"remoteLocation": "https://example.invalid/up"},
                                       log_type="DiagnosticsLog", request_id=4))
    assert log.status == "Accepted" and log.filename.startswith("diagnostics-SIM201")
    await central.wait(lambda: [f["status"] for f in
                                central.record.of("FirmwareStatusNotification")]
                       == ["Downloading", "Downloaded", "Installing", "Installed"])
    await central.wait(lambda: [f["status"] for f in central.record.of("LogStatusNotification")]
                       == ["Uploading", "Uploaded"])
    assert all(f["request_id"] == 3 for f in central.record.of("FirmwareStatusNotification"))
    sent = await point.call(call.SendLocalList(version_number=2, update_type="Full",
                                               local_authorization_list=[{
                                                   "idToken": {"idToken": "LOCAL1",
                                                               "type": "ISO14443"},
                                                   "idTokenInfo": {"status": "Accepted"}}]))
    assert sent.status == "Accepted"
    assert (await point.call(call.GetLocalListVersion())).version_number == 2
    reserve = await point.call(call.ReserveNow(
        id=11, expiry_date_time="2999-01-01T00:00:00Z",
        id_token={"idToken": "TAG2", "type": "ISO14443"}, evse_id=2))
    assert reserve.status == "Accepted"
    await central.wait(lambda: any(s["evse_id"] == 2 and s["connector_status"] == "Reserved"
                                   for s in central.record.of("StatusNotification")))
    assert (await point.call(call.CancelReservation(reservation_id=11))).status == "Accepted"
    echo = await point.call(call.DataTransfer(vendor_id="ChargeGrid", data="ping"))
    assert echo.status == "Accepted" and echo.data == "ping"
    assert (await point.call(call.DataTransfer(vendor_id="Other"))).status == "UnknownVendorId"
    assert (await point.call(call.ClearCache())).status == "Accepted"


async def test_fleet_speaks_2_0_1(central: Central201) -> None:
    async with Fleet(central.url, 2, prefix="F", ocpp="2.0.1", meter_interval=0.1,
                     backoff_initial=0.05) as fleet:
        await fleet.wait_online(timeout=5)
        assert fleet.online == 2
    assert sorted(central.paths) == ["/ocpp/F001", "/ocpp/F002"]


def test_cli_accepts_ocpp_2_0_1() -> None:
    result = CliRunner().invoke(app, ["--url", "ws://127.0.0.1:9/ocpp", "--stations", "1",
                                      "--duration", "0.3", "--no-live", "--arrival", "0",
                                      "--ocpp", "2.0.1"])
    assert result.exit_code == 0, result.output
    assert "simulator stopped" in result.output


def test_phase_to_use_in_the_neutral_model() -> None:
    """phaseToUse survives capping only while the limit stays 1-phase; 1.6 never sets it."""
    sched = ChargingSchedule(RateUnit.A, (SchedulePeriod(0, 10, 1, 3),))
    one = period_limit(sched, sched.periods[0])
    assert (one.amps, one.phases, one.phase_to_use) == (10, 1, 3)
    assert Limit(32.0).capped(one).phase_to_use == 3
    assert one.capped(Limit(6.0)).phase_to_use == 3
    three = ChargingSchedule(RateUnit.A, (SchedulePeriod(0, 10, 3, None),))
    assert period_limit(three, three.periods[0]).phase_to_use is None
    assert Limit(10, 1, 2) == Limit(10, 1)  # not part of the comparison
