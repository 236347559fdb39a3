"""Login sessions: opaque bearer tokens with an idle and an absolute expiry; logout revokes.

A session is issued as an `ApiToken` row (so the bearer lookup every route already uses
accepts it, with the user's role) plus a `LoginSession` row. The token's `expires_at` is kept
at min(last activity + idle timeout, absolute expiry): even a lookup that knows nothing of
sessions refuses an idle one. `touch` slides it forward, at most once per `TOUCH_EVERY` so a
busy client does not write on every request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chargegrid.errors import NotFoundError
from chargegrid.services import accounts
from chargegrid.services.auth.policy import AuthPolicy
from chargegrid.store.models import ApiToken, LoginSession, User

TOUCH_EVERY = timedelta(seconds=60)


def open_session(session: Session, *, user: User, now: datetime, policy: AuthPolicy,
                 method: str, client_ip: str | None = None,
                 user_agent: str | None = None) -> tuple[LoginSession, ApiToken, str]:
    """Start a session; the clear token is returned once, only its hash is stored."""
    token, clear = accounts.issue_token(session, user=user, name=f"login session ({method})",
                                        now=now, valid_days=None)
    absolute = now + policy.session_absolute
    token.expires_at = min(absolute, now + policy.session_idle)
    login = LoginSession(user_id=user.id, api_token_id=token.id, method=method[:80],
                         client_ip=client_ip, user_agent=(user_agent or None) and user_agent[:255],
                         created_at=now, last_seen_at=now, absolute_expires_at=absolute)
    session.add(login)
    session.flush()
    return login, token, clear


def get_by_token_id(session: Session, *, token_id: int) -> LoginSession | None:
    """The login session a bearer token belongs to (None for a plain API token)."""
    return session.scalars(select(LoginSession).where(LoginSession.api_token_id == token_id)
                           ).first()


def touch(session: Session, *, token_id: int, now: datetime, idle: timedelta) -> None:
    """Record activity on an authenticated session token: push its idle expiry forward."""
    login = get_by_token_id(session, token_id=token_id)
    if login is None or login.revoked_at is not None or now - login.last_seen_at < TOUCH_EVERY:
        return
    token = session.get(ApiToken, token_id)
    if token is None:
        return
    login.last_seen_at = now
    token.expires_at = min(login.absolute_expires_at, now + idle)


def close(session: Session, *, token_id: int, now: datetime) -> bool:
    """Log out: revoke the session's token at once; False when it is not a login session."""
    login = get_by_token_id(session, token_id=token_id)
    if login is None:
        return False
    _revoke(session, login, now)
    return True


def list_open(session: Session, *, user_id: int, now: datetime) -> Sequence[LoginSession]:
    """The user's sessions that still work (not revoked, not expired), newest first."""
    return session.scalars(
        select(LoginSession).join(ApiToken, ApiToken.id == LoginSession.api_token_id)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None),
               ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
        .order_by(LoginSession.id.desc())).all()


def close_own(session: Session, *, user_id: int, session_id: int, now: datetime) -> None:
    """End one of the user's sessions (another device); others' sessions are not found."""
    login = session.get(LoginSession, session_id)
    if login is None or login.user_id != user_id:
        raise NotFoundError(f"session_id: no login session {session_id} of yours")
    _revoke(session, login, now)


def revoke_all_for_user(session: Session, *, user_id: int, now: datetime) -> int:
    """End every open session of a user (password change, MFA disabled); returns the count."""
    open_ = session.scalars(select(LoginSession).where(LoginSession.user_id == user_id,
                                                      LoginSession.revoked_at.is_(None))).all()
    for login in open_:
        _revoke(session, login, now)
    return len(open_)


def _revoke(session: Session, login: LoginSession, now: datetime) -> None:
    login.revoked_at = login.revoked_at or now
    token = session.get(ApiToken, login.api_token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = now
