"""Organisations: the caller's own and its subsidiaries (an operator group manages them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status

from chargegrid.api.deps import Access, DbSession, RuntimeDep, require
from chargegrid.api.schemas.accounts import (
    OrganisationCreate,
    OrganisationRead,
    OrganisationUpdate,
)
from chargegrid.domain.permissions import Action, Resource
from chargegrid.services import organisations
from chargegrid.store.models import Organisation

router = APIRouter(prefix="/organisations", tags=["organisations"])

CanRead = Annotated[Access, require(Resource.ORGANISATION, Action.READ)]
CanCreate = Annotated[Access, require(Resource.ORGANISATION, Action.CREATE)]
CanUpdate = Annotated[Access, require(Resource.ORGANISATION, Action.UPDATE)]


@router.get("", response_model=list[OrganisationRead])
def list_organisations(db: DbSession, access: CanRead) -> list[Organisation]:
    """The caller's organisation and its subsidiaries."""
    return organisations.list_visible(db, visibility=access.visibility)


@router.post("", response_model=OrganisationRead, status_code=status.HTTP_201_CREATED)
def create_organisation(body: OrganisationCreate, db: DbSession, runtime: RuntimeDep,
                        access: CanCreate) -> Organisation:
    """A subsidiary of the caller's organisation (or of one of its subsidiaries)."""
    parent = access.target_organisation(body.parent_id)
    return organisations.create(db, name=body.name, parent_id=parent, now=runtime.clock.now())


@router.get("/{organisation_id}", response_model=OrganisationRead)
def get_organisation(organisation_id: int, db: DbSession, _: CanRead) -> Organisation | None:
    """One organisation in the caller's tree."""
    return db.get(Organisation, organisation_id)


@router.patch("/{organisation_id}", response_model=OrganisationRead)
def update_organisation(organisation_id: int, body: OrganisationUpdate, db: DbSession,
                        _: CanUpdate) -> Organisation:
    """Rename (names are unique installation-wide)."""
    return organisations.rename(db, organisation_id=organisation_id, name=body.name)
