"""Modbus TCP driver against a real pymodbus server on loopback."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chargegrid.clock import FixedClock
from chargegrid.meters import (
    CurrentPower,
    EnergyRegister,
    MeterConfigError,
    MeterHealth,
    MeterReadError,
    PhaseCurrents,
    PhaseValues,
    default_meter_registry,
)
from chargegrid.meters.modbus import ModbusMeter
from chargegrid.meters.registermap import load_shipped_map

from .conftest import SimulatedMeter


def make_meter(clock: FixedClock, port: int, **extra: object) -> ModbusMeter:
    options = {"id": "grid", "host": "127.0.0.1", "port": port, "timeout_s": 0.3, **extra}
    options.setdefault("model", "eastron-sdm630")
    meter = default_meter_registry(clock).create("modbus", options)
    assert isinstance(meter, ModbusMeter)
    return meter


def fill_sdm630(sim: SimulatedMeter, l1: float, l2: float, l3: float) -> None:
    # Eastron input registers 30007/30009/30011, 30053 (W), 30073 (kWh): float32, high word first
    sim.set(6, l1)
    sim.set(8, l2)
    sim.set(10, l3)
    sim.set(52, 7200.0)
    sim.set(72, 1234.5)


async def test_sdm630_reads_currents_power_energy(modbus_sim: SimulatedMeter,
                                                  clock: FixedClock) -> None:
    fill_sdm630(modbus_sim, 12.5, 10.25, 9.0)
    meter = make_meter(clock, modbus_sim.port)
    try:
        reading = await meter.read()
        assert reading.source_id == "grid"
        assert reading.timestamp == clock.now()
        assert reading.currents_a == PhaseValues(12.5, 10.25, 9.0)
        assert reading.power_w == pytest.approx(7200.0)
        assert reading.energy_wh == pytest.approx(1_234_500.0)
        assert isinstance(meter, PhaseCurrents)
        assert isinstance(meter, CurrentPower)
        assert isinstance(meter, EnergyRegister)
        assert await meter.currents() == PhaseValues(12.5, 10.25, 9.0)
        assert await meter.current_power() == pytest.approx(7200.0)
        assert await meter.total_energy() == pytest.approx(1_234_500.0)
    finally:
        await meter.close()


async def test_word_order_little_with_int32_scale(modbus_sim: SimulatedMeter,
                                                  clock: FixedClock) -> None:
    # Carlo Gavazzi EM24: INT32, low word first, A x1000, W x10, kWh x10
    modbus_sim.set(12, 16_250, "int32", "little")
    modbus_sim.set(14, 0, "int32", "little")
    modbus_sim.set(16, 70_000, "int32", "little")
    modbus_sim.set(40, -12_345, "int32", "little")
    modbus_sim.set(62, 98_765, "int32", "little")
    meter = make_meter(clock, modbus_sim.port, model="carlo-gavazzi-em24")
    try:
        reading = await meter.read()
        assert reading.currents_a == pytest.approx((16.25, 0.0, 70.0))
        assert reading.power_w == pytest.approx(-1234.5)
        assert reading.energy_wh == pytest.approx(9_876_500.0)
    finally:
        await meter.close()


async def test_wrong_word_order_reads_garbage_not_the_value(modbus_sim: SimulatedMeter,
                                                            clock: FixedClock) -> None:
    """The same registers read with the other word order give a different number."""
    modbus_sim.set(12, 16_250, "int32", "little")
    modbus_sim.set(14, 16_250, "int32", "little")
    modbus_sim.set(16, 16_250, "int32", "little")
    inline = {"name": "em24-big", "type": "int32", "word_order": "big", "fields": {
        f"current_l{i}": {"address": 10 + 2 * i, "scale": 0.001} for i in (1, 2, 3)}}
    meter = make_meter(clock, modbus_sim.port, model=None, register_map=inline)
    try:
        reading = await meter.read()
        assert reading.currents_a.l1 != pytest.approx(16.25)
    finally:
        await meter.close()


async def test_inline_map_int16_holding(modbus_sim: SimulatedMeter, clock: FixedClock) -> None:
    for address, value in ((100, 63), (101, -5), (102, 0)):
        modbus_sim.set(address, value, "int16")  # raw tenths of an ampere
    inline = {"name": "custom", "table": "holding", "type": "int16", "fields": {
        "current_l1": {"address": 100, "scale": 0.1},
        "current_l2": {"address": 101, "scale": 0.1},
        "current_l3": {"address": 102, "scale": 0.1}}}
    meter = make_meter(clock, modbus_sim.port, model=None, register_map=inline)
    try:
        reading = await meter.read()
        assert reading.currents_a == pytest.approx((6.3, -0.5, 0.0))
        assert reading.power_w is None and reading.energy_wh is None
        assert not meter.has_power
        with pytest.raises(MeterReadError, match="no power_w"):
            await meter.current_power()
    finally:
        await meter.close()


async def test_janitza_map_reads_high_registers(modbus_sim: SimulatedMeter,
                                                clock: FixedClock) -> None:
    for address, value in ((19012, 31.0), (19014, 32.0), (19016, 33.0), (19068, 42.0)):
        modbus_sim.set(address, value)
    meter = make_meter(clock, modbus_sim.port, model="janitza-b23")
    try:
        reading = await meter.read()
        assert reading.currents_a == PhaseValues(31.0, 32.0, 33.0)
        assert reading.energy_wh == pytest.approx(42_000.0)
    finally:
        await meter.close()


async def test_timeout_gives_no_reading_and_goes_stale(modbus_sim: SimulatedMeter,
                                                       clock: FixedClock) -> None:
    fill_sdm630(modbus_sim, 20.0, 20.0, 20.0)
    health = MeterHealth(max_age=timedelta(seconds=5))
    meter = make_meter(clock, modbus_sim.port)
    try:
        last = await meter.read()
        modbus_sim.delay_s = 1.0  # answers after the 0.3 s timeout
        clock.advance(2)
        with pytest.raises(MeterReadError, match="grid"):
            await meter.read()
        assert health.usable_currents(last, clock.now()) == PhaseValues(20.0, 20.0, 20.0)
        clock.advance(4)  # 6 s since the last good reading > max_age
        with pytest.raises(MeterReadError):
            await meter.read()
        assert health.usable_currents(last, clock.now()) is None
        modbus_sim.delay_s = 0.0
        recovered = await meter.read()  # reconnects by itself after the failures
        assert health.usable_currents(recovered, clock.now()) == PhaseValues(20.0, 20.0, 20.0)
    finally:
        await meter.close()


async def test_reconnects_after_server_restart(modbus_sim: SimulatedMeter,
                                               clock: FixedClock) -> None:
    fill_sdm630(modbus_sim, 1.0, 2.0, 3.0)
    meter = make_meter(clock, modbus_sim.port)
    try:
        assert (await meter.read()).currents_a == PhaseValues(1.0, 2.0, 3.0)
        await modbus_sim.stop()
        with pytest.raises(MeterReadError):
            await meter.read()
        await modbus_sim.start()
        fill_sdm630(modbus_sim, 4.0, 5.0, 6.0)
        assert (await meter.read()).currents_a == PhaseValues(4.0, 5.0, 6.0)
    finally:
        await meter.close()


async def test_connection_refused_is_a_read_error(clock: FixedClock) -> None:
    from .conftest import free_port

    meter = make_meter(clock, free_port())
    with pytest.raises(MeterReadError, match=r"cannot connect to 127\.0\.0\.1"):
        await meter.read()
    await meter.close()


async def test_wrong_unit_id_is_a_read_error(modbus_sim: SimulatedMeter,
                                             clock: FixedClock) -> None:
    fill_sdm630(modbus_sim, 1.0, 2.0, 3.0)
    meter = make_meter(clock, modbus_sim.port, unit_id=7)
    try:
        with pytest.raises(MeterReadError):
            await meter.read()
    finally:
        await meter.close()


def test_options_need_exactly_one_map(clock: FixedClock) -> None:
    registry = default_meter_registry(clock)
    with pytest.raises(MeterConfigError, match="exactly one of 'model'"):
        registry.create("modbus", {"id": "g", "host": "h"})
    with pytest.raises(MeterConfigError, match="exactly one of 'model'"):
        registry.create("modbus", {"id": "g", "host": "h", "model": "eastron-sdm630",
                                   "register_map": {}})
    with pytest.raises(MeterConfigError, match="option 'model': unknown register map 'sdm999'"):
        registry.create("modbus", {"id": "g", "host": "h", "model": "sdm999"})
    with pytest.raises(MeterConfigError, match="missing required current_l3"):
        registry.create("modbus", {"id": "g", "host": "h", "register_map": {
            "name": "x", "fields": {"current_l1": {"address": 0},
                                    "current_l2": {"address": 2}}}})


def test_shipped_maps_name_their_source() -> None:
    for name in ("eastron-sdm630", "carlo-gavazzi-em24", "janitza-b23"):
        register_map = load_shipped_map(name)
        assert register_map.name == name
        assert len(register_map.source) > 40
