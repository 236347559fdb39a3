"""Per-session rows: which sessions a filter selects, with energy, time plugged and time
actually charging (from the EVSE's status history), and their price when one exists."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Row, Select, and_, false, or_, select, true
from sqlalchemy.orm import Session

from chargegrid.reports.filters import ReportFilter, ReportScope
from chargegrid.reports.intervals import CHARGING, overlap_seconds
from chargegrid.reports.revenue import prices_for
from chargegrid.reports.schemas import SessionRow
from chargegrid.reports.timelines import Timelines, evse_spans, load_timelines
from chargegrid.store.models import (
    IdToken,
    Station,
    Transaction,
    UserGroup,
    UserGroupMember,
)

KWH = Decimal("0.001")
HOURS = Decimal("0.01")


def hours(seconds: float) -> Decimal:
    return (Decimal(str(seconds)) / 3600).quantize(HOURS)


def kwh(wh: int | float | None) -> Decimal:
    return (Decimal(str(wh or 0)) / 1000).quantize(KWH)


def station_where(f: ReportFilter) -> ColumnElement[bool]:
    """Stations the caller may see and the location filters select."""
    conditions: list[ColumnElement[bool]] = [_scope_where(f.scope)]
    if f.organisation_id is not None:
        conditions.append(Station.organisation_id == f.organisation_id)
    if f.site_id is not None:
        conditions.append(Station.site_id == f.site_id)
    if f.station_id is not None:
        conditions.append(Station.id == f.station_id)
    return and_(*conditions)


def _scope_where(scope: ReportScope) -> ColumnElement[bool]:
    if scope.own_user_id is not None:
        return true()  # drivers: restricted by user below, wherever they charged
    if scope.organisation_ids is None:
        return true()
    by_org = (Station.organisation_id.in_(sorted(scope.organisation_ids))
              if scope.organisation_ids else false())
    if scope.site_ids:
        return or_(by_org, Station.site_id.in_(sorted(scope.site_ids)))
    return by_org


SessionRecord = Row[int, str, int, str | None, str, datetime, datetime | None, int | None,
                    float | None, int | None, int, int | None]


def session_query(f: ReportFilter) -> Select[int, str, int, str | None, str, datetime,
                                             datetime | None, int | None, float | None,
                                             int | None, int, int | None]:
    """Sessions started in [start, end) at selected stations, by selected people (plain
    columns, not ORM objects: a month of a large site is tens of thousands of rows).

    The user of a session is the owner of its id token (`id_tokens.user_id`); groups and
    cost centres are reached through the user's group memberships."""
    user_id = IdToken.user_id
    query = (select(Transaction.id, Transaction.station_id, Transaction.evse_id,
                    Transaction.id_tag, Transaction.state, Transaction.started_at,
                    Transaction.stopped_at, Transaction.energy_wh,
                    Transaction.meter_values_energy_wh, Station.site_id,
                    Station.organisation_id, user_id)
             .join(Station, Station.id == Transaction.station_id)
             .outerjoin(IdToken, IdToken.token == Transaction.id_tag)
             .where(Transaction.started_at >= f.start, Transaction.started_at < f.end,
                    station_where(f)))
    own = f.scope.own_user_id
    if own is not None:
        query = query.where(user_id == own)
    if f.user_id is not None:
        query = query.where(user_id == f.user_id)
    if f.group_id is not None:
        query = query.where(user_id.in_(select(UserGroupMember.user_id).where(
            UserGroupMember.group_id == f.group_id)))
    if f.cost_centre_id is not None:
        query = query.where(user_id.in_(
            select(UserGroupMember.user_id)
            .join(UserGroup, UserGroup.id == UserGroupMember.group_id)
            .where(UserGroup.cost_centre_id == f.cost_centre_id)))
    return query.order_by(Transaction.started_at, Transaction.id)


def select_sessions(session: Session, f: ReportFilter) -> list[SessionRecord]:
    """The selected sessions as plain rows, oldest first."""
    return list(session.execute(session_query(f)))


def horizon(records: list[SessionRecord], *, now: datetime) -> datetime | None:
    """The latest moment any of the sessions covers (active ones run until `now`)."""
    ends = [r.stopped_at or max(now, r.started_at) for r in records]
    return max(ends) if ends else None


def session_rows(session: Session, f: ReportFilter, *, now: datetime,
                 records: list[SessionRecord] | None = None,
                 timelines: Timelines | None = None) -> list[SessionRow]:
    """Every selected session as a row, oldest first. Active sessions count up to `now`.
    `records` and `timelines` may be passed by a caller that already loaded them."""
    records = select_sessions(session, f) if records is None else records
    if not records:
        return []
    if timelines is None:
        timelines = load_timelines(session, station_ids={r.station_id for r in records},
                                   start=f.start, end=horizon(records, now=now) or f.start)
    charging = evse_spans(timelines, states=CHARGING, start=f.start,
                          end=horizon(records, now=now) or f.start)
    prices = prices_for(session, [r.id for r in records])
    rows = []
    for r in records:
        until = r.stopped_at or max(now, r.started_at)
        price = prices.get(r.id)
        # Values come typed from the database: construct without re-validating each row.
        rows.append(SessionRow.model_construct(
            transaction_id=r.id, station_id=r.station_id, site_id=r.site_id,
            organisation_id=r.organisation_id, evse_id=r.evse_id, id_tag=r.id_tag,
            user_id=r.user_id, state=r.state, started_at=r.started_at, stopped_at=r.stopped_at,
            energy_kwh=kwh(r.energy_wh if r.energy_wh is not None
                           else r.meter_values_energy_wh),
            plugged_hours=hours((until - r.started_at).total_seconds()),
            charging_hours=hours(overlap_seconds(
                charging.get((r.station_id, r.evse_id), []), r.started_at, until)),
            currency=price.currency if price else None,
            revenue_net=price.net if price else None,
            revenue_vat=price.vat if price else None,
            revenue_total=price.total if price else None))
    return rows
