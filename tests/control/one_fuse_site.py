"""A static site of stations behind one fuse, with a fast controller: the setup of the tests
about how the controller treats one charger among others."""

from __future__ import annotations

from datetime import UTC, datetime

from chargegrid.control.controller import ControllerOptions
from chargegrid.control.profile_plan import PlanOptions
from chargegrid.runtime import Runtime
from chargegrid.store.models import Site, Station
from tests.helpers import seed


async def start_one_fuse_site(runtime: Runtime, *, name: str, station_ids: tuple[str, ...],
                              fuse_a: float) -> None:
    """Seed the stations, wire them all L1-L2-L3 at node HV (limit `fuse_a`, fallback 0 A),
    and start control with a 0.5 s period, 0.5 A step and 60 s live profiles."""
    seed(runtime, station_ids=station_ids)
    now = datetime.now(UTC)
    with runtime.sessions() as s:
        site = Site(name=name, mode="static", created_at=now, updated_at=now,
                    topology={"format": "chargegrid-scenario/1", "fallback": {"mode": "zero"},
                              "nodes": [{"id": "HV", "limit_a": fuse_a}]})
        s.add(site)
        s.flush()
        for sid in station_ids:
            station = s.get(Station, sid)
            assert station is not None
            station.site_id, station.node_id, station.max_current_a = site.id, "HV", 32.0
            station.phase_rotation, station.field_rotation = "L1", "R"
        s.commit()
    runtime.control._options = ControllerOptions(period_s=0.5, debounce_s=0.05,
                                                 plan=PlanOptions(step_a=0.5, validity_s=60))
    await runtime.start_control()
