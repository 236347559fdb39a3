"""Id tokens: the cards and app ids stations ask us to authorise."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Request, status

from chargegrid.api.deps import Access, DbSession, RuntimeDep, require
from chargegrid.api.schemas.common import Limit, Offset
from chargegrid.api.schemas.id_tokens import IdTokenCreate, IdTokenRead, IdTokenUpdate
from chargegrid.domain.permissions import Action, Resource
from chargegrid.services import id_tokens, scoping
from chargegrid.services.local_lists import LocalListSync
from chargegrid.store.models import IdToken

router = APIRouter(prefix="/id-tokens", tags=["id tokens"])

TokenPath = Annotated[str, Path(min_length=1, max_length=36)]
CanRead = Annotated[Access, require(Resource.ID_TOKEN, Action.READ)]
CanCreate = Annotated[Access, require(Resource.ID_TOKEN, Action.CREATE)]
CanUpdate = Annotated[Access, require(Resource.ID_TOKEN, Action.UPDATE)]


def _push_local_lists(request: Request, background: BackgroundTasks) -> None:
    """After the commit (background tasks run once the response is sent), push the change
    to the local lists of connected stations, so a blocked card leaves them at once."""
    sync: LocalListSync | None = getattr(request.app.state, "local_lists", None)
    if sync is not None:
        background.add_task(sync.push_pending)


@router.get("", response_model=list[IdTokenRead])
def list_id_tokens(db: DbSession, access: CanRead, limit: Limit = 100,
                   offset: Offset = 0) -> list[IdToken]:
    """The caller's id tokens (a driver's: their own cards) ordered by token."""
    return id_tokens.list_all(db, limit=limit, offset=offset,
                              where=scoping.id_tokens_where(access.visibility))


@router.post("", response_model=IdTokenRead, status_code=status.HTTP_201_CREATED)
def create_id_token(body: IdTokenCreate, db: DbSession, runtime: RuntimeDep,
                    access: CanCreate, request: Request,
                    background: BackgroundTasks) -> IdToken:
    """Add a token to the caller's organisation; an existing one is a conflict, never
    silently overwritten."""
    _push_local_lists(request, background)
    return id_tokens.create(
        db, token=body.token, now=runtime.clock.now(), status=body.status,
        expires_at=body.expires_at, parent_id_tag=body.parent_id_tag, label=body.label,
        token_type=body.token_type, organisation_id=access.principal.organisation_id,
    )


@router.get("/{token}", response_model=IdTokenRead)
def get_id_token(token: TokenPath, db: DbSession, _: CanRead) -> IdToken:
    """One token and its standing."""
    return id_tokens.get_by_token_or_raise(db, token=token)


@router.patch("/{token}", response_model=IdTokenRead)
def update_id_token(token: TokenPath, body: IdTokenUpdate, db: DbSession, runtime: RuntimeDep,
                    _: CanUpdate, request: Request,
                    background: BackgroundTasks) -> IdToken:
    """Block, unblock or re-date a token; it takes effect at the token's next Authorize and
    leaves (or joins) the local lists of connected stations right after the commit."""
    sent = body.model_fields_set
    _push_local_lists(request, background)
    return id_tokens.update(
        db, token=token, now=runtime.clock.now(), status=body.status,
        expires_at=body.expires_at, clear_expiry="expires_at" in sent and body.expires_at is None,
        # The service reads "" as "remove the parent".
        parent_id_tag="" if "parent_id_tag" in sent and body.parent_id_tag is None
        else body.parent_id_tag,
        label=body.label,
    )
