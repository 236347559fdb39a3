"""Aggregates: totals, revenue per currency, per-station use, energy per local day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from chargegrid.reports.filters import ReportFilter
from chargegrid.reports.intervals import CHARGING, OCCUPIED, seconds
from chargegrid.reports.schemas import (
    DayEnergy,
    ReportPeriod,
    RevenueLine,
    SessionRow,
    SessionsReport,
    StationLine,
    Summary,
    Totals,
)
from chargegrid.reports.sessions import (
    horizon,
    hours,
    select_sessions,
    session_rows,
    station_where,
)
from chargegrid.reports.timelines import Timelines, evse_spans, load_timelines
from chargegrid.store.models import Connector, Evse, Station

PCT = Decimal("0.1")
ZERO = Decimal(0)


def filters_of(f: ReportFilter) -> dict[str, int | str]:
    """The criteria that were set, for the report's header."""
    named = {"organisation_id": f.organisation_id, "site_id": f.site_id,
             "station_id": f.station_id, "group_id": f.group_id,
             "cost_centre_id": f.cost_centre_id, "user_id": f.user_id}
    return {k: v for k, v in named.items() if v is not None}


def period_of(f: ReportFilter) -> ReportPeriod:
    return ReportPeriod(start=f.start, end=f.end, timezone=f.timezone)


def sessions_report(session: Session, f: ReportFilter, *, now: datetime) -> SessionsReport:
    """The per-session listing."""
    return SessionsReport(period=period_of(f), filters=filters_of(f), generated_at=now,
                          sessions=session_rows(session, f, now=now))


def build_summary(session: Session, f: ReportFilter, *, now: datetime,
                  rows: list[SessionRow] | None = None) -> Summary:
    """Everything aggregated; `rows` may be passed when the caller already has them."""
    records = select_sessions(session, f)
    stations_in_scope = session.execute(
        select(Station.id, Station.site_id).where(station_where(f)).order_by(Station.id)).all()
    if f.narrows_by_person or f.scope.own_user_id is not None:
        used = {r.station_id for r in records}
        stations_in_scope = [s for s in stations_in_scope if s.id in used]
    # One read of the status history serves both the sessions' charging time and occupancy.
    until = max(horizon(records, now=now) or f.start, min(f.end, now), f.start)
    timelines = load_timelines(
        session, station_ids={r.station_id for r in records} | {s.id for s in stations_in_scope},
        start=f.start, end=until)
    if rows is None:
        rows = session_rows(session, f, now=now, records=records, timelines=timelines)
    stations = _station_lines(session, f, rows, stations_in_scope, timelines, now=now)
    elapsed_evse_s = sum(float(s.evses) for s in stations) * _elapsed_s(f, now)
    occupied_s = sum(float(s.occupied_hours) * 3600 for s in stations)
    totals = Totals(
        sessions=len(rows),
        energy_kwh=sum((r.energy_kwh for r in rows), ZERO),
        plugged_hours=sum((r.plugged_hours for r in rows), ZERO),
        charging_hours=sum((r.charging_hours for r in rows), ZERO),
        unpriced_sessions=sum(1 for r in rows if r.currency is None),
        utilisation_pct=_pct(occupied_s, elapsed_evse_s))
    return Summary(period=period_of(f), filters=filters_of(f), generated_at=now, totals=totals,
                   revenue=_revenue(rows), stations=stations,
                   energy_per_day=_energy_per_day(f, rows))


def _elapsed_s(f: ReportFilter, now: datetime) -> float:
    """The part of the period that has happened: a station is not idle in the future."""
    return max((min(f.end, now) - f.start).total_seconds(), 0.0)


def _pct(part_s: float, whole_s: float) -> Decimal:
    if whole_s <= 0:
        return ZERO.quantize(PCT)
    return (Decimal(str(part_s)) * 100 / Decimal(str(whole_s))).quantize(PCT)


def _revenue(rows: list[SessionRow]) -> list[RevenueLine]:
    lines: dict[str, RevenueLine] = {}
    for r in rows:
        if r.currency is None:
            continue
        line = lines.setdefault(r.currency, RevenueLine(currency=r.currency, sessions=0,
                                                        net=ZERO, vat=ZERO, total=ZERO))
        line.sessions += 1
        line.net += r.revenue_net or ZERO
        line.vat += r.revenue_vat or ZERO
        line.total += r.revenue_total or ZERO
    return [lines[c] for c in sorted(lines)]


def _energy_per_day(f: ReportFilter, rows: list[SessionRow]) -> list[DayEnergy]:
    """Every local day of the period, zero-filled, by each session's local start date."""
    tz = f.tz
    first = f.start.astimezone(tz).date()
    last = (f.end - timedelta(microseconds=1)).astimezone(tz).date()
    days: dict[date, DayEnergy] = {}
    day = first
    while day <= last:
        days[day] = DayEnergy(day=day, sessions=0, energy_kwh=ZERO)
        day += timedelta(days=1)
    for r in rows:
        entry = days.get(r.started_at.astimezone(tz).date())
        if entry is not None:
            entry.sessions += 1
            entry.energy_kwh += r.energy_kwh
    return list(days.values())


def _station_lines(session: Session, f: ReportFilter, rows: list[SessionRow],
                   stations: Sequence[Row[str, int | None]], timelines: Timelines, *,
                   now: datetime) -> list[StationLine]:
    """Stations of the selected places; with person filters, only those used by them."""
    ids = [s.id for s in stations]
    end = min(f.end, now) if now > f.start else f.start
    occupied = evse_spans(timelines, states=OCCUPIED, start=f.start, end=end)
    charging = evse_spans(timelines, states=CHARGING, start=f.start, end=end)
    evses = _evse_ids(session, ids)
    evses_known_for = set(ids)
    occupied_s: defaultdict[str, float] = defaultdict(float)
    charging_s: defaultdict[str, float] = defaultdict(float)
    for spans, into in ((occupied, occupied_s), (charging, charging_s)):
        for (station_id, evse_id), station_spans in spans.items():
            if station_id not in evses_known_for:
                continue
            evses[station_id].add(evse_id)
            into[station_id] += seconds(station_spans)
    per_station: dict[str, list[SessionRow]] = defaultdict(list)
    for r in rows:
        per_station[r.station_id].append(r)
    elapsed = _elapsed_s(f, now)
    lines = []
    for station_id, site_id in stations:
        n = max(len(evses[station_id]), 1)
        occ_s, chg_s = occupied_s[station_id], charging_s[station_id]
        mine = per_station.get(station_id, [])
        lines.append(StationLine(
            station_id=station_id, site_id=site_id, evses=n, sessions=len(mine),
            energy_kwh=sum((r.energy_kwh for r in mine), ZERO),
            plugged_hours=sum((r.plugged_hours for r in mine), ZERO),
            occupied_hours=hours(occ_s), utilisation_pct=_pct(occ_s, n * elapsed),
            charging_pct=_pct(chg_s, n * elapsed)))
    return lines


def _evse_ids(session: Session, station_ids: list[str]) -> defaultdict[str, set[int]]:
    """EVSEs (> 0) each station is known to have, from the EVSE and connector tables."""
    known: defaultdict[str, set[int]] = defaultdict(set)
    for i in range(0, len(station_ids), 500):
        chunk = station_ids[i:i + 500]
        for model in (Evse, Connector):
            for station_id, evse_id in session.execute(
                    select(model.station_id, model.evse_id).where(
                        model.station_id.in_(chunk), model.evse_id > 0)):
                known[station_id].add(evse_id)
    return known
