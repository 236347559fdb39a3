"""The blueprint driver: copy this file to add a meter type.

It is also a real driver, `type: fixed`, reporting configured constant values — useful
for demos, the simulator and a node whose load is known and constant. (A fixed meter is
always "fresh": configure it only where a constant really is the truth.)

How to add a driver, in four steps (each is shown below):

1. An options model (pydantic, `extra="forbid"`) with `id` plus what the device needs;
   validation errors then name the bad option for free via `decode_options`.
2. A class with `source_id`, `async read() -> MeterReading`, `async start()`,
   `async close()` (the `Meter` protocol), plus the capability methods the device really
   has (`currents`, `current_power`, `total_energy`). `read()` raises `MeterReadError`
   when it has nothing trustworthy — never return zeros for "unknown".
3. Stamp readings with the injected clock, never `datetime.now()`.
4. A `build_*(options, clock)` factory, registered in `default_registry.py`:
   `registry.register("fixed", lambda options: build_fixed_meter(options, clock))`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chargegrid.clock import Clock
from chargegrid.meters.capabilities import MeterReading, PhaseValues
from chargegrid.meters.registry import Options, decode_options

TYPE_NAME = "fixed"


# Step 1: the options, validated by the driver itself.
class FixedMeterOptions(BaseModel):
    """Options of a `type: fixed` meter."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    currents_a: tuple[float, float, float]
    power_w: float | None = None
    energy_wh: float | None = Field(default=None, ge=0)


# Step 2: the driver, implementing Meter + PhaseCurrents (+ CurrentPower when configured).
class FixedMeter:
    """Always reports the configured values, stamped with the clock at each read."""

    def __init__(self, options: FixedMeterOptions, clock: Clock) -> None:
        self._opts = options
        self._clock = clock

    @property
    def source_id(self) -> str:
        return self._opts.id

    async def start(self) -> None:
        """Nothing to connect to."""

    async def close(self) -> None:
        """Nothing to release."""

    async def read(self) -> MeterReading:
        # Step 3: the timestamp comes from the injected clock.
        return MeterReading(
            source_id=self.source_id,
            timestamp=self._clock.now(),
            currents_a=PhaseValues(*self._opts.currents_a),
            power_w=self._opts.power_w,
            energy_wh=self._opts.energy_wh,
        )

    async def currents(self) -> PhaseValues:
        return PhaseValues(*self._opts.currents_a)


# Step 4: the factory the registry calls with the raw options.
def build_fixed_meter(options: Options, clock: Clock) -> FixedMeter:
    """Factory for the registry."""
    return FixedMeter(decode_options(FixedMeterOptions, options, driver=TYPE_NAME), clock)
