"""Our simulator against our server over OCPP 2.0.1: remote start through the neutral command
path, a TxProfile with phaseToUse the simulated vehicle obeys, per-phase meter values stored,
and the session ended by unplugging."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from chargegrid.domain.commands import (
    ChargingProfile,
    PhasedSchedulePeriod,
    RemoteStart,
    SetChargingProfile,
)
from chargegrid.runtime import Runtime
from chargegrid.simulator import SimulatedStation, Vehicle
from chargegrid.simulator.connector import ConnectorStatus
from chargegrid.store.models import MeterValue, Transaction
from tests.helpers import seed


async def _server_transaction(runtime: Runtime, uid: str) -> int:
    """Wait (bounded) until the server has stored the station's transaction; its id."""
    for _ in range(100):
        with runtime.sessions() as s:
            tx_id = s.scalar(select(Transaction.id).where(Transaction.uid == uid))
        if tx_id is not None:
            return tx_id
        await asyncio.sleep(0.05)
    raise AssertionError(f"transaction {uid} never stored")


async def _stored_phases(runtime: Runtime, tx_id: int, wanted: set[str]) -> None:
    for _ in range(100):
        with runtime.sessions() as s:
            phases = set(s.scalars(select(MeterValue.phase).where(
                MeterValue.transaction_id == tx_id, MeterValue.measurand == "Current.Import")))
        if wanted <= phases:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {wanted} currents stored for transaction {tx_id}")


async def test_simulator_2_0_1_against_our_server(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime, station_ids=("SIM201",))
    station = SimulatedStation("SIM201", ocpp_url, connectors=1, ocpp="2.0.1",
                               meter_interval=0.1, backoff_initial=0.05, backoff_max=0.2,
                               response_timeout=3)
    await station.start()
    try:
        await station.wait_online()
        await station.plug_in(1, Vehicle(phases=3, max_current=32, soc=0.2))
        _, started = await runtime.commands.send("SIM201", RemoteStart(id_tag="TAG1", evse_id=1))
        assert started.status == "Accepted"
        await station.wait_for(lambda s: s.status(1) is ConnectorStatus.CHARGING
                               and s.transaction_uid(1) is not None, timeout=5)
        uid = station.transaction_uid(1)
        assert uid is not None
        tx_id = await _server_transaction(runtime, uid)
        await _stored_phases(runtime, tx_id, {"L1", "L2", "L3"})
        profile = ChargingProfile(
            profile_id=7, stack_level=1, purpose="TxProfile", kind="Relative", unit="A",
            transaction_id=tx_id,
            periods=(PhasedSchedulePeriod(start_s=0, limit=10.0, number_phases=1,
                                          phase_to_use=2),))
        _, applied = await runtime.commands.send("SIM201", SetChargingProfile(evse_id=1,
                                                                              profile=profile))
        assert applied.status == "Accepted"
        await station.wait_for(lambda s: s.currents(1) == (0.0, 10.0, 0.0), timeout=5)
        await station.unplug(1)
        await station.wait_for(lambda s: s.transaction_uid(1) is None and s.queued == 0,
                               timeout=5)
        for _ in range(100):
            with runtime.sessions() as s:
                tx = s.get(Transaction, tx_id)
                assert tx is not None
                if tx.state == "ended":
                    break
            await asyncio.sleep(0.05)
    finally:
        await station.stop()
    with runtime.sessions() as s:
        tx = s.get(Transaction, tx_id)
        assert tx is not None and tx.state == "ended"
        assert tx.stop_reason == "EVDisconnected"
