"""Central-initiated 1.6 commands, each answered as a real charger would."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from ocpp.v16 import call
from ocpp.v16.enums import RegistrationStatus

from chargegrid.simulator import Fleet, SimulatedStation, TrafficOptions, Vehicle
from chargegrid.simulator.connector import ConnectorStatus
from tests.simulator.central import Central, CentralPoint
from tests.simulator.helpers import fast_station, online


def iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


@pytest_asyncio.fixture
async def station(central: Central) -> AsyncIterator[SimulatedStation]:
    async with online(fast_station("SIM2", central.url)) as st:
        yield st


@pytest_asyncio.fixture
async def point(station: SimulatedStation, central: Central) -> CentralPoint:
    return await central.point("SIM2")


async def start_charging(st: SimulatedStation, cid: int = 1) -> int:
    await st.plug_in(cid, Vehicle(phases=3, max_current=16, soc=0.3))
    assert await st.present_tag(cid, "TAG1")
    await st.wait_for(lambda s: s.transaction_id(cid) is not None)
    return st.transaction_id(cid) or 0


@pytest.mark.asyncio
async def test_configuration_get_and_change(station: SimulatedStation,
                                            point: CentralPoint) -> None:
    got = await point.call(call.GetConfiguration(key=["HeartbeatInterval", "Nope"]))
    assert got.configuration_key == [{"key": "HeartbeatInterval", "readonly": False,
                                      "value": "300"}]
    assert got.unknown_key == ["Nope"]
    full = await point.call(call.GetConfiguration())
    keys = {k["key"] for k in full.configuration_key}
    assert {"MeterValuesSampledData", "AuthorizeRemoteTxRequests", "LocalAuthListEnabled",
            "NumberOfConnectors", "ChargeProfileMaxStackLevel",
            "ChargingScheduleAllowedChargingRateUnit"} <= keys
    assert (await point.call(call.ChangeConfiguration(key="NumberOfConnectors", value="4"))
            ).status == "Rejected"
    assert (await point.call(call.ChangeConfiguration(key="Foo", value="1"))
            ).status == "NotSupported"
    assert (await point.call(call.ChangeConfiguration(key="HeartbeatInterval", value="x"))
            ).status == "Rejected"
    assert (await point.call(call.ChangeConfiguration(key="HeartbeatInterval", value="60"))
            ).status == "Accepted"
    assert station.configuration("HeartbeatInterval") == "60"


@pytest.mark.asyncio
async def test_remote_stop_and_unknown_transaction(station: SimulatedStation,
                                                   point: CentralPoint, central: Central) -> None:
    tx_id = await start_charging(station)
    assert (await point.call(call.RemoteStopTransaction(transaction_id=999))).status == "Rejected"
    assert (await point.call(call.RemoteStopTransaction(transaction_id=tx_id))
            ).status == "Accepted"
    await central.wait(lambda: central.record.of("StopTransaction"))
    stop = central.record.of("StopTransaction")[0]
    assert stop["reason"] == "Remote" and stop["transaction_id"] == tx_id
    assert stop["transaction_data"][0]["sampled_value"][0]["context"] == "Transaction.End"
    await station.wait_for(lambda s: s.status(1) is ConnectorStatus.FINISHING)


@pytest.mark.asyncio
async def test_change_availability_scheduled_while_charging(station: SimulatedStation,
                                                            point: CentralPoint) -> None:
    await start_charging(station)
    result = await point.call(call.ChangeAvailability(connector_id=1, type="Inoperative"))
    assert result.status == "Scheduled"
    assert (await point.call(call.ChangeAvailability(connector_id=2, type="Inoperative"))
            ).status == "Accepted"
    assert station.status(2) is ConnectorStatus.UNAVAILABLE
    await station.unplug(1)
    await station.wait_for(lambda s: s.status(1) is ConnectorStatus.UNAVAILABLE)


@pytest.mark.asyncio
async def test_trigger_messages(station: SimulatedStation, point: CentralPoint,
                                central: Central) -> None:
    for message in ("Heartbeat", "StatusNotification", "MeterValues", "BootNotification",
                    "FirmwareStatusNotification", "DiagnosticsStatusNotification"):
        assert (await point.call(call.TriggerMessage(requested_message=message))
                ).status == "Accepted"
        await central.wait(lambda m=message: central.record.of(m))
    assert central.record.of("FirmwareStatusNotification")[0]["status"] == "Idle"


@pytest.mark.asyncio
async def test_reset_stops_transactions_and_reboots(station: SimulatedStation,
                                                    point: CentralPoint, central: Central) -> None:
    await start_charging(station)
    assert (await point.call(call.Reset(type="Soft"))).status == "Accepted"
    await central.wait(lambda: central.record.of("StopTransaction"))
    assert central.record.of("StopTransaction")[0]["reason"] == "SoftReset"
    await station.wait_for(lambda s: s.connections == 2 and s.online)
    assert len(central.record.of("BootNotification")) == 2


@pytest.mark.asyncio
async def test_firmware_and_diagnostics_walk_their_statuses(
        station: SimulatedStation, point: CentralPoint, central: Central) -> None:
    await point.call(call.UpdateFirmware(location="https://fw.example/x.bin",
                                         retrieve_date=iso(datetime.now(UTC))))
    await central.wait(lambda: len(central.record.of("FirmwareStatusNotification")) == 4)
    assert [m["status"] for m in central.record.of("FirmwareStatusNotification")] == [
        "Downloading", "Downloaded", "Installing", "Installed"]
    result = await point.call(call.GetDiagnostics(location="ftp://diag.example/"))
    assert result.file_name.startswith("diagnostics-SIM2-")
    await central.wait(lambda: len(central.record.of("DiagnosticsStatusNotification")) == 2)


@pytest.mark.asyncio
async def test_local_list_reservation_and_cache(station: SimulatedStation,
                                                point: CentralPoint) -> None:
    full = call.SendLocalList(list_version=3, update_type="Full", local_authorization_list=[
        {"idTag": "LOCAL1", "idTagInfo": {"status": "Accepted"}}])
    assert (await point.call(full)).status == "Accepted"
    assert (await point.call(call.GetLocalListVersion())).list_version == 3
    stale = call.SendLocalList(list_version=2, update_type="Differential")
    assert (await point.call(stale)).status == "VersionMismatch"
    assert station.core.auth.lookup("LOCAL1") is not None
    assert (await point.call(call.ClearCache())).status == "Accepted"
    expiry = iso(datetime.now(UTC) + timedelta(hours=1))
    reserve = call.ReserveNow(connector_id=2, expiry_date=expiry, id_tag="TAG2",
                              reservation_id=7)
    assert (await point.call(reserve)).status == "Accepted"
    assert station.status(2) is ConnectorStatus.RESERVED
    await station.plug_in(2, Vehicle())
    assert not await station.present_tag(2, "TAG1")
    assert (await point.call(call.CancelReservation(reservation_id=7))).status == "Accepted"
    assert (await point.call(call.CancelReservation(reservation_id=7))).status == "Rejected"


@pytest.mark.asyncio
async def test_charge_point_max_profile_shared_and_composite(
        station: SimulatedStation, point: CentralPoint) -> None:
    await start_charging(station, 1)
    await start_charging(station, 2)
    cap = {"chargingProfileId": 9, "stackLevel": 0,
           "chargingProfilePurpose": "ChargePointMaxProfile",
           "chargingProfileKind": "Absolute",
           "chargingSchedule": {"chargingRateUnit": "A", "startSchedule": iso(
               datetime.now(UTC) - timedelta(minutes=1)),
               "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 20}]}}
    bad = await point.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=cap))
    assert bad.status == "Rejected"
    ok = await point.call(call.SetChargingProfile(connector_id=0, cs_charging_profiles=cap))
    assert ok.status == "Accepted"
    await station.wait_for(lambda s: s.currents(1)[0] + s.currents(2)[0] == 20.0)
    comp = await point.call(call.GetCompositeSchedule(connector_id=0, duration=600))
    assert comp.status == "Accepted"
    assert comp.charging_schedule["charging_schedule_period"][0]["limit"] == 20
    assert (await point.call(call.ClearChargingProfile(id=9))).status == "Accepted"
    await station.wait_for(lambda s: s.currents(1) == (16.0, 16.0, 16.0))


@pytest.mark.asyncio
async def test_send_raw_returns_the_reply_frame(station: SimulatedStation) -> None:
    reply = json.loads(await station.send_raw('[2,"raw-1","Heartbeat",{}]'))
    assert reply[0] == 3 and reply[1] == "raw-1" and "currentTime" in reply[2]


@pytest.mark.asyncio
async def test_blocked_tag_is_refused(station: SimulatedStation) -> None:
    await station.plug_in(1, Vehicle())
    assert not await station.present_tag(1, "BAD")
    assert station.status(1) is ConnectorStatus.PREPARING


@pytest.mark.asyncio
async def test_boot_pending_retries_then_basic_auth(central: Central) -> None:
    central.boot_status = RegistrationStatus.pending
    central.interval = 1
    st = SimulatedStation("SIM3", central.url, password="s3cret", backoff_initial=0.05)
    async with st:
        await central.wait(lambda: central.record.of("BootNotification"))
        assert not st.online
        central.boot_status = RegistrationStatus.accepted
        await st.wait_online(timeout=3)
    assert central.auth_headers[0] == "Basic U0lNMzpzM2NyZXQ="


@pytest.mark.asyncio
async def test_fleet_with_traffic(central: Central) -> None:
    traffic = TrafficOptions(mean_arrival=0.05, dwell=(0.2, 0.3), seed=3)
    async with Fleet(central.url, 3, prefix="F", traffic=traffic, meter_interval=0.05,
                     backoff_initial=0.05) as fleet:
        await fleet.wait_online()
        await central.wait(lambda: len(central.record.of("StopTransaction")) >= 2, timeout=5)
    assert {s for s, a, _ in central.record.messages if a == "BootNotification"} == {
        "F001", "F002", "F003"}
