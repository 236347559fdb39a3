"""Trust but verify (issue #4.5): a charger that accepts its profiles but lets its vehicle draw
more is flagged from its own meter values, and its excess is counted as load, so the fuse
it shares is kept (within the 1 A tolerance) by lowering the others."""

from __future__ import annotations

import asyncio

from chargegrid.control.profile_plan import FALLBACK_PROFILE_ID
from chargegrid.control.snapshot import EXCESS_TOLERANCE_A
from chargegrid.runtime import Runtime
from chargegrid.simulator import SimulatedStation, Vehicle
from tests.control.one_fuse_site import start_one_fuse_site

FUSE_A = 40.0
FAULTY_DRAW_A = 30.0   # what the faulty charger's vehicle draws whatever it is told
TIMEOUT = 30.0


async def test_a_charger_over_its_limit_is_flagged_and_the_fuse_kept(
        runtime: Runtime, ocpp_url: str) -> None:
    await start_one_fuse_site(runtime, name="faulty charger", station_ids=("BAD", "OK"), fuse_a=FUSE_A)
    faulty = SimulatedStation("BAD", ocpp_url, connectors=1, meter_interval=0.1,
                              backoff_initial=0.05, backoff_max=0.2, ignores_limits=True)
    normal = SimulatedStation("OK", ocpp_url, connectors=1, meter_interval=0.1,
                              backoff_initial=0.05, backoff_max=0.2)
    try:
        for st, amps in ((faulty, FAULTY_DRAW_A), (normal, 32.0)):
            await st.start()
            await st.wait_online(timeout=TIMEOUT)
            await st.wait_for(lambda s: any(p.id == FALLBACK_PROFILE_ID for p in s.profiles),
                              timeout=TIMEOUT)
            await st.plug_in(1, Vehicle(phases=3, max_current=amps, soc=0.2))
            assert await st.present_tag(1, "TAG1")

        # Shared fairly the two would get 20 A each, and the fuse would carry 30 + 20 A.
        # Flagged, the faulty one's excess over its limit is load: the other one is lowered
        # until the fuse carries at most its limit plus the tolerance.
        await faulty.wait_for(lambda s: min(s.currents(1)) >= FAULTY_DRAW_A - 0.1,
                              timeout=TIMEOUT)
        bound = FUSE_A - FAULTY_DRAW_A + EXCESS_TOLERANCE_A
        await normal.wait_for(lambda s: 6.0 <= max(s.currents(1)) <= bound + 0.05,
                              timeout=TIMEOUT)
        (controller,) = runtime.control.controllers.values()
        assert controller.last is not None and "BAD" in controller.last.flagged
        assert "OK" not in controller.last.flagged
        # ... and it stays there: sampled for two seconds, the fuse is never over by more.
        for _ in range(40):
            total = max(a + b for a, b in zip(faulty.currents(1), normal.currents(1),
                                              strict=True))
            assert total <= FUSE_A + EXCESS_TOLERANCE_A + 0.05, total
            await asyncio.sleep(0.05)
    finally:
        await asyncio.gather(faulty.stop(), normal.stop(), return_exceptions=True)
