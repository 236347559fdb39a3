from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from chargegrid.domain.timestamps import format_timestamp, parse_timestamp
from chargegrid.errors import InvalidInputError


@pytest.mark.parametrize(("raw", "expected"), [
    ("2026-03-01T10:00:00Z", datetime(2026, 3, 1, 10, tzinfo=UTC)),
    ("2026-03-01T10:00:00.123z", datetime(2026, 3, 1, 10, 0, 0, 123000, tzinfo=UTC)),
    ("2026-03-01T11:00:00+01:00", datetime(2026, 3, 1, 10, tzinfo=UTC)),
    ("2026-03-01T05:30:00-04:30", datetime(2026, 3, 1, 10, tzinfo=UTC)),
    ("2026-03-01T10:00:00", datetime(2026, 3, 1, 10, tzinfo=UTC)),  # no offset: taken as UTC
])
def test_any_offset_is_stored_as_utc(raw: str, expected: datetime) -> None:
    assert parse_timestamp(raw) == expected


@pytest.mark.parametrize("raw", ["", "yesterday", "2026-13-01T00:00:00Z", "2026-03-01 25:00"])
def test_bad_timestamps_name_the_field(raw: str) -> None:
    with pytest.raises(InvalidInputError, match="meterValue"):
        parse_timestamp(raw, field="meterValue[0].timestamp")


def test_sent_timestamps_end_in_z() -> None:
    moment = datetime(2026, 3, 1, 11, 0, 0, 456789, tzinfo=timezone(timedelta(hours=1)))
    assert format_timestamp(moment) == "2026-03-01T10:00:00.456Z"
