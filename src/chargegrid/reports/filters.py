"""What a report covers: a period in a time zone, optional narrowing criteria, and the
caller's scope (which organisations and sites they may see at all).

Rule for sessions that cross the period's edges: a session belongs to the period in which it
*started* (its whole energy, duration and price), so every session is counted exactly once
whichever periods are reported. Utilisation is different: it measures time, so only the part
of occupancy inside the period counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chargegrid.errors import InvalidInputError

MAX_PERIOD = timedelta(days=400)


@dataclass(frozen=True, slots=True)
class ReportScope:
    """What the caller may see. `organisation_ids` None means everything (CLI, jobs);
    `site_ids` are extra sites reached through access grants; `own_user_id` limits a driver
    to their own sessions."""

    organisation_ids: frozenset[int] | None = None
    site_ids: frozenset[int] = field(default_factory=frozenset)
    own_user_id: int | None = None

    def allows_organisation(self, organisation_id: int) -> bool:
        return self.organisation_ids is None or organisation_id in self.organisation_ids


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """A validated report request; build it with `ReportFilter.of(...)`."""

    start: datetime
    end: datetime
    timezone: str = "UTC"
    organisation_id: int | None = None
    site_id: int | None = None
    station_id: str | None = None
    group_id: int | None = None
    cost_centre_id: int | None = None
    user_id: int | None = None
    scope: ReportScope = field(default_factory=ReportScope)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def narrows_by_person(self) -> bool:
        """Group, cost centre or user filters select sessions, not stations."""
        return any(v is not None for v in (self.group_id, self.cost_centre_id, self.user_id))

    @classmethod
    def of(cls, *, start: date | datetime, end: date | datetime, timezone: str = "UTC",
           organisation_id: int | None = None, site_id: int | None = None,
           station_id: str | None = None, group_id: int | None = None,
           cost_centre_id: int | None = None, user_id: int | None = None,
           scope: ReportScope | None = None) -> ReportFilter:
        """Validate and normalise: dates mean local midnight in `timezone`, naive datetimes
        are local times there, the end is exclusive, the period is at most 400 days."""
        tz = zone(timezone)
        start_at, end_at = to_utc(start, tz, "start"), to_utc(end, tz, "end")
        if end_at <= start_at:
            raise InvalidInputError("end: must be after start")
        if end_at - start_at > MAX_PERIOD:
            raise InvalidInputError(f"end: a report covers at most {MAX_PERIOD.days} days")
        scope = scope or ReportScope()
        if organisation_id is not None and not scope.allows_organisation(organisation_id):
            raise InvalidInputError(f"organisation_id: organisation {organisation_id} "
                                    "is not visible to you")
        if scope.own_user_id is not None and user_id not in (None, scope.own_user_id):
            raise InvalidInputError("user_id: you may only report on your own sessions")
        return cls(start_at, end_at, timezone, organisation_id, site_id, station_id, group_id,
                   cost_centre_id, user_id, scope)


def parse_moment(value: str, field_name: str) -> date | datetime:
    """`2026-11-01` or `2026-11-01T08:00[:00][+01:00]`; anything else names the field."""
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value)
    except ValueError as err:
        raise InvalidInputError(
            f"{field_name}: not an ISO 8601 date or date-time: {value!r}") from err


def zone(name: str) -> ZoneInfo:
    """An IANA time zone, or a clear error naming the field."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise InvalidInputError(f"timezone: unknown time zone {name!r}") from err


def to_utc(moment: date | datetime, tz: ZoneInfo, field_name: str) -> datetime:
    """A date is local midnight; a naive datetime is local time; aware ones are kept."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(0), tzinfo=tz)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    try:
        return moment.astimezone(ZoneInfo("UTC"))
    except (OverflowError, ValueError) as err:
        raise InvalidInputError(f"{field_name}: out of range") from err
