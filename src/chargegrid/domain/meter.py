"""Meter samples as received, and the few rules needed to read energy from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ENERGY_REGISTER = "Energy.Active.Import.Register"

# OCPP 1.6 defaults for absent SampledValue fields (OCPP 1.6 §7.45).
DEFAULT_MEASURAND = ENERGY_REGISTER
DEFAULT_CONTEXT = "Sample.Periodic"
DEFAULT_LOCATION = "Outlet"
DEFAULT_FORMAT = "Raw"
DEFAULT_UNIT = "Wh"


@dataclass(frozen=True, slots=True)
class Sample:
    """One sampled value exactly as the station sent it, with its defaults made explicit."""

    timestamp: datetime
    value: str
    measurand: str = DEFAULT_MEASURAND
    phase: str | None = None
    unit: str | None = None
    context: str = DEFAULT_CONTEXT
    location: str = DEFAULT_LOCATION
    format: str = DEFAULT_FORMAT
    signed_data: str | None = None

    @property
    def numeric(self) -> float | None:
        """The value as a number, or None for signed/unparseable data."""
        if self.format != "Raw":
            return None
        try:
            return float(self.value)
        except ValueError:
            return None

    @property
    def effective_unit(self) -> str | None:
        """The unit with OCPP's default applied for energy registers."""
        if self.unit:
            return self.unit
        return DEFAULT_UNIT if self.measurand.startswith("Energy") else None


def energy_wh(sample: Sample) -> float | None:
    """The whole-meter (no phase) import register reading in Wh, if this sample is one."""
    if sample.measurand != ENERGY_REGISTER or sample.phase is not None:
        return None
    number = sample.numeric
    if number is None:
        return None
    unit = sample.effective_unit
    if unit == "kWh":
        return number * 1000.0
    if unit == "Wh":
        return number
    return None
