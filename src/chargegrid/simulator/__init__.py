"""Charger simulator: simulated OCPP stations, vehicles and smart-charging evaluation.

The station, vehicle and profile logic is protocol-neutral; each OCPP version is an
adapter package (`v16/`) so that a 2.0.1 adapter can sit beside it without redesign.
"""

from __future__ import annotations

from chargegrid.simulator.clock import ManualClock, ScaledClock
from chargegrid.simulator.fleet import Fleet, TrafficOptions
from chargegrid.simulator.station import SimulatedStation
from chargegrid.simulator.vehicle import Vehicle

__all__ = ["Fleet", "ManualClock", "ScaledClock", "SimulatedStation", "TrafficOptions", "Vehicle"]
