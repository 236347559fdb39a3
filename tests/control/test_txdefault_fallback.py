"""A charger that rejects TxProfile gets its live limits as TxDefaultProfile (issue #4.5) and
stays within the fuse it shares; when its session ends it is brought back to its fallback,
so the next vehicle does not start at the previous session's limit."""

from __future__ import annotations

import asyncio

import pytest

from chargegrid.control.profile_plan import (
    FALLBACK_PROFILE_ID,
    LIVE_PROFILE_ID,
    LIVE_STACK_LEVEL,
)
from chargegrid.runtime import Runtime
from chargegrid.simulator import SimulatedStation, Vehicle
from chargegrid.simulator.profiles import Purpose
from tests.control.one_fuse_site import start_one_fuse_site

FUSE_A = 24.0
TIMEOUT = 30.0


def _total(stations: list[SimulatedStation]) -> list[float]:
    """Per grid phase (both stations wired L1-L2-L3): what the fuse carries."""
    return [sum(st.currents(1)[k] for st in stations) for k in range(3)]


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_station_rejecting_txprofile_is_driven_by_txdefaultprofile(
        runtime: Runtime, ocpp_url: str, version: str) -> None:
    await start_one_fuse_site(runtime, name="fallback purpose", station_ids=("REJ", "OK"), fuse_a=FUSE_A)
    rejecting = SimulatedStation("REJ", ocpp_url, connectors=1, ocpp=version,
                                 meter_interval=0.1, backoff_initial=0.05, backoff_max=0.2,
                                 reject_profile_purposes=("TxProfile",))
    normal = SimulatedStation("OK", ocpp_url, connectors=1, meter_interval=0.1,
                              backoff_initial=0.05, backoff_max=0.2)
    stations = [rejecting, normal]
    worst = [0.0]

    async def sample() -> None:
        while True:
            worst[0] = max(worst[0], *_total(stations))
            await asyncio.sleep(0.01)

    sampler = asyncio.create_task(sample())
    try:
        for st in stations:
            await st.start()
            await st.wait_online(timeout=TIMEOUT)
            # A charger's very first boot is unrestricted until it holds its fallback (it
            # keeps it from then on): commissioning, not the case under test.
            await st.wait_for(lambda s: any(p.id == FALLBACK_PROFILE_ID for p in s.profiles),
                              timeout=TIMEOUT)
            await st.plug_in(1, Vehicle(phases=3, max_current=32, soc=0.2))
            assert await st.present_tag(1, "TAG1")

        # Both share the 24 A fuse: 12 A each, the rejecting one through TxDefaultProfile.
        for st in stations:
            await st.wait_for(lambda s: 11.5 <= max(s.currents(1)) <= 12.0 + 1e-6,
                              timeout=TIMEOUT)
        assert not any(p.purpose is Purpose.TX for p in rejecting.profiles)
        live = [p for p in rejecting.profiles if p.id == LIVE_PROFILE_ID]
        assert len(live) == 1 and live[0].purpose is Purpose.TX_DEFAULT
        assert live[0].stack_level == LIVE_STACK_LEVEL and live[0].valid_to is not None
        assert any(p.purpose is Purpose.TX for p in normal.profiles)
        (controller,) = runtime.control.controllers.values()
        assert controller.purpose["REJ"] == "TxDefaultProfile"
        # The station applies a profile before its answer reaches the controller.
        async with asyncio.timeout(TIMEOUT):
            while len(controller.purpose) < 2:
                await asyncio.sleep(0.01)
        assert controller.purpose["OK"] == "TxProfile"
        attempts = [payload for action, payload in rejecting.received_calls
                    if action == "SetChargingProfile"]
        tx_key = "csChargingProfiles" if version == "1.6" else "chargingProfile"
        assert {a[tx_key]["chargingProfilePurpose"] for a in attempts} >= {
            "TxProfile", "TxDefaultProfile"}

        # The session ends: the live TxDefaultProfile is brought back to the fallback (0 A),
        # and the fuse goes to the other car.
        await rejecting.unplug(1)
        await rejecting.wait_for(lambda s: s.offered_limit(1).amps == 0.0, timeout=TIMEOUT)
        await normal.wait_for(lambda s: max(s.currents(1)) >= FUSE_A - 0.5, timeout=TIMEOUT)

        # A new vehicle on the rejecting station starts at 0 A, not at its old 12 A, and
        # the two are shared again without the fuse ever being exceeded.
        await rejecting.plug_in(1, Vehicle(phases=3, max_current=32, soc=0.2))
        assert await rejecting.present_tag(1, "TAG1")
        for st in stations:
            await st.wait_for(lambda s: 11.5 <= max(s.currents(1)) <= 12.0 + 1e-6,
                              timeout=TIMEOUT)
        assert worst[0] <= FUSE_A + 1e-6, f"the fuse carried {worst[0]:.2f} A"
    finally:
        sampler.cancel()
        for st in stations:
            await st.stop()
