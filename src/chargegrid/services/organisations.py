"""Organisations (a group and its subsidiaries) and the access grants one gives another on
its sites (e.g. an installer company), revocable at any time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chargegrid.domain.permissions import GRANTABLE_ROLES, Role
from chargegrid.errors import ConflictError, InvalidInputError, NotFoundError
from chargegrid.services.scoping import Visibility, where
from chargegrid.store.models import AccessGrant, Organisation, Site


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 255:
        raise InvalidInputError("name: 1 to 255 characters")
    return name


def _name_free(session: Session, name: str, *, except_id: int | None = None) -> None:
    other = session.scalars(select(Organisation).where(Organisation.name == name)).first()
    if other is not None and other.id != except_id:
        raise ConflictError(f"organisation name {name!r} is taken")


def create(session: Session, *, name: str, parent_id: int | None, now: datetime) -> Organisation:
    """A new organisation; with a parent, a subsidiary its admins manage."""
    name = _check_name(name)
    _name_free(session, name)
    org = Organisation(name=name, parent_id=parent_id, created_at=now)
    session.add(org)
    session.flush()
    return org


def list_visible(session: Session, *, visibility: Visibility) -> list[Organisation]:
    return list(session.scalars(select(Organisation).where(where(Organisation, visibility))
                                .order_by(Organisation.id)))


def rename(session: Session, *, organisation_id: int, name: str) -> Organisation:
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFoundError(f"organisation {organisation_id!r} not found")
    name = _check_name(name)
    _name_free(session, name, except_id=org.id)
    org.name = name
    return org


def grant(session: Session, *, site: Site, grantee_organisation_id: int, role: str,
          now: datetime) -> AccessGrant:
    """Give another organisation `role` on one site of the grantor (the site's owner)."""
    try:
        parsed = Role(role)
    except ValueError:
        parsed = None
    if parsed not in GRANTABLE_ROLES:
        raise InvalidInputError(
            f"role: one of {', '.join(sorted(r.value for r in GRANTABLE_ROLES))}")
    if session.get(Organisation, grantee_organisation_id) is None:
        raise NotFoundError(f"organisation {grantee_organisation_id!r} not found")
    if grantee_organisation_id == site.organisation_id:
        raise InvalidInputError("grantee_organisation_id: the site's own organisation")
    row = AccessGrant(organisation_id=site.organisation_id,
                      grantee_organisation_id=grantee_organisation_id, site_id=site.id,
                      role=role, created_at=now)
    session.add(row)
    session.flush()
    return row


def revoke(session: Session, *, grant_id: int, now: datetime) -> AccessGrant:
    """Revoke at once (the next request of the grantee's staff no longer sees the site);
    revoking twice keeps the first revocation time."""
    row = session.get(AccessGrant, grant_id)
    if row is None:
        raise NotFoundError(f"access grant {grant_id!r} not found")
    if row.revoked_at is None:
        row.revoked_at = now
    return row


def list_grants(session: Session, *, visibility: Visibility,
                include_revoked: bool = False) -> list[AccessGrant]:
    query = select(AccessGrant).where(where(AccessGrant, visibility))
    if not include_revoked:
        query = query.where(AccessGrant.revoked_at.is_(None))
    return list(session.scalars(query.order_by(AccessGrant.id)))
