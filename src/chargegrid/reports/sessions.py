"""Per-session rows: which sessions a filter selects, with energy, time plugged and time
actually charging (from the EVSE's status history), and their price when one exists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import Session

from chargegrid.reports.filters import ReportFilter, ReportScope
from chargegrid.reports.intervals import CHARGING, overlap_seconds
from chargegrid.reports.revenue import prices_for
from chargegrid.reports.schemas import SessionRow
from chargegrid.reports.timelines import evse_spans
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


def session_query(f: ReportFilter) -> Select[Transaction, Station, int | None]:
    """Sessions started in [start, end) at selected stations, by selected people.

    The user of a session is the owner of its id token (`id_tokens.user_id`); groups and
    cost centres are reached through the user's group memberships."""
    user_id = IdToken.user_id
    query = (select(Transaction, Station, user_id)
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


def session_rows(session: Session, f: ReportFilter, *, now: datetime) -> list[SessionRow]:
    """Every selected session as a row, oldest first. Active sessions count up to `now`."""
    found = [(tx, station, uid) for tx, station, uid in session.execute(session_query(f))]
    if not found:
        return []
    horizon_end = max((tx.stopped_at or now) for tx, _, _ in found)
    charging = evse_spans(session, station_ids={tx.station_id for tx, _, _ in found},
                          start=f.start, end=max(horizon_end, f.start), states=CHARGING)
    prices = prices_for(session, [tx.id for tx, _, _ in found])
    rows = []
    for tx, station, uid in found:
        until = tx.stopped_at or max(now, tx.started_at)
        price = prices.get(tx.id)
        rows.append(SessionRow(
            transaction_id=tx.id, station_id=tx.station_id, site_id=station.site_id,
            organisation_id=station.organisation_id, evse_id=tx.evse_id, id_tag=tx.id_tag,
            user_id=uid, state=tx.state, started_at=tx.started_at, stopped_at=tx.stopped_at,
            energy_kwh=kwh(tx.energy_wh if tx.energy_wh is not None
                           else tx.meter_values_energy_wh),
            plugged_hours=hours((until - tx.started_at).total_seconds()),
            charging_hours=hours(overlap_seconds(
                charging.get((tx.station_id, tx.evse_id), []), tx.started_at, until)),
            currency=price.currency if price else None,
            revenue_net=price.net if price else None,
            revenue_vat=price.vat if price else None,
            revenue_total=price.total if price else None))
    return rows


def iter_rows(session: Session, f: ReportFilter, *, now: datetime) -> Iterator[SessionRow]:
    """The rows one by one (the CSV writer streams from this)."""
    yield from session_rows(session, f, now=now)
