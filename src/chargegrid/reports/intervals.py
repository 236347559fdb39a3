"""Pure time arithmetic on status timelines: which spans a connector spent in which states,
their union over an EVSE's connectors, and overlaps with a window. No database here."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime

Span = tuple[datetime, datetime]

# States in which a vehicle is plugged in (1.6 names and the 2.0.1 `Occupied`).
OCCUPIED = frozenset({"Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing",
                      "Occupied"})
CHARGING = frozenset({"Charging"})


def spans_in(timeline: Sequence[tuple[datetime, str]], states: frozenset[str],
             start: datetime, end: datetime) -> list[Span]:
    """Spans within [start, end) during which the timeline's state was in `states`.

    `timeline` is (time, status) in time order; the first entry may lie before `start` (the
    state in force when the window opens). A state lasts until the next entry or `end`."""
    spans: list[Span] = []
    for i, (at, status) in enumerate(timeline):
        if status not in states:
            continue
        until = timeline[i + 1][0] if i + 1 < len(timeline) else end
        lo, hi = max(at, start), min(until, end)
        if hi > lo:
            spans.append((lo, hi))
    return union(spans)


def union(spans: Iterable[Span]) -> list[Span]:
    """Merge overlapping or touching spans."""
    merged: list[Span] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


def seconds(spans: Iterable[Span]) -> float:
    return sum((hi - lo).total_seconds() for lo, hi in spans)


def overlap_seconds(spans: Sequence[Span], start: datetime, end: datetime) -> float:
    """How much of [start, end) the merged, sorted spans cover (a binary search finds the
    first candidate, so a month of one EVSE's spans costs a few steps per session)."""
    total = 0.0
    i = bisect_right(spans, start, key=lambda span: span[1])
    while i < len(spans) and spans[i][0] < end:
        lo, hi = spans[i]
        a, b = max(lo, start), min(hi, end)
        if b > a:
            total += (b - a).total_seconds()
        i += 1
    return total
