"""What a caller may see: a `Visibility` (organisations, granted sites, own user) and the SQL
conditions that restrict each kind of object to it.

The API builds one Visibility per request from the permission table
(`domain.permissions`) and the caller's organisation tree and access grants; every query of
a scoped route goes through `where(...)` here, and every object named in a URL through
`visible_or_404`, so that an object of another organisation is indistinguishable from one
that does not exist (404, never 403: ids cannot be probed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from chargegrid.domain.permissions import Action, Resource, Scope, grant_allows, scope_for
from chargegrid.errors import NotFoundError
from chargegrid.store.models import (
    AccessGrant,
    AuditEntry,
    ChargingRule,
    CommandRecord,
    CostCentre,
    IdToken,
    Organisation,
    Site,
    Station,
    Transaction,
    User,
    UserGroup,
    Vehicle,
)


@dataclass(frozen=True, slots=True)
class Visibility:
    """The objects one caller may reach for one (resource, action).

    `org_ids`: organisations seen whole; `site_ids`: extra sites reached through access
    grants; `own_user_id`: when set, only that user's own objects (drivers).
    `unrestricted` is for internal callers (CLI, background jobs), never for the API.
    """

    org_ids: frozenset[int] = frozenset()
    site_ids: frozenset[int] = frozenset()
    own_user_id: int | None = None
    unrestricted: bool = False

    @classmethod
    def everything(cls) -> Visibility:
        return cls(unrestricted=True)


def _in(column: Any, values: frozenset[int]) -> ColumnElement[bool]:
    return column.in_(sorted(values)) if values else false()


def stations_where(v: Visibility) -> ColumnElement[bool]:
    if v.unrestricted:
        return true()
    if v.own_user_id is not None:
        return false()
    return or_(_in(Station.organisation_id, v.org_ids), _in(Station.site_id, v.site_ids))


def sites_where(v: Visibility) -> ColumnElement[bool]:
    if v.unrestricted:
        return true()
    if v.own_user_id is not None:
        return false()
    return or_(_in(Site.organisation_id, v.org_ids), _in(Site.id, v.site_ids))


def id_tokens_where(v: Visibility) -> ColumnElement[bool]:
    if v.unrestricted:
        return true()
    if v.own_user_id is not None:
        return IdToken.user_id == v.own_user_id
    return _in(IdToken.organisation_id, v.org_ids)


def transactions_where(v: Visibility) -> ColumnElement[bool]:
    """Through the station (operators, installers) or, for drivers, through their cards."""
    if v.unrestricted:
        return true()
    if v.own_user_id is not None:
        own_tags = select(IdToken.token).where(IdToken.user_id == v.own_user_id)
        return Transaction.id_tag.in_(own_tags)
    return Transaction.station_id.in_(select(Station.id).where(stations_where(v)))


def users_where(v: Visibility) -> ColumnElement[bool]:
    if v.unrestricted:
        return true()
    if v.own_user_id is not None:
        return User.id == v.own_user_id
    return _in(User.organisation_id, v.org_ids)


def vehicles_where(v: Visibility) -> ColumnElement[bool]:
    if v.unrestricted:
        return true()
    if v.own_user_id is not None:
        return Vehicle.user_id == v.own_user_id
    return _in(Vehicle.organisation_id, v.org_ids)


def organisations_where(v: Visibility) -> ColumnElement[bool]:
    return true() if v.unrestricted else _in(Organisation.id, v.org_ids)


def grants_where(v: Visibility) -> ColumnElement[bool]:
    """Grants given by the caller's organisations, and grants given to them."""
    if v.unrestricted:
        return true()
    return or_(_in(AccessGrant.organisation_id, v.org_ids),
               _in(AccessGrant.grantee_organisation_id, v.org_ids))


def owned_where(model: Any, v: Visibility) -> ColumnElement[bool]:
    """Objects that simply belong to an organisation (groups, cost centres, rules, audit)."""
    if v.unrestricted:
        return true()
    if v.own_user_id is not None:
        return false()
    return _in(model.organisation_id, v.org_ids)


WHERE: dict[type[Any], Callable[[Visibility], ColumnElement[bool]]] = {
    Station: stations_where,
    Site: sites_where,
    IdToken: id_tokens_where,
    Transaction: transactions_where,
    User: users_where,
    Vehicle: vehicles_where,
    Organisation: organisations_where,
    AccessGrant: grants_where,
    UserGroup: lambda v: owned_where(UserGroup, v),
    CostCentre: lambda v: owned_where(CostCentre, v),
    ChargingRule: lambda v: owned_where(ChargingRule, v),
    AuditEntry: lambda v: owned_where(AuditEntry, v),
    CommandRecord: lambda v: CommandRecord.station_id.in_(
        select(Station.id).where(stations_where(v))),
}


def where(model: type[Any], v: Visibility) -> ColumnElement[bool]:
    """The condition restricting `model` rows to what `v` may see."""
    return WHERE[model](v)


@dataclass(frozen=True, slots=True)
class PathObject:
    """How a URL path parameter names an object, and what to call it in a 404."""

    model: type[Any]
    column: str
    label: str
    as_int: bool = True


# Every path parameter that names a scoped object. The API checks each one present in a URL
# before the route runs (and before its body is read).
PATH_OBJECTS: dict[str, PathObject] = {
    "station_id": PathObject(Station, "id", "station", as_int=False),
    "site_id": PathObject(Site, "id", "site"),
    "token": PathObject(IdToken, "token", "id token", as_int=False),
    "transaction_id": PathObject(Transaction, "id", "transaction"),
    "organisation_id": PathObject(Organisation, "id", "organisation"),
    "user_id": PathObject(User, "id", "user"),
    "group_id": PathObject(UserGroup, "id", "user group"),
    "cost_centre_id": PathObject(CostCentre, "id", "cost centre"),
    "vehicle_id": PathObject(Vehicle, "id", "vehicle"),
    "grant_id": PathObject(AccessGrant, "id", "access grant"),
    "rule_id": PathObject(ChargingRule, "id", "charging rule"),
}

def visible_or_404(session: Session, *, param: str, v: Visibility, value: Any = None,
                   raw: Any = None) -> None:
    """Raise NotFoundError unless the object the path parameter names exists and is visible;
    the message is the same either way. `value` (or `raw`, its string form) names it."""
    spec = PATH_OBJECTS[param]
    value = raw if value is None else value
    if spec.as_int and not isinstance(value, int):
        try:
            value = int(value)
        except ValueError:
            return  # not an id: FastAPI's own validation answers 422 for the route
    column = getattr(spec.model, spec.column)
    found = session.scalar(select(column).where(column == value, where(spec.model, v))
                           .limit(1))
    if found is None:
        raise NotFoundError(f"{spec.label} {value!r} not found")


def organisation_tree(session: Session, organisation_id: int) -> frozenset[int]:
    """The organisation and all its subsidiaries, at any depth (cycles cannot loop)."""
    seen = {organisation_id}
    frontier = [organisation_id]
    while frontier:
        children = session.scalars(select(Organisation.id).where(
            Organisation.parent_id.in_(frontier))).all()
        frontier = [c for c in children if c not in seen]
        seen.update(frontier)
    return frozenset(seen)


def granted_sites(session: Session, *, organisation_id: int, role: str, resource: Resource,
                  action: Action) -> frozenset[int]:
    """Sites granted (and not revoked) to the organisation on which this user's role and the
    grant's role both allow the action."""
    grants = session.execute(select(AccessGrant.site_id, AccessGrant.role).where(
        AccessGrant.grantee_organisation_id == organisation_id,
        AccessGrant.revoked_at.is_(None))).all()
    return frozenset(site_id for site_id, grant_role in grants
                     if grant_allows(grant_role, role, resource, action))


def visibility_for(session: Session, *, organisation_id: int, user_id: int, role: str,
                   resource: Resource, action: Action) -> Visibility | None:
    """What this caller may reach for (resource, action); None when the role never may."""
    scope = scope_for(role, resource, action)
    sites = granted_sites(session, organisation_id=organisation_id, role=role,
                          resource=resource, action=action)
    if scope is None:
        return Visibility(site_ids=sites) if sites else None
    if scope is Scope.OWN:
        return Visibility(own_user_id=user_id)
    if scope is Scope.SITES:
        return Visibility(site_ids=sites)
    return Visibility(org_ids=organisation_tree(session, organisation_id), site_ids=sites)
