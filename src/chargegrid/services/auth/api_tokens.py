"""A user's own API tokens: create (at most with their own role), list, revoke.

Login sessions are API token rows too, but they are managed with login/logout and are
left out of these lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chargegrid.errors import NotFoundError, PermissionDeniedError
from chargegrid.services import accounts
from chargegrid.store.models import ApiToken, LoginSession, User

# A token may carry the user's own role or this one, which every role includes.
LEAST_ROLE = "read_only"


def create(session: Session, *, user: User, name: str, role: str | None, valid_days: int,
           now: datetime) -> tuple[ApiToken, str]:
    """Issue a token for `user`; a role above the user's own is refused."""
    if role is not None and role not in {user.role, LEAST_ROLE}:
        raise PermissionDeniedError(
            f"role: a token may carry your role ({user.role}) or {LEAST_ROLE}, not {role}")
    return accounts.issue_token(session, user=user, name=name, role=role, now=now,
                                valid_days=valid_days)


def list_own(session: Session, *, user_id: int) -> Sequence[ApiToken]:
    """The user's API tokens, newest first, without login-session tokens."""
    sessions = select(LoginSession.api_token_id)
    return session.scalars(select(ApiToken).where(ApiToken.user_id == user_id,
                                                  ApiToken.id.not_in(sessions))
                           .order_by(ApiToken.id.desc())).all()


def revoke_own(session: Session, *, user_id: int, token_id: int, now: datetime) -> ApiToken:
    """Revoke one of the user's tokens at once (idempotent); others' tokens are not found."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFoundError(f"token_id: no API token {token_id} of yours")
    if token.revoked_at is None:
        token.revoked_at = now
    return token
