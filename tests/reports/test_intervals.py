"""Status-timeline arithmetic, as a table of cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chargegrid.reports.intervals import (
    CHARGING,
    OCCUPIED,
    overlap_seconds,
    seconds,
    spans_in,
    union,
)

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(("timeline", "states", "window", "expected_min"), [
    # Occupied from 0 to 120 via Preparing/Charging/SuspendedEV, Available after.
    ([(0, "Preparing"), (5, "Charging"), (65, "SuspendedEV"), (120, "Available")],
     OCCUPIED, (0, 240), 120),
    ([(0, "Preparing"), (5, "Charging"), (65, "SuspendedEV"), (120, "Available")],
     CHARGING, (0, 240), 60),
    # The state in force before the window counts from the window's start only.
    ([(-600, "Charging"), (30, "Available")], CHARGING, (0, 240), 30),
    # A state still in force at the end is cut at the window's end.
    ([(200, "Occupied")], OCCUPIED, (0, 240), 40),
    # Nothing occupied.
    ([(0, "Available"), (10, "Faulted"), (20, "Unavailable")], OCCUPIED, (0, 240), 0),
    ([], OCCUPIED, (0, 240), 0),
])
def test_spans_in(timeline: list[tuple[float, str]], states: frozenset[str],
                  window: tuple[float, float], expected_min: float) -> None:
    spans = spans_in([(at(m), s) for m, s in timeline], states, at(window[0]), at(window[1]))
    assert seconds(spans) == expected_min * 60


def test_union_merges_overlaps_and_touching_spans() -> None:
    merged = union([(at(10), at(20)), (at(0), at(5)), (at(5), at(8)), (at(15), at(30))])
    assert merged == [(at(0), at(8)), (at(10), at(30))]


def test_overlap_with_a_window() -> None:
    spans = [(at(0), at(60)), (at(90), at(120))]
    assert overlap_seconds(spans, at(30), at(100)) == 40 * 60
    assert overlap_seconds(spans, at(200), at(300)) == 0
