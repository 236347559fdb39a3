"""Kill the server: every station drops to its stored fallback within the live profile's
validity, the whole site at fallback fits every fuse; restart: control resumes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from chargegrid.control.controller import ControllerOptions
from chargegrid.control.profile_plan import PlanOptions
from chargegrid.runtime import Runtime
from chargegrid.settings import Settings
from chargegrid.simulator import SimulatedStation, Vehicle
from chargegrid.store.models import Site, Station
from tests.helpers import seed

TOPOLOGY = {"format": "chargegrid-scenario/1", "fallback": {"mode": "fair"},
            "nodes": [{"id": "HV", "limit_a": 48}]}
IDS = ("F1", "F2", "F3")
FAST = ControllerOptions(period_s=0.5, debounce_s=0.05,
                         plan=PlanOptions(step_a=0.5, validity_s=3, renew_before_s=1))


def _attach(rt: Runtime) -> None:
    now = datetime.now(UTC)
    with rt.sessions() as s:
        site = Site(name="fallback site", topology=TOPOLOGY, mode="static", created_at=now,
                    updated_at=now)
        s.add(site)
        s.flush()
        for i, sid in enumerate(IDS):
            station = s.get(Station, sid)
            assert station is not None
            station.site_id, station.node_id = site.id, "HV"
            station.phase_rotation, station.field_rotation = ("L1", "L2", "L3")[i], "R"
            station.max_current_a = 32.0
        s.commit()


async def test_fallback_after_server_loss_and_resume(settings: Settings) -> None:
    rt = Runtime.build(settings, run_migrations=False)
    rt.control._options = FAST
    await rt.start_ocpp("127.0.0.1", 0)
    port = rt.ocpp.port
    seed(rt, station_ids=IDS)
    _attach(rt)
    await rt.start_control()
    url = f"ws://127.0.0.1:{port}/ocpp"
    stations = [SimulatedStation(sid, url, connectors=1, meter_interval=0.1,
                                 backoff_initial=0.05, backoff_max=0.3) for sid in IDS]
    restarted: Runtime | None = None
    try:
        for st in stations:
            await st.start()
            await st.wait_online()
            await st.plug_in(1, Vehicle(phases=3, max_current=32, soc=0.2))
            assert await st.present_tag(1, "TAG1")
        # Under control: every session known, fallback stored and a live TxProfile held.
        controller = next(iter(rt.control.controllers.values()))
        for st in stations:
            await st.wait_for(lambda s: s.transaction_id(1) is not None and any(
                p.purpose == "TxProfile" for p in s.profiles) and any(
                p.purpose == "TxDefaultProfile" for p in s.profiles), timeout=10)
        fallbacks = dict(controller.fallbacks)
        assert fallbacks == {"F1": 16.0, "F2": 16.0, "F3": 16.0}
        await rt.stop()  # the server is gone; the stations keep charging on their own
        for st in stations:
            await st.wait_for(lambda s: not s.online, timeout=5)
        # Within the live profile's validity (3 s) every station is at its fallback.
        for st in stations:
            await st.wait_for(lambda s: s.offered_limit(1).amps <= 16.0 + 1e-6, timeout=5)
        total = [sum(st.currents(1)[k] for st in stations) for k in range(3)]
        assert all(t <= 48.0 + 1e-6 for t in total), total
        # Restart on the same port: stations reconnect and dynamic control resumes.
        restarted = Runtime.build(settings, run_migrations=False)
        restarted.control._options = FAST
        await restarted.start_ocpp("127.0.0.1", port)
        await restarted.start_control()
        for st in stations:
            await st.wait_online(timeout=10)
        await asyncio.sleep(1.0)
        assert restarted.control.controllers, "no controller after restart"
        controller = next(iter(restarted.control.controllers.values()))
        await stations[0].wait_for(lambda s: controller.cycles > 0, timeout=5)
        assert any(st.received_calls and st.received_calls[-1][0] == "SetChargingProfile"
                   for st in stations)
    finally:
        await asyncio.gather(*(st.stop() for st in stations))
        if restarted is not None:
            await restarted.stop()
