"""CSV renderings, produced line by line so the API can stream them.

Times are local to the report's time zone with their offset (what an accountant reads);
decimals use a dot. Text cells that a spreadsheet would run as a formula (=, +, -, @) are
prefixed with an apostrophe: id tags come from the field and are not trusted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from chargegrid.reports.schemas import SessionRow, Summary

SESSION_COLUMNS = (
    "transaction_id", "station_id", "site_id", "organisation_id", "evse_id", "id_tag",
    "user_id", "state", "started_at", "stopped_at", "energy_kwh", "plugged_hours",
    "charging_hours", "currency", "revenue_net", "revenue_vat", "revenue_total",
)
SUMMARY_COLUMNS = ("section", "key", "metric", "value")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat()
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _line(values: Sequence[object], tz: ZoneInfo) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([_cell(v, tz) for v in values])
    return buffer.getvalue()


def session_lines(rows: Iterable[SessionRow], *, timezone: str) -> Iterator[str]:
    """Header, then one line per session."""
    tz = ZoneInfo(timezone)
    yield _line(SESSION_COLUMNS, tz)
    for row in rows:
        yield _line([getattr(row, column) for column in SESSION_COLUMNS], tz)


def summary_lines(summary: Summary) -> Iterator[str]:
    """The summary in long form (section, key, metric, value): easy to pivot or filter."""
    tz = ZoneInfo(summary.period.timezone)
    yield _line(SUMMARY_COLUMNS, tz)
    yield _line(("period", "", "start", summary.period.start), tz)
    yield _line(("period", "", "end", summary.period.end), tz)
    yield _line(("period", "", "timezone", summary.period.timezone), tz)
    for name, value in summary.filters.items():
        yield _line(("filter", "", name, value), tz)
    for metric, value in summary.totals.model_dump().items():
        yield _line(("totals", "", metric, value), tz)
    for line in summary.revenue:
        for metric in ("sessions", "net", "vat", "total"):
            yield _line(("revenue", line.currency, metric, getattr(line, metric)), tz)
    for station in summary.stations:
        for metric, value in station.model_dump(exclude={"station_id"}).items():
            yield _line(("station", station.station_id, metric, value), tz)
    for day in summary.energy_per_day:
        yield _line(("day", day.day.isoformat(), "sessions", day.sessions), tz)
        yield _line(("day", day.day.isoformat(), "energy_kwh", day.energy_kwh), tz)
