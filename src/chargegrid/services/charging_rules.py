"""Charging rules: which user groups may charge at which sites/stations and when, and the
check Authorize/StartTransaction apply through `id_tokens.authorize`.

A station with no rule that applies to it (none for it, its site, or its whole organisation)
is open to every valid token, as before rules existed. Once a rule applies, only tokens of
users in a group with a rule matching the moment may charge there. Times are UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chargegrid.domain import charging_rules as rules_domain
from chargegrid.errors import InvalidInputError
from chargegrid.services.scoping import Visibility, where
from chargegrid.store.models import ChargingRule, IdToken, Station, UserGroupMember


def validate(*, weekdays: str, start_time: str, end_time: str) -> None:
    try:
        rules_domain.parse_weekdays(weekdays)
        rules_domain.parse_time(start_time, "start_time")
        rules_domain.parse_time(end_time, "end_time")
    except ValueError as err:
        raise InvalidInputError(str(err)) from err
    if not rules_domain.window_is_valid(start_time, end_time):
        raise InvalidInputError("end_time: must be after start_time (split overnight windows)")


def create(session: Session, *, organisation_id: int, group_id: int, site_id: int | None,
           station_id: str | None, weekdays: str, start_time: str, end_time: str,
           now: datetime) -> ChargingRule:
    """Store a rule; the caller has checked that group, site and station are its own."""
    validate(weekdays=weekdays, start_time=start_time, end_time=end_time)
    if site_id is not None and station_id is not None:
        raise InvalidInputError("site_id, station_id: name a site or a station, not both")
    rule = ChargingRule(organisation_id=organisation_id, group_id=group_id, site_id=site_id,
                        station_id=station_id, weekdays=weekdays, start_time=start_time,
                        end_time=end_time, created_at=now)
    session.add(rule)
    session.flush()
    return rule


def list_visible(session: Session, *, visibility: Visibility,
                 group_id: int | None = None) -> list[ChargingRule]:
    query = select(ChargingRule).where(where(ChargingRule, visibility))
    if group_id is not None:
        query = query.where(ChargingRule.group_id == group_id)
    return list(session.scalars(query.order_by(ChargingRule.id)))


def applicable(session: Session, *, station: Station) -> list[ChargingRule]:
    """The rules that govern a station: its own, its site's, and organisation-wide ones."""
    conditions = [ChargingRule.station_id == station.id]
    if station.site_id is not None:
        conditions.append(ChargingRule.site_id == station.site_id)
    conditions.append(ChargingRule.site_id.is_(None) & ChargingRule.station_id.is_(None)
                      & (ChargingRule.organisation_id == station.organisation_id))
    return list(session.scalars(select(ChargingRule).where(or_(*conditions))))


def may_charge(session: Session, *, token: IdToken, station_id: str, now: datetime) -> bool:
    """Whether the rules let this token charge at this station now (see module doc)."""
    station = session.get(Station, station_id)
    if station is None:
        return True  # unknown stations are refused at connection, not here
    rules = applicable(session, station=station)
    if not rules:
        return True
    if token.user_id is None:
        return False
    groups = set(session.scalars(select(UserGroupMember.group_id).where(
        UserGroupMember.user_id == token.user_id)))
    return any(rule.group_id in groups and rules_domain.matches(
        weekdays=rule.weekdays, start=rule.start_time, end=rule.end_time, moment=now)
        for rule in rules)
