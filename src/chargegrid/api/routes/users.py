"""Users of an organisation: create, change role, (de)activate, their groups and cards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from sqlalchemy import select

from chargegrid.api.deps import Access, DbSession, RuntimeDep, require
from chargegrid.api.schemas.accounts import GroupRead, UserCreate, UserRead, UserUpdate
from chargegrid.api.schemas.id_tokens import IdTokenRead
from chargegrid.domain.permissions import Action, Resource
from chargegrid.errors import NotFoundError
from chargegrid.services import accounts, scoping, users
from chargegrid.store.models import IdToken, User, UserGroup

router = APIRouter(prefix="/users", tags=["users"])

UserIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
TokenPath = Annotated[str, Path(min_length=1, max_length=36)]
CanRead = Annotated[Access, require(Resource.USER, Action.READ)]
CanCreate = Annotated[Access, require(Resource.USER, Action.CREATE)]
CanUpdate = Annotated[Access, require(Resource.USER, Action.UPDATE)]
# Handing a card to a user changes the card.
CanAssign = Annotated[Access, require(Resource.ID_TOKEN, Action.UPDATE)]


@router.get("", response_model=list[UserRead])
def list_users(db: DbSession, access: CanRead) -> list[User]:
    """Users of the caller's organisations (a driver: only themself)."""
    return users.list_users(db, visibility=access.visibility)


@router.post("", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, db: DbSession, runtime: RuntimeDep,
                access: CanCreate) -> User:
    """A user of the caller's organisation (or a subsidiary); sign-in is set up separately."""
    return accounts.create_user(db, email=body.email, name=body.name, role=body.role,
                                now=runtime.clock.now(),
                                organisation_id=access.target_organisation(body.organisation_id))


@router.get("/{user_id}", response_model=UserRead)
def get_user(user_id: UserIdPath, db: DbSession, _: CanRead) -> User | None:
    return db.get(User, user_id)


@router.patch("/{user_id}", response_model=UserRead)
def update_user(user_id: UserIdPath, body: UserUpdate, db: DbSession, runtime: RuntimeDep,
                _: CanUpdate) -> User:
    """Rename, change role or (de)activate; a role change or deactivation revokes the user's
    API tokens at once."""
    return users.update_user(db, user_id=user_id, now=runtime.clock.now(), name=body.name,
                             role=body.role, active=body.active)


@router.get("/{user_id}/groups", response_model=list[GroupRead])
def list_user_groups(user_id: UserIdPath, db: DbSession, _: CanRead) -> list[UserGroup]:
    return users.groups_of(db, user_id=user_id)


@router.get("/{user_id}/id-tokens", response_model=list[IdTokenRead])
def list_user_tokens(user_id: UserIdPath, db: DbSession, access: CanRead) -> list[IdToken]:
    """The user's cards."""
    return list(db.scalars(select(IdToken).where(
        IdToken.user_id == user_id, scoping.id_tokens_where(access.visibility))
        .order_by(IdToken.token)))


@router.put("/{user_id}/id-tokens/{token}", response_model=IdTokenRead)
def assign_token(user_id: UserIdPath, token: TokenPath, db: DbSession,
                 _: CanAssign) -> IdToken:
    """Hand a card of the organisation to the user."""
    return users.assign_token(db, token=token, user_id=user_id)


@router.delete("/{user_id}/id-tokens/{token}", status_code=status.HTTP_204_NO_CONTENT)
def unassign_token(user_id: UserIdPath, token: TokenPath, db: DbSession,
                   _: CanAssign) -> Response:
    """Take the card back (it stays valid unless blocked)."""
    row = db.scalars(select(IdToken).where(IdToken.token == token)).first()
    if row is None or row.user_id != user_id:
        raise NotFoundError(f"id token {token!r} is not assigned to user {user_id}")
    users.assign_token(db, token=token, user_id=None)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
