"""The registry with the shipped drivers, built at wiring time with the site's clock.

There is deliberately no module-level registry: the runtime calls this once and passes
the result down, so tests and several sites in one process stay independent.
"""

from __future__ import annotations

from chargegrid.clock import Clock
from chargegrid.meters import blueprint, modbus, mqtt, ocpp_meter
from chargegrid.meters.capabilities import Meter
from chargegrid.meters.registry import Registry


def default_meter_registry(clock: Clock) -> Registry[Meter]:
    """`modbus`, `mqtt`, `ocpp` and `fixed` meters, each stamping readings with `clock`."""
    registry: Registry[Meter] = Registry("meter")
    registry.register(modbus.TYPE_NAME, lambda options: modbus.build_modbus_meter(options, clock))
    registry.register(mqtt.TYPE_NAME, lambda options: mqtt.build_mqtt_meter(options, clock))
    registry.register(ocpp_meter.TYPE_NAME,
                      lambda options: ocpp_meter.build_ocpp_meter(options, clock))
    registry.register(blueprint.TYPE_NAME,
                      lambda options: blueprint.build_fixed_meter(options, clock))
    return registry
