"""Vehicle physics: what a car draws given what the station offers.

Pure and protocol-neutral: no clock, no I/O. The station integrates energy by calling
`charge()` with the seconds that passed on its (injectable) clock.
"""

from __future__ import annotations

from dataclasses import dataclass

VOLTAGE = 230.0
"""Nominal phase-to-neutral voltage used for every power/current conversion."""


@dataclass
class Vehicle:
    """An EV with an on-board charger of `phases` phases and `max_current` A per phase.

    Above `taper_from_soc` the current falls linearly towards `min_current` at 100 %,
    which is the usual CC/CV shape seen from the grid side.
    """

    phases: int = 3
    max_current: float = 16.0
    min_current: float = 6.0
    capacity_kwh: float = 60.0
    soc: float = 0.2
    taper_from_soc: float = 0.8
    name: str = "ev"

    def __post_init__(self) -> None:
        if self.phases not in (1, 2, 3):
            raise ValueError("phases must be 1, 2 or 3")
        if not 0.0 <= self.soc <= 1.0:
            raise ValueError("soc must be within 0..1")
        if self.max_current < self.min_current or self.min_current <= 0:
            raise ValueError("need 0 < min_current <= max_current")
        if self.capacity_kwh <= 0:
            raise ValueError("capacity_kwh must be positive")

    @property
    def full(self) -> bool:
        """A full battery stops drawing: the station reports SuspendedEV."""
        return self.soc >= 1.0 - 1e-9

    def acceptable_current(self) -> float:
        """The most the car accepts per phase right now (taper applied)."""
        if self.full:
            return 0.0
        if self.soc <= self.taper_from_soc:
            return self.max_current
        span = 1.0 - self.taper_from_soc
        fraction = (self.soc - self.taper_from_soc) / span
        tapered = self.max_current - (self.max_current - self.min_current) * fraction
        return max(self.min_current, tapered)

    def draw(self, offered_amps: float, offered_phases: int = 3) -> tuple[float, float, float]:
        """Current per phase L1, L2, L3 for an offer; 0 if the offer is below the car's minimum."""
        if self.full or offered_amps < self.min_current:
            return (0.0, 0.0, 0.0)
        amps = min(self.acceptable_current(), offered_amps)
        used = min(self.phases, max(1, offered_phases))
        return (amps, amps if used >= 2 else 0.0, amps if used >= 3 else 0.0)

    def charge(self, currents: tuple[float, float, float], seconds: float) -> float:
        """Add the energy of `currents` over `seconds` to the battery; return the Wh taken."""
        if seconds <= 0:
            return 0.0
        room_wh = (1.0 - self.soc) * self.capacity_kwh * 1000.0
        energy_wh = min(room_wh, sum(currents) * VOLTAGE * seconds / 3600.0)
        self.soc = min(1.0, self.soc + energy_wh / (self.capacity_kwh * 1000.0))
        return energy_wh
