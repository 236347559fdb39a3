"""Id tokens: create, change, block, and the authorisation decision stations ask for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from chargegrid.domain.id_tokens import AuthorizationResult, AuthorizationStatus, decide
from chargegrid.errors import ConflictError, InvalidInputError, NotFoundError
from chargegrid.services import charging_rules, local_lists
from chargegrid.store.models import IdToken
from chargegrid.store.models.organisations import DEFAULT_ORGANISATION_ID

TOKEN_MAX = 20  # OCPP 1.6 IdToken is CiString20; 2.0.1 allows 36, checked by its adapter.
STATUSES = {s.value for s in AuthorizationStatus} - {AuthorizationStatus.CONCURRENT_TX.value}


def _validate(token: str, status: str | None) -> None:
    if not token or len(token) > 36 or not token.isprintable():
        raise InvalidInputError("token: must be 1..36 printable characters")
    if status is not None and status not in STATUSES:
        raise InvalidInputError(f"status: must be one of {sorted(STATUSES)}")


def get_by_token(session: Session, *, token: str) -> IdToken | None:
    """Return the stored token or None."""
    return session.scalars(select(IdToken).where(IdToken.token == token)).one_or_none()


def get_by_token_or_raise(session: Session, *, token: str) -> IdToken:
    """Return the stored token or raise NotFoundError."""
    found = get_by_token(session, token=token)
    if found is None:
        raise NotFoundError(f"id token {token!r} does not exist")
    return found


def list_all(session: Session, *, limit: int = 1000, offset: int = 0,
             where: ColumnElement[bool] | None = None) -> list[IdToken]:
    """One page by token, restricted by `where` (the caller's scope, services.scoping)."""
    query = select(IdToken) if where is None else select(IdToken).where(where)
    return list(session.scalars(query.order_by(IdToken.token).limit(limit).offset(offset)))


def create(
    session: Session, *, token: str, now: datetime, status: str = "Accepted",
    expires_at: datetime | None = None, parent_id_tag: str | None = None,
    label: str | None = None, token_type: str = "ISO14443",
    organisation_id: int = DEFAULT_ORGANISATION_ID, user_id: int | None = None,
) -> IdToken:
    """Store a new token of `organisation_id` (optionally a user's card); a duplicate is a
    conflict, not an overwrite (tokens are unique installation-wide: stations send only the
    token)."""
    _validate(token, status)
    if get_by_token(session, token=token) is not None:
        raise ConflictError(f"id token {token!r} already exists")
    row = IdToken(
        token=token, status=status, expires_at=expires_at, parent_id_tag=parent_id_tag,
        label=label, token_type=token_type, created_at=now, updated_at=now,
        organisation_id=organisation_id, user_id=user_id,
    )
    session.add(row)
    session.flush()
    local_lists.queue_tokens(session, tokens=[token], now=now)
    return row


def update(
    session: Session, *, token: str, now: datetime, status: str | None = None,
    expires_at: datetime | None = None, clear_expiry: bool = False,
    parent_id_tag: str | None = None, label: str | None = None,
) -> IdToken:
    """Change a token; blocking takes effect at its next Authorize."""
    _validate(token, status)
    row = get_by_token_or_raise(session, token=token)
    if status is not None:
        row.status = status
    if clear_expiry:
        row.expires_at = None
    elif expires_at is not None:
        row.expires_at = expires_at
    if parent_id_tag is not None:
        row.parent_id_tag = parent_id_tag or None
    if label is not None:
        row.label = label
    row.updated_at = now
    session.flush()
    # Same transaction: a blocked card is queued for removal from every managed local list.
    local_lists.queue_tokens(session, tokens=[token], now=now)
    return row


def authorize(session: Session, *, id_tag: str, now: datetime,
              station_id: str | None = None) -> AuthorizationResult:
    """Decide whether a token may charge; a token whose parent is blocked is blocked too.
    With `station_id`, the station's charging rules apply too (services.charging_rules): a
    token they do not admit there and then is Invalid."""
    row = get_by_token(session, token=id_tag)
    if row is None:
        return AuthorizationResult(AuthorizationStatus.INVALID)
    result = decide(stored_status=row.status, expires_at=row.expires_at,
                    parent_id_tag=row.parent_id_tag, now=now)
    if result.status is AuthorizationStatus.ACCEPTED and row.parent_id_tag:
        parent = get_by_token(session, token=row.parent_id_tag)
        if parent is not None and parent.status == AuthorizationStatus.BLOCKED.value:
            return AuthorizationResult(AuthorizationStatus.BLOCKED, row.expires_at,
                                       row.parent_id_tag)
    if result.status is AuthorizationStatus.ACCEPTED and station_id is not None \
            and not charging_rules.may_charge(session, token=row, station_id=station_id,
                                              now=now):
        return AuthorizationResult(AuthorizationStatus.INVALID, row.expires_at,
                                   row.parent_id_tag)
    return result
