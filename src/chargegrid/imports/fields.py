"""Cell parsers: each turns the text of one cell into a value or raises `CellError` with a
reason a person can act on. An empty cell never reaches a parser (it means "no value")."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

Parser = Callable[[str], Any]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")  # ISO 3779: no I, O or Q
_TRUE = frozenset({"true", "yes", "1", "y"})
_FALSE = frozenset({"false", "no", "0", "n"})


class CellError(ValueError):
    """Why a cell's value is not acceptable."""


def text(max_length: int, *, printable: bool = True) -> Parser:
    """Free text up to `max_length` characters."""
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise CellError(f"longer than {max_length} characters")
        if printable and not value.isprintable():
            raise CellError("contains non-printable characters")
        return value
    return parse


def email(value: str) -> str:
    """An e-mail address, compared and stored in lower case (it is the login)."""
    if len(value) > 255 or not _EMAIL.match(value):
        raise CellError(f"{value!r} is not an e-mail address")
    return value.lower()


def choice(options: Iterable[str]) -> Parser:
    """One of `options`, exactly (OCPP values are case-sensitive)."""
    allowed = tuple(options)

    def parse(value: str) -> str:
        if value not in allowed:
            raise CellError(f"{value!r} is not one of {', '.join(allowed)}")
        return value
    return parse


def boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CellError(f"{value!r} is not a yes/no value (true/false, yes/no, 1/0)")


def timestamp(value: str) -> datetime:
    """ISO 8601 with a time zone, or a plain date (midnight UTC)."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CellError(f"{value!r} is not an ISO 8601 date or date-time") from None
    if moment.tzinfo is None:
        raise CellError(f"{value!r} has no time zone (add Z or +01:00)")
    return moment.astimezone(UTC)


def number(low: float, high: float) -> Parser:
    """A decimal number within [low, high] (a physical quantity, not money)."""
    def parse(value: str) -> float:
        try:
            result = float(value.replace(",", ".")) if value.count(",") <= 1 else None
        except ValueError:
            result = None
        if result is None or result != result:  # NaN
            raise CellError(f"{value!r} is not a number")
        if not low <= result <= high:
            raise CellError(f"{value} is outside {low:g}..{high:g}")
        return result
    return parse


def vin(value: str) -> str:
    """A vehicle identification number (17 characters, ISO 3779), upper case."""
    upper = value.upper()
    if not _VIN.match(upper):
        raise CellError(f"{value!r} is not a 17-character VIN (letters I, O, Q are not used)")
    return upper


def plate(value: str) -> str:
    """A licence plate, compared without spaces and dashes, in upper case."""
    normal = re.sub(r"[\s-]", "", value).upper()
    if not normal or len(normal) > 32 or not normal.isalnum():
        raise CellError(f"{value!r} is not a licence plate (letters and digits, 1..32)")
    return normal
