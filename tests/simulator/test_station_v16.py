"""A simulated 1.6 station against a central system written with the `ocpp` library."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from ocpp.v16 import call

from chargegrid.simulator import SimulatedStation, Vehicle
from chargegrid.simulator.connector import ConnectorStatus
from tests.simulator.central import Central
from tests.simulator.helpers import fast_station, online


@pytest_asyncio.fixture
async def station(central: Central) -> AsyncIterator[SimulatedStation]:
    async with online(fast_station("SIM1", central.url)) as st:
        yield st


async def charging(st: SimulatedStation, central: Central, cid: int = 1,
                   vehicle: Vehicle | None = None) -> int:
    await st.plug_in(cid, vehicle or Vehicle(phases=3, max_current=16, soc=0.2))
    assert await st.present_tag(cid, "TAG1")
    await st.wait_for(lambda s: s.transaction_id(cid) is not None)
    tx_id = st.transaction_id(cid)
    assert tx_id is not None
    return tx_id


@pytest.mark.asyncio
async def test_boot_and_status_for_connector_zero_and_each(station: SimulatedStation,
                                                           central: Central) -> None:
    await central.wait(lambda: len(central.record.of("StatusNotification")) >= 3)
    boot = central.record.of("BootNotification")[0]
    assert boot["charge_point_vendor"] == "ChargeGrid"
    statuses = central.record.of("StatusNotification")
    assert [s["connector_id"] for s in statuses[:3]] == [0, 1, 2]
    assert all(s["status"] == "Available" for s in statuses[:3])
    assert all(s["timestamp"].endswith("Z") for s in statuses)
    assert central.paths == ["/ocpp/SIM1"]
    assert station.results["BootNotification"].status == "Accepted"


@pytest.mark.asyncio
async def test_remote_start_meter_values_per_phase(station: SimulatedStation,
                                                   central: Central) -> None:
    await station.plug_in(1, Vehicle(phases=3, max_current=16, soc=0.2))
    point = await central.point("SIM1")
    result = await point.call(call.RemoteStartTransaction(id_tag="TAG1", connector_id=1))
    assert result.status == "Accepted"
    await station.wait_for(lambda s: s.status(1) is ConnectorStatus.CHARGING
                           and s.transaction_id(1) is not None)
    tx_id = station.transaction_id(1)
    await central.wait(lambda: len(central.record.of("MeterValues")) >= 2)
    meter = central.record.of("MeterValues")[-1]
    assert meter["transaction_id"] == tx_id
    values = meter["meter_value"][0]["sampled_value"]
    currents = {v["phase"]: float(v["value"]) for v in values if v["measurand"] == "Current.Import"}
    assert currents == {"L1": 16.0, "L2": 16.0, "L3": 16.0}
    assert all(v["context"] == "Sample.Periodic" for v in values)
    energy = [v for v in values if v["measurand"] == "Energy.Active.Import.Register"]
    assert energy[0]["unit"] == "Wh"
    power = [v for v in values if v["measurand"] == "Power.Active.Import"]
    assert float(power[0]["value"]) == pytest.approx(3 * 16 * 230)
    assert central.record.of("StartTransaction")[0]["id_tag"] == "TAG1"


@pytest.mark.asyncio
async def test_tx_profile_at_10_amps_is_followed(station: SimulatedStation,
                                                 central: Central) -> None:
    tx_id = await charging(station, central)
    assert station.currents(1) == (16.0, 16.0, 16.0)
    point = await central.point("SIM1")
    profile = {
        "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative", "transactionId": tx_id,
        "chargingSchedule": {"chargingRateUnit": "A",
                             "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10}]},
    }
    result = await point.call(call.SetChargingProfile(connector_id=1,
                                                      cs_charging_profiles=profile))
    assert result.status == "Accepted"
    await station.wait_for(lambda s: s.currents(1) == (10.0, 10.0, 10.0))

    def meter_shows_10() -> bool:
        meters = central.record.of("MeterValues")
        if not meters:
            return False
        last = meters[-1]["meter_value"][0]["sampled_value"]
        return all(float(v["value"]) == 10.0 for v in last if v["measurand"] == "Current.Import")

    await central.wait(meter_shows_10)
    low = dict(profile, chargingSchedule={"chargingRateUnit": "W", "chargingSchedulePeriod": [
        {"startPeriod": 0, "limit": 1000}]})
    await point.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=low))
    await station.wait_for(lambda s: s.status(1) is ConnectorStatus.SUSPENDED_EVSE)
    await central.wait(lambda: central.record.of("StatusNotification")[-1]["status"]
                       == "SuspendedEVSE")


@pytest.mark.asyncio
async def test_reconnects_after_server_restart(station: SimulatedStation,
                                               central: Central) -> None:
    await central.stop()
    await station.wait_for(lambda s: not s.online)
    await central.start()
    await station.wait_for(lambda s: s.online and s.connections == 2)
    assert len(central.record.of("BootNotification")) == 2


@pytest.mark.asyncio
async def test_transaction_messages_queued_offline_are_delivered_in_order(
        station: SimulatedStation, central: Central) -> None:
    tx_id = await charging(station, central)
    await central.stop()
    await station.wait_for(lambda s: not s.online)
    mark = len(central.record.messages)
    await station.wait_for(lambda s: s.queued >= 3)
    await station.unplug(1)
    queued = station.queued
    await central.start()
    await central.wait(lambda: central.record.of("StopTransaction"))
    after = [(a, p) for _, a, p in central.record.messages[mark:]
             if a in ("MeterValues", "StopTransaction")]
    assert len(after) >= queued
    assert [a for a, _ in after][-1] == "StopTransaction"
    assert all(p["transaction_id"] == tx_id for _, p in after)
    stop = after[-1][1]
    assert stop["reason"] == "EVDisconnected"
    stamps = [p["meter_value"][0]["timestamp"] for a, p in after if a == "MeterValues"]
    assert stamps == sorted(stamps)
    await station.wait_for(lambda s: s.queued == 0)
