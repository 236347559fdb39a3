"""Access grants: an organisation lets another (an installer company) work on one of its
sites with a role; revoking takes effect at the grantee's next request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from chargegrid.api.deps import Access, DbSession, RuntimeDep, require
from chargegrid.api.schemas.accounts import GrantCreate, GrantRead
from chargegrid.domain.permissions import Action, Resource
from chargegrid.errors import NotFoundError
from chargegrid.services import organisations
from chargegrid.store.models import AccessGrant, Site

router = APIRouter(prefix="/access-grants", tags=["access grants"])

IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
CanRead = Annotated[Access, require(Resource.ACCESS_GRANT, Action.READ)]
CanCreate = Annotated[Access, require(Resource.ACCESS_GRANT, Action.CREATE)]
CanDelete = Annotated[Access, require(Resource.ACCESS_GRANT, Action.DELETE)]


@router.get("", response_model=list[GrantRead])
def list_grants(db: DbSession, access: CanRead,
                include_revoked: bool = False) -> list[AccessGrant]:
    """Grants given by the caller's organisations and grants given to them."""
    return organisations.list_grants(db, visibility=access.visibility,
                                     include_revoked=include_revoked)


@router.post("", response_model=GrantRead, status_code=status.HTTP_201_CREATED)
def create_grant(body: GrantCreate, db: DbSession, runtime: RuntimeDep,
                 access: CanCreate) -> AccessGrant:
    """Grant a role on one of the caller's own sites (never on a site only granted to it)."""
    site = db.get(Site, body.site_id)
    if site is None or site.organisation_id not in access.visibility.org_ids:
        raise NotFoundError(f"site {body.site_id!r} not found")
    return organisations.grant(db, site=site, role=body.role, now=runtime.clock.now(),
                               grantee_organisation_id=body.grantee_organisation_id)


@router.get("/{grant_id}", response_model=GrantRead)
def get_grant(grant_id: IdPath, db: DbSession, _: CanRead) -> AccessGrant | None:
    return db.get(AccessGrant, grant_id)


@router.delete("/{grant_id}", response_model=GrantRead)
def revoke_grant(grant_id: IdPath, db: DbSession, runtime: RuntimeDep,
                 access: CanDelete) -> AccessGrant:
    """Revoke (only the grantor's side may); the record stays with its revocation time."""
    row = db.get(AccessGrant, grant_id)
    if row is None or row.organisation_id not in access.visibility.org_ids:
        raise NotFoundError(f"access grant {grant_id!r} not found")
    return organisations.revoke(db, grant_id=grant_id, now=runtime.clock.now())
