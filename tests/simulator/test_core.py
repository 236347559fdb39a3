"""The protocol-neutral station core with a hand-moved clock: energy, statuses, caps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chargegrid.simulator.clock import ManualClock
from chargegrid.simulator.connector import Connector, ConnectorStatus, Transaction
from chargegrid.simulator.core import StationCore
from chargegrid.simulator.profiles import (
    ChargingProfile,
    ChargingSchedule,
    Kind,
    Purpose,
    RateUnit,
    SchedulePeriod,
)
from chargegrid.simulator.vehicle import Vehicle


class Events:
    def __init__(self) -> None:
        self.statuses: list[tuple[int, ConnectorStatus]] = []
        self.stopped: list[int] = []

    def status_changed(self, connector_id: int, status: ConnectorStatus) -> None:
        self.statuses.append((connector_id, status))

    def transaction_started(self, connector: Connector, tx: Transaction) -> None:
        tx.transaction_id = 1

    def transaction_stopped(self, connector: Connector, tx: Transaction, meter_stop_wh: int,
                            when: datetime) -> None:
        self.stopped.append(meter_stop_wh)

    async def authorize(self, id_tag: str) -> bool:
        return id_tag == "OK"


@pytest.mark.asyncio
async def test_energy_follows_the_clock_and_full_battery_suspends() -> None:
    clock = ManualClock(datetime(2025, 1, 1, tzinfo=UTC))
    events = Events()
    core = StationCore("C1", connectors=1, clock=clock, events=events)
    core.plug_in(1, Vehicle(phases=3, max_current=16, capacity_kwh=11.04, soc=0.5,
                            taper_from_soc=1.0))
    assert await core.present_tag(1, "OK")
    assert core.connector(1).status is ConnectorStatus.CHARGING
    clock.advance(1800)
    core.update()
    assert core.connector(1).energy_wh == pytest.approx(5520.0)
    clock.advance(600)
    core.update()
    assert core.connector(1).status is ConnectorStatus.SUSPENDED_EV
    core.unplug(1)
    assert events.stopped == [5520]
    assert [s for _, s in events.statuses][-3:] == [
        ConnectorStatus.CHARGING, ConnectorStatus.SUSPENDED_EV, ConnectorStatus.AVAILABLE]


@pytest.mark.asyncio
async def test_default_profile_below_minimum_suspends_evse() -> None:
    clock = ManualClock(datetime(2025, 1, 1, tzinfo=UTC))
    core = StationCore("C2", connectors=2, clock=clock, events=Events())
    sched = ChargingSchedule(RateUnit.A, (SchedulePeriod(0, 5),))
    core.profiles.install(ChargingProfile(1, 0, Purpose.TX_DEFAULT, Kind.RELATIVE, sched))
    core.plug_in(2, Vehicle())
    assert await core.present_tag(2, "OK")
    assert core.connector(2).currents == (0.0, 0.0, 0.0)
    assert core.connector(2).status is ConnectorStatus.SUSPENDED_EVSE
    assert not await core.present_tag(1, "NO")
