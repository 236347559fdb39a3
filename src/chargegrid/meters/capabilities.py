"""What a meter can tell us, as tiny capability protocols, and the reading it produces.

Like evcc's `api.Meter` / `api.PhaseCurrents` / `api.MeterEnergy`, each capability is its
own protocol so a driver implements only what its device really measures; the controller
asks `isinstance(meter, PhaseCurrents)` instead of probing a wide base class for `None`s.

All values are on the *grid* phases L1..L3 of the node the meter sits at (a meter wired
with a rotation is mapped by its driver), in amperes, watts and watt-hours.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol, runtime_checkable

PHASES: tuple[str, str, str] = ("L1", "L2", "L3")


class PhaseValues(NamedTuple):
    """One number per grid phase; a tuple so it is immutable, cheap and unpackable."""

    l1: float
    l2: float
    l3: float

    @classmethod
    def from_mapping(cls, values: Mapping[str, float]) -> PhaseValues:
        """Build from {"L1": .., "L2": .., "L3": ..} (the shape the bus uses); all three needed."""
        missing = [p for p in PHASES if p not in values]
        if missing:
            raise ValueError(f"missing phase(s) {', '.join(missing)}")
        return cls(float(values["L1"]), float(values["L2"]), float(values["L3"]))

    def as_dict(self) -> dict[str, float]:
        """The {"L1": .., "L2": .., "L3": ..} shape used on the bus and in the controller."""
        return dict(zip(PHASES, self, strict=True))

    def is_finite(self) -> bool:
        """False when any phase is NaN or infinite — such a reading must be discarded."""
        return all(math.isfinite(v) for v in self)


@dataclass(frozen=True, slots=True)
class MeterReading:
    """One consistent snapshot of a meter, stamped with the injected clock when taken.

    The timestamp is *our* time of acquisition, never the device's clock: staleness must
    be judged on one time base, and a device with a wrong clock must not look fresh.
    """

    source_id: str
    timestamp: datetime
    currents_a: PhaseValues
    power_w: float | None = None
    energy_wh: float | None = None


ReadingSink = Callable[[MeterReading], None]
"""Where readings are published (the controller's store of the latest reading per meter)."""


@runtime_checkable
class PhaseCurrents(Protocol):
    """Measures the current on each grid phase — what load management needs."""

    async def currents(self) -> PhaseValues: ...


@runtime_checkable
class CurrentPower(Protocol):
    """Measures total active power in W (positive = import from the grid)."""

    async def current_power(self) -> float: ...


@runtime_checkable
class EnergyRegister(Protocol):
    """Has a cumulative imported-energy register in Wh."""

    async def total_energy(self) -> float: ...


@runtime_checkable
class Meter(Protocol):
    """What every driver offers: an id, one full reading, and a lifecycle.

    `read()` raises `MeterReadError` when there is nothing trustworthy to return; it never
    returns made-up zeros. `start()` begins background work (a subscription), `close()`
    releases sockets; both are idempotent.
    """

    @property
    def source_id(self) -> str: ...

    async def read(self) -> MeterReading: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...
