"""Report filters: period in a time zone, limits, scope checks, each error naming its field."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chargegrid.errors import InvalidInputError
from chargegrid.reports.filters import ReportFilter, ReportScope, parse_moment


def test_dates_are_local_midnight_and_end_is_exclusive() -> None:
    f = ReportFilter.of(start=date(2026, 11, 1), end=date(2026, 12, 1), timezone="Europe/Paris")
    assert f.start == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
    assert f.end == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)


def test_dst_day_is_23_hours_long() -> None:
    f = ReportFilter.of(start=date(2026, 3, 29), end=date(2026, 3, 30), timezone="Europe/Paris")
    assert (f.end - f.start).total_seconds() == 23 * 3600


def test_naive_datetimes_are_local_and_aware_ones_kept() -> None:
    f = ReportFilter.of(start=parse_moment("2026-07-01T08:00", "start"),
                        end=parse_moment("2026-07-01T10:00:00+00:00", "end"),
                        timezone="Europe/Paris")
    assert f.start == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
    assert f.end == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"start": date(2026, 11, 2), "end": date(2026, 11, 2)}, "end: must be after start"),
    ({"start": date(2025, 1, 1), "end": date(2026, 3, 1)}, "end: a report covers at most"),
    ({"start": date(2026, 11, 1), "end": date(2026, 11, 2), "timezone": "Mars/Olympus"},
     "timezone: unknown time zone"),
    ({"start": date(2026, 11, 1), "end": date(2026, 11, 2), "organisation_id": 2,
      "scope": ReportScope(organisation_ids=frozenset({1}))}, "organisation_id: organisation 2"),
    ({"start": date(2026, 11, 1), "end": date(2026, 11, 2), "user_id": 8,
      "scope": ReportScope(own_user_id=7)}, "user_id: you may only"),
])
def test_bad_filters_name_the_field(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        ReportFilter.of(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2026-11-01T25:00"])
def test_parse_moment_refuses_garbage(value: str) -> None:
    with pytest.raises(InvalidInputError, match="start: not an ISO 8601"):
        parse_moment(value, "start")
