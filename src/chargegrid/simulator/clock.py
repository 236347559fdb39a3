"""Clocks for the simulator: energy integrates over clock time, not wall time.

Tests advance a `ManualClock` by hand; demos and benchmarks run a `ScaledClock` that
moves `speed` times faster than the wall clock so an hour of charging takes a minute.
Both satisfy `chargegrid.clock.Clock`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class ManualClock:
    """A clock that only moves when told to (deterministic tests)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start if start is not None else datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)

    def set(self, when: datetime) -> None:
        self._now = when


class ScaledClock:
    """Wall time sped up by `speed` from `start` (speed 1 is the real clock)."""

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._speed = speed
        self._start = start if start is not None else datetime.now(UTC)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._origin) * self._speed
        return self._start + timedelta(seconds=elapsed)


def iso_z(when: datetime) -> str:
    """UTC ISO 8601 with milliseconds and a 'Z', the form central systems parse most reliably."""
    utc = when.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse an OCPP timestamp ('Z' or offset; naive ones are taken as UTC)."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
