"""Report results as pydantic models: the API returns them as JSON, CSV and PDF render them.

Energy, durations and money are Decimals (exact, serialised as strings in JSON); times are
UTC, with the report's time zone stated so readers can convert.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel


class SessionRow(BaseModel):
    """One charging session, attributed to the period it started in."""

    transaction_id: int
    station_id: str
    site_id: int | None
    organisation_id: int
    evse_id: int
    id_tag: str | None
    user_id: int | None
    state: str
    started_at: datetime
    stopped_at: datetime | None
    energy_kwh: Decimal
    plugged_hours: Decimal
    charging_hours: Decimal
    currency: str | None = None
    revenue_net: Decimal | None = None
    revenue_vat: Decimal | None = None
    revenue_total: Decimal | None = None


class RevenueLine(BaseModel):
    """Priced sessions of one currency (amounts never mix currencies)."""

    currency: str
    sessions: int
    net: Decimal
    vat: Decimal
    total: Decimal


class StationLine(BaseModel):
    """One station over the period: its sessions, and how much of the time it was in use.

    `utilisation_pct` = time with a vehicle plugged (any connector of an EVSE) summed over
    the EVSEs / (EVSEs × the elapsed part of the period); `charging_pct` the same for
    `Charging` only."""

    station_id: str
    site_id: int | None
    evses: int
    sessions: int
    energy_kwh: Decimal
    plugged_hours: Decimal
    occupied_hours: Decimal
    utilisation_pct: Decimal
    charging_pct: Decimal


class DayEnergy(BaseModel):
    """Energy of the sessions that started on a local calendar day."""

    day: date
    sessions: int
    energy_kwh: Decimal


class Totals(BaseModel):
    sessions: int
    energy_kwh: Decimal
    plugged_hours: Decimal
    charging_hours: Decimal
    unpriced_sessions: int
    utilisation_pct: Decimal


class ReportPeriod(BaseModel):
    start: datetime
    end: datetime
    timezone: str


class Summary(BaseModel):
    """Aggregates of a report: totals, revenue per currency, per station, per day."""

    period: ReportPeriod
    filters: dict[str, int | str]
    generated_at: datetime
    totals: Totals
    revenue: list[RevenueLine]
    stations: list[StationLine]
    energy_per_day: list[DayEnergy]


class SessionsReport(BaseModel):
    period: ReportPeriod
    filters: dict[str, int | str]
    generated_at: datetime
    sessions: list[SessionRow]
