"""Users of an organisation, their groups and cost centres, vehicles and cards (id tokens).

Callers (the API) have already checked that every object named belongs to the caller's
scope; these functions also refuse to link objects of two different organisations."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chargegrid.errors import ConflictError, InvalidInputError, NotFoundError
from chargegrid.services.accounts import normalise_role
from chargegrid.services.scoping import Visibility, where
from chargegrid.store.models import (
    ApiToken,
    CostCentre,
    IdToken,
    User,
    UserGroup,
    UserGroupMember,
    Vehicle,
)

_T = TypeVar("_T")


def _get(session: Session, model: type[_T], key: object, label: str) -> _T:
    row = session.get(model, key)
    if row is None:
        raise NotFoundError(f"{label} {key!r} not found")
    return row


def _same_org(a: int, b: int, what: str) -> None:
    if a != b:
        raise InvalidInputError(f"{what}: belongs to another organisation")


def list_users(session: Session, *, visibility: Visibility) -> list[User]:
    return list(session.scalars(select(User).where(where(User, visibility)).order_by(User.id)))


def update_user(session: Session, *, user_id: int, now: datetime, name: str | None = None,
                role: str | None = None, active: bool | None = None) -> User:
    """Change name, role or active flag. A role change or deactivation revokes the user's
    tokens at once (a token carries the role it was issued with)."""
    user = _get(session, User, user_id, "user")
    if name is not None:
        user.name = name
    changed = False
    if role is not None:
        role = normalise_role(role)
        changed = role != user.role
        user.role = role
    if active is not None:
        changed = changed or (user.active and not active)
        user.active = active
    if changed:
        for token in session.scalars(select(ApiToken).where(
                ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
            token.revoked_at = now
    return user


def create_cost_centre(session: Session, *, organisation_id: int, code: str,
                       name: str) -> CostCentre:
    if session.scalars(select(CostCentre).where(CostCentre.organisation_id == organisation_id,
                                                CostCentre.code == code)).first():
        raise ConflictError(f"cost centre {code!r} already exists")
    row = CostCentre(organisation_id=organisation_id, code=code, name=name)
    session.add(row)
    session.flush()
    return row


def create_group(session: Session, *, organisation_id: int, name: str,
                 cost_centre_id: int | None) -> UserGroup:
    if cost_centre_id is not None:
        centre = _get(session, CostCentre, cost_centre_id, "cost centre")
        _same_org(centre.organisation_id, organisation_id, "cost_centre_id")
    if session.scalars(select(UserGroup).where(UserGroup.organisation_id == organisation_id,
                                               UserGroup.name == name)).first():
        raise ConflictError(f"user group {name!r} already exists")
    row = UserGroup(organisation_id=organisation_id, name=name, cost_centre_id=cost_centre_id)
    session.add(row)
    session.flush()
    return row


def add_member(session: Session, *, group_id: int, user_id: int) -> None:
    group = _get(session, UserGroup, group_id, "user group")
    user = _get(session, User, user_id, "user")
    _same_org(group.organisation_id, user.organisation_id, "user_id")
    if session.get(UserGroupMember, (group_id, user_id)) is None:
        session.add(UserGroupMember(group_id=group_id, user_id=user_id))
        session.flush()


def remove_member(session: Session, *, group_id: int, user_id: int) -> None:
    row = session.get(UserGroupMember, (group_id, user_id))
    if row is None:
        raise NotFoundError(f"user {user_id!r} is not in group {group_id!r}")
    session.delete(row)


def members(session: Session, *, group_id: int) -> list[User]:
    return list(session.scalars(select(User).join(
        UserGroupMember, UserGroupMember.user_id == User.id).where(
        UserGroupMember.group_id == group_id).order_by(User.id)))


def groups_of(session: Session, *, user_id: int) -> list[UserGroup]:
    return list(session.scalars(select(UserGroup).join(
        UserGroupMember, UserGroupMember.group_id == UserGroup.id).where(
        UserGroupMember.user_id == user_id).order_by(UserGroup.id)))


def create_vehicle(session: Session, *, organisation_id: int, user_id: int | None, label: str,
                   licence_plate: str | None, vin: str | None, now: datetime) -> Vehicle:
    if user_id is not None:
        _same_org(_get(session, User, user_id, "user").organisation_id, organisation_id,
                  "user_id")
    if vin is not None and len(vin) != 17:
        raise InvalidInputError("vin: 17 characters")
    row = Vehicle(organisation_id=organisation_id, user_id=user_id, label=label,
                  licence_plate=licence_plate, vin=vin, created_at=now)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as err:
        session.rollback()
        raise ConflictError(f"licence plate {licence_plate!r} already registered") from err
    return row


def assign_token(session: Session, *, token: str, user_id: int | None) -> IdToken:
    """Give a card to a user (or with None, take it back); both of one organisation."""
    row = session.scalars(select(IdToken).where(IdToken.token == token)).first()
    if row is None:
        raise NotFoundError(f"id token {token!r} not found")
    if user_id is not None:
        user = _get(session, User, user_id, "user")
        _same_org(user.organisation_id, row.organisation_id, "user_id")
    row.user_id = user_id
    return row
