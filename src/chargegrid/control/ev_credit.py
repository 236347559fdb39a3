"""The EV current credited against meter readings, aligned with when the meters read.

A meter measures everything below it: base load = reading − EV currents. Crediting more EV
current than the points really drew when the meter read under-estimates the base load,
which is unsafe; crediting less over-estimates it, which is safe but costs capacity — and
if the error follows the controller's own changes, it feeds back: a cycle that lowers
limits makes the next one see a higher base load and lower them again.

So each point is credited what it drew *at the readings*, never as of now:

- the least of its samples that may have been in force when a meter read: the sample in
  force at the window's start and every later one stamped up to its end. Readings and
  MeterValues are stamped on receipt, a little after they were measured, so the window is
  [oldest fresh reading − margin, newest fresh reading + margin]; a sample stamped after it
  was measured after every reading and says nothing about them;
- capped by the least limit the point had in force over [oldest − margin, newest]: a point
  lowered but not yet re-measured cannot draw more than its new limit (and a point raised
  in that window may not have taken the raise yet). A limit accepted after the newest
  reading cannot have shaped it.

Before, both minima ran until *now*: a cycle that had just lowered (or raised) limits,
woken by anything before the meter read again, paired the old reading with the new lower
limits and samples, saw the base load jump by the whole change and cut again, down to 0 A.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from chargegrid.control.live_state import EvseState

LIMIT_HISTORY = 64


@dataclass(frozen=True, slots=True)
class ReadingWindow:
    """The instants the fresh meter readings may have been measured at, widened by the
    receipt-stamp margin: samples are looked at over [start, samples_until], limits over
    [start, limits_until]."""

    start: datetime
    limits_until: datetime
    samples_until: datetime

    @classmethod
    def around(cls, oldest: datetime, newest: datetime, margin: timedelta) -> ReadingWindow:
        return cls(oldest - margin, newest, newest + margin)


class LimitLog:
    """Per point, the limits it accepted, when, and until when they hold: what it may have
    drawn at a reading."""

    def __init__(self) -> None:
        self._log: dict[str, deque[tuple[datetime, float, datetime | None]]] = {}

    def record(self, pid: str, at: datetime, amps: float,
               valid_until: datetime | None = None) -> None:
        """`valid_until` None: a limit that holds until the next one (the fallback)."""
        self._log.setdefault(pid, deque(maxlen=LIMIT_HISTORY)).append((at, amps, valid_until))

    def last(self, pid: str) -> float | None:
        """The limit accepted last (None when none was)."""
        log = self._log.get(pid)
        return log[-1][1] if log else None

    def least_in_force(self, pid: str, start: datetime, end: datetime,
                       fallback: float) -> float | None:
        """The lowest limit in force at some instant of [start, end]: the one accepted last
        at or before `start` and every one accepted after it up to `end` (and `fallback`
        if one of them expired by `end`). 0 when the log begins after `start` (unknown
        then), None when the point has no log at all."""
        log = self._log.get(pid)
        if not log:
            return None
        in_force: list[tuple[datetime, float, datetime | None]] = []
        for entry in reversed(log):  # newest first, down to the one in force at `start`
            if entry[0] <= start:
                in_force.append(entry)
                break
            if entry[0] <= end:
                in_force.append(entry)
        else:
            return 0.0
        least = min(amps for _, amps, _ in in_force)
        if any(until is not None and until <= end for _, _, until in in_force):
            least = min(least, fallback)
        return least


def point_credit(evse: EvseState, cap: float, window: ReadingWindow) -> dict[str, float]:
    """Per station phase, what the point is credited: {} (nothing) when no sample of it is
    known at the window's start (a session that started since, a history too short)."""
    least = evse.least_between(window.start, window.samples_until)
    return {phase: min(amps, cap) for phase, amps in least.items()}


def limit_cap(least: float, min_a: float) -> float:
    """The cap on a point's credit: the least limit in force over the window, 0 if that is
    below the point's minimum (the vehicle was stopped)."""
    return 0.0 if least < min_a else least


def by_grid_phase(credits: Mapping[str, float], grid: tuple[int, int, int],
                  phases: tuple[str, ...]) -> dict[str, float]:
    """Station-phase credits mapped onto the grid phases its rotation wires them to."""
    out = dict.fromkeys(phases, 0.0)
    for k, station_phase in enumerate(phases):
        out[phases[grid[k]]] += credits.get(station_phase, 0.0)
    return out
