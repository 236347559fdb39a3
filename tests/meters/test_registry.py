"""The generic registry: duplicates and unknown types are refused, options are validated."""

from __future__ import annotations

import pytest

from chargegrid.clock import FixedClock
from chargegrid.meters import (
    DuplicateMeterTypeError,
    MeterConfigError,
    PhaseValues,
    Registry,
    UnknownMeterTypeError,
    default_meter_registry,
)
from chargegrid.meters.blueprint import FixedMeter


def test_default_registry_has_the_shipped_drivers(clock: FixedClock) -> None:
    assert default_meter_registry(clock).types() == ["fixed", "modbus", "mqtt", "ocpp"]


def test_registries_are_independent(clock: FixedClock) -> None:
    one, two = default_meter_registry(clock), default_meter_registry(clock)
    one.register("extra", lambda options: FixedMeter.__new__(FixedMeter))
    assert "extra" in one and "extra" not in two


def test_duplicate_type_is_refused() -> None:
    registry: Registry[int] = Registry("thing")
    registry.register("a", lambda options: 1)
    with pytest.raises(DuplicateMeterTypeError, match="thing type 'a' is already registered"):
        registry.register("a", lambda options: 2)


@pytest.mark.parametrize("name", ["", "Modbus", " modbus"])
def test_bad_type_names_are_refused(name: str) -> None:
    with pytest.raises(MeterConfigError, match="lower case"):
        Registry[int]().register(name, lambda options: 1)


def test_unknown_type_lists_the_known_ones(clock: FixedClock) -> None:
    with pytest.raises(UnknownMeterTypeError,
                       match=r"field 'type': unknown meter type 'sml' \(known: fixed, modbus"):
        default_meter_registry(clock).create("sml", {"id": "x"})


def test_create_from_config(clock: FixedClock) -> None:
    registry = default_meter_registry(clock)
    meter = registry.create_from_config({"type": "fixed", "id": "base", "currents_a": [1, 2, 3]})
    assert meter.source_id == "base"
    with pytest.raises(MeterConfigError, match="field 'type': required"):
        registry.create_from_config({"id": "x"})
    with pytest.raises(MeterConfigError, match="options must be a mapping"):
        registry.create("fixed", ["id", "x"])  # type: ignore[arg-type]


@pytest.mark.parametrize("type_name, options, message", [
    ("modbus", {"id": "g", "host": "h", "model": "eastron-sdm630", "port": 70000},
     "modbus meter 'g': option 'port'"),
    ("modbus", {"id": "g", "model": "eastron-sdm630"}, "option 'host': Field required"),
    ("modbus", {"id": "g", "host": "h", "model": "eastron-sdm630", "unitid": 3},
     "option 'unitid': Extra inputs are not permitted"),
    ("mqtt", {"id": "m"}, "mqtt meter 'm': option 'topic': Field required"),
    ("mqtt", {"id": "m", "topic": "t", "paths": {"L4": "x"}}, "option 'paths.L4'"),
    ("ocpp", {"id": "o", "station_id": "CP1", "rotation": ["L1", "L1", "L2"]},
     "option 'rotation'.*permutation"),
    ("fixed", {"id": "f", "currents_a": [1, 2]}, "option 'currents_a.2': Field required"),
    ("fixed", {"currents_a": [1, 2, 3]}, "fixed meter: option 'id': Field required"),
])
def test_driver_options_errors_name_the_field(clock: FixedClock, type_name: str,
                                              options: dict[str, object], message: str) -> None:
    with pytest.raises(MeterConfigError, match=message):
        default_meter_registry(clock).create(type_name, options)


async def test_fixed_blueprint_meter_stamps_with_the_clock(clock: FixedClock) -> None:
    meter = default_meter_registry(clock).create(
        "fixed", {"id": "base", "currents_a": [4, 5, 6], "power_w": 3450})
    await meter.start()
    first = await meter.read()
    clock.advance(10)
    second = await meter.read()
    await meter.close()
    assert first.currents_a == second.currents_a == PhaseValues(4.0, 5.0, 6.0)
    assert second.timestamp - first.timestamp == clock.now() - first.timestamp
    assert first.power_w == 3450.0
