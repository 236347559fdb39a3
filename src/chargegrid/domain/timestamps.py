"""OCPP timestamps: accept any valid offset, store UTC, send UTC ending in `Z`.

Strict chargers reject `+00:00`, and some chargers send local offsets; both facts live here so
no adapter has to remember them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chargegrid.errors import InvalidInputError


def parse_timestamp(value: str, *, field: str = "timestamp") -> datetime:
    """Parse an ISO 8601 timestamp in any offset into an aware UTC datetime.

    A timestamp without offset is taken as UTC: OCPP requires one, but rejecting a whole
    transaction for it would lose a driver's session; the raw value is stored alongside.
    """
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"{field}: expected an ISO 8601 timestamp, got {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as err:
        raise InvalidInputError(f"{field}: {value!r} is not an ISO 8601 timestamp") from err
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_timestamp(moment: datetime) -> str:
    """Format as UTC ISO 8601 with milliseconds and a trailing `Z`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
