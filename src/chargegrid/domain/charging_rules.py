"""When a charging rule lets its group charge: pure parsing and matching of the weekday mask
and the daily window, so both the API (validation) and Authorize (decision) use one code."""

from __future__ import annotations

import re
from datetime import datetime

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


def parse_weekdays(value: str) -> str:
    """Seven 0/1 flags, Monday first ("1111100" = working days)."""
    if len(value) != 7 or set(value) - {"0", "1"}:
        raise ValueError("weekdays: seven 0/1 flags, Monday first (e.g. '1111100')")
    return value


def parse_time(value: str, field: str) -> str:
    """"HH:MM" from 00:00 to 24:00 (24:00 closes a window at midnight)."""
    if not _TIME.match(value):
        raise ValueError(f"{field}: 'HH:MM' between 00:00 and 24:00")
    return value


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def window_is_valid(start: str, end: str) -> bool:
    """A window is start < end on the same day (an overnight window is two rules)."""
    return _minutes(start) < _minutes(end)


def matches(*, weekdays: str, start: str, end: str, moment: datetime) -> bool:
    """Whether `moment` (in the rule's time zone) falls on a flagged day inside [start, end)."""
    if weekdays[moment.weekday()] != "1":
        return False
    minute = moment.hour * 60 + moment.minute
    return _minutes(start) <= minute < _minutes(end)
