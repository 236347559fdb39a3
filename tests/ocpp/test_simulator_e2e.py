"""Our simulator against our server: a session end to end through the neutral command path,
with a TxProfile the simulated vehicle obeys and meter values stored per phase."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from chargegrid.domain.commands import (
    ChargingProfile,
    RemoteStart,
    SchedulePeriod,
    SetChargingProfile,
)
from chargegrid.runtime import Runtime
from chargegrid.simulator import SimulatedStation, Vehicle
from chargegrid.simulator.connector import ConnectorStatus
from chargegrid.store.models import CommandRecord, MeterValue, Transaction
from tests.helpers import seed


async def _stored_currents(runtime: Runtime, tx_id: int) -> None:
    """Wait (bounded) until the server has committed per-phase currents for the session."""
    for _ in range(100):
        with runtime.sessions() as s:
            phases = set(s.scalars(select(MeterValue.phase).where(
                MeterValue.transaction_id == tx_id, MeterValue.measurand == "Current.Import")))
        if {"L1", "L2", "L3"} <= phases:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no per-phase currents stored for transaction {tx_id}")


async def test_remote_start_profile_and_meter_values(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime, station_ids=("SIM1",))
    station = SimulatedStation("SIM1", ocpp_url, connectors=1, meter_interval=0.1,
                               backoff_initial=0.05, backoff_max=0.2, response_timeout=3)
    await station.start()
    try:
        await station.wait_online()
        await station.plug_in(1, Vehicle(phases=3, max_current=32, soc=0.2))
        _, started = await runtime.commands.send("SIM1", RemoteStart(id_tag="TAG1", evse_id=1))
        assert started.status == "Accepted"
        await station.wait_for(lambda s: s.status(1) is ConnectorStatus.CHARGING
                               and s.transaction_id(1) is not None, timeout=5)
        tx_id = station.transaction_id(1)
        assert tx_id is not None
        profile = ChargingProfile(profile_id=7, stack_level=1, purpose="TxProfile",
                                  kind="Relative", unit="A", transaction_id=tx_id,
                                  periods=(SchedulePeriod(start_s=0, limit=10.0),))
        _, applied = await runtime.commands.send("SIM1", SetChargingProfile(evse_id=1,
                                                                            profile=profile))
        assert applied.status == "Accepted"
        await station.wait_for(lambda s: max(s.currents(1)) <= 10.0 + 1e-6, timeout=5)
        assert min(station.currents(1)) > 9.0  # 3-phase vehicle draws the limit on each phase
        await _stored_currents(runtime, tx_id)
        await station.unplug(1)
        await station.wait_for(lambda s: s.transaction_id(1) is None and s.queued == 0, timeout=5)
    finally:
        await station.stop()
    with runtime.sessions() as s:
        tx = s.get(Transaction, tx_id)
        assert tx is not None and tx.state == "ended" and (tx.energy_wh or 0) >= 0
        phases = set(s.scalars(select(MeterValue.phase).where(
            MeterValue.transaction_id == tx_id, MeterValue.measurand == "Current.Import")))
        assert {"L1", "L2", "L3"} <= phases
        outcomes = s.scalars(select(CommandRecord.outcome).order_by(CommandRecord.id)).all()
        assert outcomes == ["accepted", "accepted"]
