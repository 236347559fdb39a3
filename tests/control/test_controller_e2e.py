"""The controller running a small site of simulated stations over real OCPP: limits are
pushed as TxProfiles, the simulated physics never exceeds a fuse or the unbalance rule in
steady state, and the capacity is used."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from chargegrid.control.controller import ControllerOptions
from chargegrid.control.profile_plan import PlanOptions
from chargegrid.ems.phases import PHASES, grid_phase, phase_index
from chargegrid.runtime import Runtime
from chargegrid.simulator import SimulatedStation, Vehicle
from chargegrid.store.models import Site, Station
from tests.helpers import seed

LIMITS = {"HV": 63.0, "UV1": 32.0, "UV2": 40.0}
TOPOLOGY = {"format": "chargegrid-scenario/1", "unbalance_limit_a": 20,
            "fallback": {"mode": "zero"},
            "nodes": [{"id": "HV", "limit_a": 63}, {"id": "UV1", "parent": "HV", "limit_a": 32},
                      {"id": "UV2", "parent": "HV", "limit_a": 40}]}
# station id, node, rotation, vehicle
FLEET = [
    ("E1", "UV1", "L1", Vehicle(phases=3, max_current=32, soc=0.2)),
    ("E2", "UV1", "L2", Vehicle(phases=1, max_current=32, soc=0.2)),
    ("E3", "UV1", "L3", Vehicle(phases=3, max_current=16, soc=0.2)),
    ("E4", "UV2", "L1", Vehicle(phases=1, max_current=16, soc=0.2)),
    ("E5", "UV2", "L2", Vehicle(phases=3, max_current=32, soc=0.2)),
    ("E6", "UV2", "L3", Vehicle(phases=1, max_current=32, soc=0.2)),
]


def _node_loads(stations: dict[str, SimulatedStation]) -> dict[str, dict[str, float]]:
    loads = {n: dict.fromkeys(PHASES, 0.0) for n in LIMITS}
    for sid, node, rotation, _ in FLEET:
        currents = stations[sid].currents(1)
        for k, amps in enumerate(currents):
            g = PHASES[grid_phase(phase_index(rotation), "R", k)]
            loads[node][g] += amps
            if node != "HV":
                loads["HV"][g] += amps
    return loads


@pytest.fixture
async def site_runtime(runtime: Runtime) -> AsyncIterator[Runtime]:
    seed(runtime, station_ids=tuple(s[0] for s in FLEET))
    now = datetime.now(UTC)
    with runtime.sessions() as s:
        site = Site(name="test site", topology=TOPOLOGY, mode="static", created_at=now,
                    updated_at=now)
        s.add(site)
        s.flush()
        for sid, node, rotation, _ in FLEET:
            station = s.get(Station, sid)
            assert station is not None
            station.site_id, station.node_id = site.id, node
            station.phase_rotation, station.field_rotation = rotation, "R"
            station.max_current_a = 32.0
        s.commit()
    runtime.control._options = ControllerOptions(  # a fast loop for the test
        period_s=0.5, debounce_s=0.05, plan=PlanOptions(step_a=0.5, validity_s=30))
    await runtime.start_control()
    yield runtime


async def test_site_stays_within_fuses_and_uses_capacity(site_runtime: Runtime,
                                                        ocpp_url: str) -> None:
    stations = {sid: SimulatedStation(sid, ocpp_url, connectors=1, meter_interval=0.1,
                                      backoff_initial=0.05, backoff_max=0.2)
                for sid, *_ in FLEET}
    try:
        for st in stations.values():
            await st.start()
        for st in stations.values():
            await st.wait_online()
        for sid, _, _, vehicle in FLEET:
            await stations[sid].plug_in(1, vehicle)
            assert await stations[sid].present_tag(1, "TAG1")
        # Steady state: every session measured, limits pushed.
        await asyncio.sleep(2.5)
        worst_excess, best_use = -1e9, 0.0
        for _ in range(30):
            loads = _node_loads(stations)
            for node, limit in LIMITS.items():
                for p in PHASES:
                    worst_excess = max(worst_excess, loads[node][p] - limit)
                    best_use = max(best_use, loads[node][p] / limit)
            ev = loads["HV"]
            assert max(ev.values()) - min(ev.values()) <= 20.0 + 0.1
            await asyncio.sleep(0.1)
        assert worst_excess <= 0.05, f"a fuse was exceeded by {worst_excess:.2f} A"
        assert best_use >= 0.9, f"capacity unused: best node-phase at {best_use:.0%}"
        assert all(st.transaction_id(1) is not None for st in stations.values())
    finally:
        await asyncio.gather(*(st.stop() for st in stations.values()))
