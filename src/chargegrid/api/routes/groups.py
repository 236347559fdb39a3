"""User groups (who may charge where and when hangs off them) and cost centres."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from sqlalchemy import select

from chargegrid.api.deps import Access, DbSession, require
from chargegrid.api.schemas.accounts import (
    CostCentreCreate,
    CostCentreRead,
    GroupCreate,
    GroupRead,
    UserRead,
)
from chargegrid.domain.permissions import Action, Resource
from chargegrid.services import scoping, users
from chargegrid.store.models import CostCentre, User, UserGroup

router = APIRouter(tags=["groups"])

IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
CanRead = Annotated[Access, require(Resource.USER_GROUP, Action.READ)]
CanCreate = Annotated[Access, require(Resource.USER_GROUP, Action.CREATE)]
CanUpdate = Annotated[Access, require(Resource.USER_GROUP, Action.UPDATE)]
CanDelete = Annotated[Access, require(Resource.USER_GROUP, Action.DELETE)]
CentreRead = Annotated[Access, require(Resource.COST_CENTRE, Action.READ)]
CentreCreate = Annotated[Access, require(Resource.COST_CENTRE, Action.CREATE)]


@router.get("/groups", response_model=list[GroupRead])
def list_groups(db: DbSession, access: CanRead) -> list[UserGroup]:
    return list(db.scalars(select(UserGroup).where(
        scoping.where(UserGroup, access.visibility)).order_by(UserGroup.id)))


@router.post("/groups", response_model=GroupRead, status_code=status.HTTP_201_CREATED)
def create_group(body: GroupCreate, db: DbSession, access: CanCreate) -> UserGroup:
    """A group of the caller's organisation, optionally charged to a cost centre."""
    if body.cost_centre_id is not None:
        scoping.visible_or_404(db, param="cost_centre_id", value=body.cost_centre_id,
                               v=access.visibility)
    return users.create_group(db, organisation_id=access.principal.organisation_id,
                              name=body.name, cost_centre_id=body.cost_centre_id)


@router.get("/groups/{group_id}", response_model=GroupRead)
def get_group(group_id: IdPath, db: DbSession, _: CanRead) -> UserGroup | None:
    return db.get(UserGroup, group_id)


@router.delete("/groups/{group_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_group(group_id: IdPath, db: DbSession, _: CanDelete) -> Response:
    """Remove the group, its memberships and its charging rules."""
    group = db.get(UserGroup, group_id)
    if group is not None:
        db.delete(group)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/groups/{group_id}/members", response_model=list[UserRead])
def list_members(group_id: IdPath, db: DbSession, _: CanRead) -> list[User]:
    return users.members(db, group_id=group_id)


@router.put("/groups/{group_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def add_member(group_id: IdPath, user_id: IdPath, db: DbSession, _: CanUpdate) -> Response:
    """Put a user of the same organisation in the group (idempotent)."""
    users.add_member(db, group_id=group_id, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/groups/{group_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(group_id: IdPath, user_id: IdPath, db: DbSession, _: CanUpdate) -> Response:
    users.remove_member(db, group_id=group_id, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/cost-centres", response_model=list[CostCentreRead])
def list_cost_centres(db: DbSession, access: CentreRead) -> list[CostCentre]:
    return list(db.scalars(select(CostCentre).where(
        scoping.where(CostCentre, access.visibility)).order_by(CostCentre.code)))


@router.post("/cost-centres", response_model=CostCentreRead,
             status_code=status.HTTP_201_CREATED)
def create_cost_centre(body: CostCentreCreate, db: DbSession,
                       access: CentreCreate) -> CostCentre:
    return users.create_cost_centre(db, organisation_id=access.principal.organisation_id,
                                    code=body.code, name=body.name)


@router.get("/cost-centres/{cost_centre_id}", response_model=CostCentreRead)
def get_cost_centre(cost_centre_id: IdPath, db: DbSession, _: CentreRead) -> CostCentre | None:
    return db.get(CostCentre, cost_centre_id)
