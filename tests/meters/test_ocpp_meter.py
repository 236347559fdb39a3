"""The OCPP-station meter: pushed samples, phase rotation, bad samples ignored."""

from __future__ import annotations

import math

import pytest

from chargegrid.clock import FixedClock
from chargegrid.meters import MeterReadError, MeterReading, PhaseValues, default_meter_registry
from chargegrid.meters.ocpp_meter import OcppStationMeter, to_grid_phases


def make_meter(clock: FixedClock, **extra: object) -> OcppStationMeter:
    meter = default_meter_registry(clock).create(
        "ocpp", {"id": "uv3", "station_id": "CP-7", **extra})
    assert isinstance(meter, OcppStationMeter)
    return meter


async def test_update_publishes_and_read_returns_latest(clock: FixedClock) -> None:
    meter = make_meter(clock)
    published: list[MeterReading] = []
    meter.set_sink(published.append)
    with pytest.raises(MeterReadError, match="no sample"):
        await meter.read()
    first = meter.update({"L1": 16.0, "L2": 15.5, "L3": 0.0}, power_w=7300.0)
    assert first is not None and published == [first]
    assert first.timestamp == clock.now() and first.power_w == 7300.0
    clock.advance(3)
    assert await meter.read() == first  # read never re-stamps: staleness stays honest
    assert await meter.currents() == PhaseValues(16.0, 15.5, 0.0)


async def test_rotation_maps_station_phases_to_grid(clock: FixedClock) -> None:
    meter = make_meter(clock, rotation=["L3", "L1", "L2"])
    result = meter.update({"L1": 10.0, "L2": 20.0, "L3": 30.0})
    assert result is not None
    assert result.currents_a == PhaseValues(l1=20.0, l2=30.0, l3=10.0)


@pytest.mark.parametrize("sample", [
    {"L1": 1.0, "L2": 2.0},
    {"L1": 1.0, "L2": 2.0, "L3": math.inf},
    {"L1": 1.0, "L2": "2", "L3": 3.0},
    {"L1": True, "L2": 2.0, "L3": 3.0},
])
async def test_bad_samples_are_ignored(clock: FixedClock, sample: dict[str, object]) -> None:
    meter = make_meter(clock)
    good = meter.update({"L1": 1.0, "L2": 1.0, "L3": 1.0})
    assert meter.update(sample) is None  # type: ignore[arg-type]
    assert await meter.read() == good


def test_sink_failure_does_not_lose_the_reading(clock: FixedClock) -> None:
    def broken(reading: MeterReading) -> None:
        raise RuntimeError("boom")

    meter = make_meter(clock)
    meter.set_sink(broken)
    assert meter.update({"L1": 1.0, "L2": 2.0, "L3": 3.0}) is not None
    assert meter.latest is not None


def test_to_grid_phases_identity() -> None:
    assert to_grid_phases({"L1": 1, "L2": 2, "L3": 3}, ("L1", "L2", "L3")) == (1, 2, 3)
