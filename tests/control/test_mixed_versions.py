"""The EMS drives 1.6 and 2.0.1 stations the same way: both get live TxProfiles and their
vehicles follow them, sharing one fuse."""

from __future__ import annotations

from datetime import UTC, datetime

from chargegrid.control.controller import ControllerOptions
from chargegrid.control.profile_plan import PlanOptions
from chargegrid.runtime import Runtime
from chargegrid.simulator import SimulatedStation, Vehicle
from chargegrid.store.models import Site, Station
from tests.helpers import seed


async def test_one_fuse_shared_by_a_16_and_a_201_station(runtime: Runtime,
                                                          ocpp_url: str) -> None:
    ids = {"V16": "1.6", "V201": "2.0.1"}
    seed(runtime, station_ids=tuple(ids))
    now = datetime.now(UTC)
    with runtime.sessions() as s:
        site = Site(name="mixed", mode="static", created_at=now, updated_at=now,
                    topology={"format": "chargegrid-scenario/1", "fallback": {"mode": "zero"},
                              "nodes": [{"id": "HV", "limit_a": 24}]})
        s.add(site)
        s.flush()
        for i, sid in enumerate(ids):
            station = s.get(Station, sid)
            assert station is not None
            station.site_id, station.node_id, station.max_current_a = site.id, "HV", 32.0
            station.phase_rotation, station.field_rotation = ("L1", "L2")[i], "R"
        s.commit()
    runtime.control._options = ControllerOptions(period_s=0.5, debounce_s=0.05,
                                                 plan=PlanOptions(step_a=0.5, validity_s=30))
    await runtime.start_control()
    stations = [SimulatedStation(sid, ocpp_url, connectors=1, ocpp=version, meter_interval=0.1,
                                 backoff_initial=0.05, backoff_max=0.2)
                for sid, version in ids.items()]
    try:
        for st in stations:
            await st.start()
            await st.wait_online()
            await st.plug_in(1, Vehicle(phases=3, max_current=32, soc=0.2))
            assert await st.present_tag(1, "TAG1")
        for st in stations:  # 24 A fuse, two 3-phase cars: 12 A each, whatever the protocol
            await st.wait_for(lambda s: any(p.purpose == "TxProfile" for p in s.profiles)
                              and 11.5 <= max(s.currents(1)) <= 12.0 + 1e-6, timeout=10)
        total = [sum(st.currents(1)[k] for st in stations) for k in range(3)]
        assert max(total) <= 24.0 + 1e-6
    finally:
        for st in stations:
            await st.stop()
