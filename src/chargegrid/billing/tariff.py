"""Tariffs as plain data: versions with validity dates, time-of-use bands in site local time.

A `Tariff` has a currency and versions; each `TariffVersion` is valid over
[valid_from, valid_to) in UTC and never overlaps another version of the same tariff. Within a
version, prices come from the first `Band` matching the moment's *local* weekday and time of
day (the version's IANA time zone, e.g. Europe/Paris); a moment no band covers uses the
version's base prices. A band whose end is at or before its start wraps past midnight
(22:00–06:00): both parts belong to the weekdays of the moment's own local date. `end`
00:00 means the end of the day.

Prices are net of VAT. Session fee, minimum/maximum price, idle grace and VAT rate of a
session are taken from the version valid when the session starts (energy and time prices are
taken moment by moment, see pricing.py).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chargegrid.errors import InvalidInputError

BASE_BAND = "base"
WEEKDAYS = frozenset(range(7))  # Monday = 0, as datetime.weekday()


def _non_negative(name: str, value: Decimal) -> None:
    if not isinstance(value, Decimal):
        raise InvalidInputError(f"{name}: must be a decimal, got {type(value).__name__}")
    if not value.is_finite() or value < 0:
        raise InvalidInputError(f"{name}: must be a finite amount >= 0, got {value}")


@dataclass(frozen=True, slots=True)
class Prices:
    """Unit prices, net of VAT: per kWh, per hour charging, per hour idle (after grace)."""

    energy_per_kwh: Decimal = Decimal(0)
    time_per_hour: Decimal = Decimal(0)
    idle_per_hour: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _non_negative("energy_per_kwh", self.energy_per_kwh)
        _non_negative("time_per_hour", self.time_per_hour)
        _non_negative("idle_per_hour", self.idle_per_hour)


@dataclass(frozen=True, slots=True)
class Band:
    """A time-of-use band: local weekdays and [start, end) time of day, with its prices."""

    name: str
    start: time
    end: time
    prices: Prices
    weekdays: frozenset[int] = WEEKDAYS

    def __post_init__(self) -> None:
        if not self.name or self.name == BASE_BAND:
            raise InvalidInputError(f"bands.name: must be non-empty and not {BASE_BAND!r}")
        if not self.weekdays or not self.weekdays <= WEEKDAYS:
            raise InvalidInputError(f"bands.weekdays: must be a non-empty subset of 0..6 "
                                    f"(Monday = 0), got {sorted(self.weekdays)}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise InvalidInputError("bands.start/end: local times of day, without a zone")
        if self.start == self.end and self.start != time(0):
            raise InvalidInputError(f"bands.{self.name}: start equals end ({self.start})")

    def covers(self, local: datetime) -> bool:
        """Whether this band applies at a local (wall-clock) moment."""
        if local.weekday() not in self.weekdays:
            return False
        t = local.time().replace(tzinfo=None, fold=0)
        if self.end == time(0):  # to the end of the day
            return t >= self.start
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end  # wraps past midnight


@dataclass(frozen=True, slots=True)
class TariffVersion:
    """One version of a tariff, valid over [valid_from, valid_to) (UTC; None = open)."""

    id: int
    valid_from: datetime
    timezone: str
    base: Prices
    valid_to: datetime | None = None
    bands: tuple[Band, ...] = ()
    session_fee: Decimal = Decimal(0)
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    idle_grace: timedelta = timedelta(0)
    vat_rate: Decimal = Decimal(0)
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.valid_from.tzinfo is None or (self.valid_to and self.valid_to.tzinfo is None):
            raise InvalidInputError("valid_from/valid_to: must be timezone-aware")
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise InvalidInputError(f"valid_to: must be after valid_from ({self.valid_from})")
        try:
            object.__setattr__(self, "zone", ZoneInfo(self.timezone))
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise InvalidInputError(f"timezone: unknown time zone {self.timezone!r}") from err
        _non_negative("session_fee", self.session_fee)
        for name in ("min_price", "max_price"):
            value = getattr(self, name)
            if value is not None:
                _non_negative(name, value)
        if (self.min_price is not None and self.max_price is not None
                and self.min_price > self.max_price):
            raise InvalidInputError(f"min_price: {self.min_price} is above max_price "
                                    f"{self.max_price}")
        _non_negative("vat_rate", self.vat_rate)
        if self.vat_rate >= 1:
            raise InvalidInputError(f"vat_rate: a fraction below 1 (0.20 for 20 %), got "
                                    f"{self.vat_rate}")
        if self.idle_grace < timedelta(0):
            raise InvalidInputError("idle_grace: must not be negative")
        names = [b.name for b in self.bands]
        if len(set(names)) != len(names):
            raise InvalidInputError(f"bands: duplicate band names {names}")

    def valid_at(self, moment: datetime) -> bool:
        """Whether this version is in force at a UTC moment."""
        return self.valid_from <= moment and (self.valid_to is None or moment < self.valid_to)

    def band_at(self, moment: datetime) -> tuple[str, Prices]:
        """The band name and prices in force at a moment (local time of the version's zone)."""
        local = moment.astimezone(self.zone)
        for band in self.bands:
            if band.covers(local):
                return band.name, band.prices
        return BASE_BAND, self.base

    def boundary_times(self) -> set[time]:
        """Every local time of day at which a band may begin or end (midnight included)."""
        out = {time(0)}
        for band in self.bands:
            out.update((band.start, band.end))
        return out


@dataclass(frozen=True, slots=True)
class Tariff:
    """A named tariff in one currency with non-overlapping versions."""

    id: int
    name: str
    currency: str
    versions: tuple[TariffVersion, ...]

    def __post_init__(self) -> None:
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise InvalidInputError(f"currency: an ISO 4217 code like EUR, got "
                                    f"{self.currency!r}")
        check_no_overlap(self.versions)

    def version_at(self, moment: datetime) -> TariffVersion | None:
        """The version in force at a UTC moment, if any."""
        for version in self.versions:
            if version.valid_at(moment):
                return version
        return None


def check_no_overlap(versions: tuple[TariffVersion, ...] | list[TariffVersion]) -> None:
    """Refuse versions whose validity periods overlap (the price at a moment must be unique)."""
    ordered = sorted(versions, key=lambda v: v.valid_from)
    for before, after in itertools.pairwise(ordered):
        if before.valid_to is None or before.valid_to > after.valid_from:
            raise InvalidInputError(
                f"versions: version {before.id} (from {before.valid_from.isoformat()}"
                f" to {before.valid_to.isoformat() if before.valid_to else 'open end'})"
                f" overlaps version {after.id} (from {after.valid_from.isoformat()})")
