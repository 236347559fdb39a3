"""Site meters for the EMS: Modbus TCP, MQTT and OCPP-station meters behind one small API.

Wiring (done once by the runtime)::

    registry = default_meter_registry(clock)
    meter = registry.create_from_config({"type": "modbus", "id": "grid", "host": "10.0.0.5",
                                         "model": "eastron-sdm630"})
    poller = MeterPoller(meter, store_latest, interval_s=1.0)
    await poller.start()

and in each control cycle: `MeterHealth(max_age).usable_currents(latest, now)` is either the
measured currents or None — None means "use the static limits", never "no limit".
"""

from __future__ import annotations

from chargegrid.meters.capabilities import (
    PHASES,
    CurrentPower,
    EnergyRegister,
    Meter,
    MeterReading,
    PhaseCurrents,
    PhaseValues,
    ReadingSink,
)
from chargegrid.meters.default_registry import default_meter_registry
from chargegrid.meters.errors import (
    DuplicateMeterTypeError,
    MeterConfigError,
    MeterReadError,
    UnknownMeterTypeError,
)
from chargegrid.meters.poller import MeterPoller
from chargegrid.meters.registry import Registry, decode_options
from chargegrid.meters.staleness import Freshness, MeterHealth, base_load

__all__ = [
    "PHASES",
    "CurrentPower",
    "DuplicateMeterTypeError",
    "EnergyRegister",
    "Freshness",
    "Meter",
    "MeterConfigError",
    "MeterHealth",
    "MeterPoller",
    "MeterReadError",
    "MeterReading",
    "PhaseCurrents",
    "PhaseValues",
    "ReadingSink",
    "Registry",
    "UnknownMeterTypeError",
    "base_load",
    "decode_options",
    "default_meter_registry",
]
