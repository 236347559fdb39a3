"""Is a meter still trustworthy, and how much of a node's load is not EV charging.

Both are pure functions of their arguments (no clock, no I/O) so the safety rule can be
tested exhaustively: **a meter that is silent or stale for longer than its max age makes
the controller use the static limits for that part of the tree — never "no limit".** A
missing or stale reading therefore yields `None` from `usable_currents`, which the
controller must read as "fall back", not as zero load.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from chargegrid.meters.capabilities import MeterReading, PhaseValues


class Freshness(Enum):
    FRESH = "fresh"
    STALE = "stale"      # had readings, the last one is too old (or from the future)
    MISSING = "missing"  # never delivered a reading


@dataclass(frozen=True, slots=True)
class MeterHealth:
    """The freshness rule for one meter: a reading older than `max_age` is not used.

    A reading stamped more than `max_age` in the *future* is also stale: it can only come
    from a clock jump, and trusting it would keep a dead meter "fresh" indefinitely.
    """

    max_age: timedelta

    def __post_init__(self) -> None:
        if self.max_age <= timedelta(0):
            raise ValueError("max_age must be positive")

    def status(self, last_reading_at: datetime | None, now: datetime) -> Freshness:
        if last_reading_at is None:
            return Freshness.MISSING
        age = now - last_reading_at
        if age > self.max_age or age < -self.max_age:
            return Freshness.STALE
        return Freshness.FRESH

    def is_fresh(self, last_reading_at: datetime | None, now: datetime) -> bool:
        return self.status(last_reading_at, now) is Freshness.FRESH

    def usable_currents(self, reading: MeterReading | None, now: datetime) -> PhaseValues | None:
        """The reading's currents if fresh, else None meaning "use the static limits"."""
        if reading is None or not self.is_fresh(reading.timestamp, now):
            return None
        if not reading.currents_a.is_finite():
            return None
        return reading.currents_a


def base_load(measured_total_per_phase: Sequence[float],
              ev_currents_per_phase: Sequence[float]) -> PhaseValues:
    """Non-EV load per grid phase at a node: measured total − EV currents, clamped at ≥ 0.

    Both inputs are on the node's grid phases L1..L3 (EV currents already rotated from
    station phases). The clamp exists because the meter and the stations are sampled at
    different instants: while a car ramps up, the station may report more than the meter
    saw a moment earlier, and a negative base load would hand that phantom headroom to
    the allocator. Over-estimating base load is safe; under-estimating it is not.
    """
    if len(measured_total_per_phase) != 3 or len(ev_currents_per_phase) != 3:
        raise ValueError("base_load needs exactly three phases (L1, L2, L3) on each side")
    if not all(math.isfinite(v) for v in (*measured_total_per_phase, *ev_currents_per_phase)):
        raise ValueError("base_load inputs must be finite (a NaN would clamp to 0 A)")
    return PhaseValues(*(max(0.0, float(total) - float(ev))
                         for total, ev in zip(measured_total_per_phase, ev_currents_per_phase,
                                              strict=True)))
