"""Fair turns for paused points: who waits longest is admitted first at the next rotation.

The engine admits points of equal priority in list order; with a fixed order the same points
would wait forever on a site too small for everyone's minimum. The order is kept stable
between rotations (so sessions do not flip-flop every cycle), and every `rotation_s` the
points paused longest move to the front.
"""

from __future__ import annotations

from datetime import datetime, timedelta


class Rotation:
    def __init__(self, rotation_s: float = 900.0) -> None:
        self._period = timedelta(seconds=rotation_s)
        self._order: list[str] = []
        self._paused_since: dict[str, datetime] = {}
        self._rotated_at: datetime | None = None

    def order(self, point_ids: list[str], now: datetime) -> list[str]:
        """The admission order for this cycle."""
        known = set(point_ids)
        self._order = [p for p in self._order if p in known]
        self._order += [p for p in point_ids if p not in self._order]
        if self._rotated_at is None:
            self._rotated_at = now
        elif now - self._rotated_at >= self._period and self._paused_since:
            waiting = sorted((p for p in self._order if p in self._paused_since),
                             key=lambda p: self._paused_since[p])
            self._order = waiting + [p for p in self._order if p not in self._paused_since]
            self._rotated_at = now
        return list(self._order)

    def record(self, limits: dict[str, float], in_session: set[str], now: datetime) -> None:
        """After an allocation: who is paused (0 A while in session) and since when."""
        for point in in_session:
            if limits.get(point, 0.0) <= 0.0:
                self._paused_since.setdefault(point, now)
            else:
                self._paused_since.pop(point, None)
        for point in [p for p in self._paused_since if p not in in_session]:
            del self._paused_since[point]

    def waiting(self, now: datetime) -> dict[str, float]:
        """Seconds each paused point has been waiting."""
        return {p: (now - t).total_seconds() for p, t in self._paused_since.items()}
