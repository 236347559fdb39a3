"""Charging operations from meter readings: pure functions, plain values in and out.

ADVENIR counts *charging operations*: periods in which a point actually delivers energy,
not the time a vehicle is plugged in; a session paused by the EMS or by the vehicle is
several operations. The rule, applied to one ended transaction:

1. Readings are the transaction's whole-meter `Energy.Active.Import.Register` samples (Wh,
   integers), in time order; at one instant the last one wins. The transaction's own start
   (meterStart at its start time) and stop (meterStop at its stop time) readings are added
   when they are consistent with the samples (not after the first / before the last
   sample in time, not above the first / below the last in value), since those are the
   register values the station reported for the session's ends.
2. Each interval between consecutive readings *delivers* when the register rose over it, or
   when a whole-meter Power.Active.Import sample (or any Current.Import sample) taken in
   it is above the threshold (a coarse register, kWh steps, may lag a slow charge).
3. An operation is a maximal run of delivering intervals: it starts at the reading before
   the first, ends at the reading after the last, and its energy is the register difference
   between them. A non-delivering interval (a pause: the register stood still) separates
   operations. A register that goes back (meter swap or reset) ends the current operation;
   the next one starts from the new value, so no energy is ever negative.

So the energy of a session's operations adds up to the register rise over its delivering
intervals, which is the register difference over the session whenever the register never
went back (a pause delivers nothing). A pause shorter than the sampling step cannot be seen;
the precision is the station's sampling interval.

With fewer than two sampled register readings there is nothing to split: one operation from
meterStart/meterStop and the start/stop times. A session that delivered nothing is no
operation at all.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

POWER_THRESHOLD_W = 100.0
CURRENT_THRESHOLD_A = 0.5
MIN_CURVE_POINTS = 3  # the seed: a start, an end and at least one point in between


@dataclass(frozen=True, slots=True)
class Reading:
    """An energy register reading: when, and the register in Wh."""

    at: datetime
    wh: int


@dataclass(frozen=True, slots=True)
class FlowSample:
    """A power (W) or current (A) sample; only its time and whether it shows a flow matter."""

    at: datetime
    flowing: bool


@dataclass(frozen=True, slots=True)
class SessionData:
    """What derivation needs of one ended transaction."""

    started_at: datetime
    stopped_at: datetime
    meter_start_wh: int | None
    meter_stop_wh: int | None
    readings: Sequence[Reading]
    flow: Sequence[FlowSample] = ()


@dataclass(frozen=True, slots=True)
class Operation:
    """One period that delivered energy, with the register readings at its ends.

    `points` are the readings inside it (ends included), one per UNIX second: the load
    curve when there are at least three.
    """

    started_at: datetime
    stopped_at: datetime
    start_wh: int
    stop_wh: int
    points: tuple[tuple[int, int], ...]

    @property
    def energy_wh(self) -> int:
        return self.stop_wh - self.start_wh

    @property
    def curve(self) -> tuple[tuple[int, int], ...] | None:
        """The load curve, or None when it would have fewer than three points."""
        return self.points if len(self.points) >= MIN_CURVE_POINTS else None


def unix_seconds(at: datetime) -> int:
    """UNIX timestamp, whole seconds (truncated, the ADVENIR format has no fraction)."""
    return int(at.timestamp())


def is_flowing(measurand: str, unit: str | None, value: float, phase: str | None) -> bool:
    """Whether a power or current sample shows energy flowing into the vehicle."""
    if measurand == "Power.Active.Import" and phase is None:
        watts = value * 1000.0 if unit == "kW" else value
        return watts > POWER_THRESHOLD_W
    if measurand == "Current.Import":
        return value > CURRENT_THRESHOLD_A
    return False


def _ordered(readings: Iterable[Reading]) -> list[Reading]:
    """Time order; at one instant the last reading given wins."""
    by_time: dict[datetime, Reading] = {}
    for reading in readings:
        by_time[reading.at] = reading
    return [by_time[at] for at in sorted(by_time)]


def _with_session_ends(data: SessionData, samples: list[Reading]) -> list[Reading]:
    readings = list(samples)
    first, last = samples[0], samples[-1]
    if (data.meter_start_wh is not None and data.started_at < first.at
            and data.meter_start_wh <= first.wh):
        readings.insert(0, Reading(data.started_at, data.meter_start_wh))
    if (data.meter_stop_wh is not None and data.stopped_at > last.at
            and data.meter_stop_wh >= last.wh):
        readings.append(Reading(data.stopped_at, data.meter_stop_wh))
    return readings


def _points(readings: Sequence[Reading]) -> tuple[tuple[int, int], ...]:
    by_second: dict[int, int] = {}
    for reading in readings:
        by_second[unix_seconds(reading.at)] = reading.wh
    return tuple(sorted(by_second.items()))


def _flow_between(flowing: Sequence[datetime], start: datetime, end: datetime) -> bool:
    """Whether a flowing sample lies in (start, end]; `flowing` is sorted."""
    i = bisect_right(flowing, start)
    return i < len(flowing) and flowing[i] <= end


def _fallback(data: SessionData) -> list[Operation]:
    start, stop = data.meter_start_wh, data.meter_stop_wh
    if start is None or stop is None or stop <= start:
        return []
    return [Operation(data.started_at, data.stopped_at, start, stop,
                      _points([Reading(data.started_at, start), Reading(data.stopped_at, stop)]))]


def derive(data: SessionData) -> list[Operation]:
    """The charging operations of one ended transaction, in time order (see module doc)."""
    samples = _ordered(data.readings)
    if len(samples) < 2:
        return _fallback(data)
    readings = _with_session_ends(data, samples)
    flowing = sorted(f.at for f in data.flow if f.flowing)
    operations: list[Operation] = []
    run_start: int | None = None
    for i in range(1, len(readings)):
        before, after = readings[i - 1], readings[i]
        rise = after.wh - before.wh
        delivering = rise > 0 or (rise == 0 and _flow_between(flowing, before.at, after.at))
        if delivering and run_start is None:
            run_start = i - 1
        elif not delivering and run_start is not None:
            operations.append(_operation(readings[run_start:i]))
            run_start = None
    if run_start is not None:
        operations.append(_operation(readings[run_start:]))
    return [op for op in operations if op.energy_wh > 0]


def _operation(run: Sequence[Reading]) -> Operation:
    return Operation(run[0].at, run[-1].at, run[0].wh, run[-1].wh, _points(run))
