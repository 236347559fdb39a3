"""The password login use case: rate limit, Argon2 check (with rehash), second factor,
session. Every attempt is recorded; the caller commits the record even when login fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chargegrid.errors import AuthenticationError
from chargegrid.services.auth import passwords, sessions, throttle, totp
from chargegrid.services.auth.errors import MfaRequiredError
from chargegrid.services.auth.policy import AuthPolicy
from chargegrid.store.models import ApiToken, LoginSession, User

BAD_CREDENTIALS = "invalid e-mail or password"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LoginResult:
    """A new session and its clear token (shown once)."""

    user: User
    login: LoginSession
    token: ApiToken
    clear_token: str


def find_user(session: Session, *, email: str) -> User | None:
    """The user with this e-mail, compared case-insensitively."""
    return session.scalars(select(User).where(func.lower(User.email) == email)).first()


def login(session: Session, *, email: str, password: str, code: str | None, client_ip: str,
          user_agent: str | None, now: datetime, policy: AuthPolicy,
          hasher: PasswordHasher) -> LoginResult:
    """Log in with e-mail, password and (when MFA is on) a TOTP or recovery code."""
    email = throttle.normalise_email(email)
    throttle.check(session, email=email, client_ip=client_ip, now=now, policy=policy)

    def fail(reason: str, message: str = BAD_CREDENTIALS) -> AuthenticationError:
        throttle.record(session, email=email, client_ip=client_ip, now=now, success=False,
                        reason=reason)
        return AuthenticationError(message)

    user = find_user(session, email=email)
    if not passwords.verify_and_upgrade(hasher, user, password):
        raise fail("unknown_user" if user is None else "bad_password")
    assert user is not None
    if not user.active:
        raise fail("inactive", "this account is disabled")
    method = "password"
    if user.mfa_enabled_at is not None:
        if not code:
            throttle.record(session, email=email, client_ip=client_ip, now=now,
                            success=False, reason="mfa_missing")
            raise MfaRequiredError("this account needs a TOTP code or a recovery code (code)")
        try:
            kind = totp.verify_second_factor(session, user=user, code=code, now=now,
                                             policy=policy)
        except AuthenticationError as err:
            raise fail("bad_code", err.message) from err
        method = f"password+{kind}"
    throttle.record(session, email=email, client_ip=client_ip, now=now, success=True,
                    reason="ok")
    login_row, token, clear = sessions.open_session(
        session, user=user, now=now, policy=policy, method=method, client_ip=client_ip,
        user_agent=user_agent)
    return LoginResult(user, login_row, token, clear)


def guarded_code_check(session: Session, *, user: User, client_ip: str, now: datetime,
                       policy: AuthPolicy, check: Callable[[datetime], T]) -> T:
    """Run a second-factor check outside login (confirm or disable MFA) under the same rate
    limit, so a stolen session cannot guess 6-digit codes freely. As for `login`, the
    caller commits the recorded failure before answering."""
    email = throttle.normalise_email(user.email)
    throttle.check(session, email=email, client_ip=client_ip, now=now, policy=policy)
    try:
        return check(now)
    except AuthenticationError:
        throttle.record(session, email=email, client_ip=client_ip, now=now, success=False,
                        reason="bad_code")
        raise
