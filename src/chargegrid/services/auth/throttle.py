"""Login rate limiting: a sliding window over the `login_attempts` table, per account and
per client address, so the limit holds across workers and restarts.

An account is locked once it has `max_failures_per_account` failures in the window since its
last successful login; an address once it has `max_failures_per_ip` failures in the window.
Refused (throttled) attempts are recorded but not counted, so waiting always ends the lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from chargegrid.services.auth.errors import LoginThrottledError
from chargegrid.services.auth.policy import AuthPolicy
from chargegrid.store.models import LoginAttempt

# Reasons that count towards the limit (a missing second factor is not a wrong guess).
COUNTED = ("unknown_user", "bad_password", "bad_code", "inactive")
# Attempts are kept this long (for review of attacks), far beyond any sensible window.
RETENTION = timedelta(days=30)


def normalise_email(email: str) -> str:
    """Logins are case-insensitive on the e-mail."""
    return email.strip().lower()


def check(session: Session, *, email: str, client_ip: str, now: datetime,
          policy: AuthPolicy) -> None:
    """Raise LoginThrottledError (with the seconds until the window frees a slot) when this
    account or this address has too many recent failures."""
    since = now - policy.failure_window
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.email == email,
                                                LoginAttempt.success.is_(True),
                                                LoginAttempt.at > since))
    account_since = max(since, last_success) if last_success is not None else since
    wait = _wait(session, LoginAttempt.email == email, account_since, now,
                 policy.max_failures_per_account, policy)
    if wait is not None:
        raise LoginThrottledError("too many failed logins for this account; try again later",
                                  retry_after_s=wait)
    wait = _wait(session, LoginAttempt.client_ip == client_ip, since, now,
                 policy.max_failures_per_ip, policy)
    if wait is not None:
        raise LoginThrottledError("too many failed logins from this address; try again later",
                                  retry_after_s=wait)


def _wait(session: Session, who: ColumnElement[bool], since: datetime, now: datetime,
          limit: int, policy: AuthPolicy) -> float | None:
    """Seconds until fewer than `limit` counted failures remain in the window, or None."""
    times = session.scalars(
        select(LoginAttempt.at).where(who, LoginAttempt.success.is_(False),
                                      LoginAttempt.reason.in_(COUNTED), LoginAttempt.at > since)
        .order_by(LoginAttempt.at.desc()).limit(limit)).all()
    if len(times) < limit:
        return None
    # The oldest of the `limit` newest failures must leave the window to free a slot.
    return (times[-1] + policy.failure_window - now).total_seconds()


def record(session: Session, *, email: str, client_ip: str, now: datetime, success: bool,
           reason: str) -> None:
    """Store one attempt (the caller commits it even when the login then fails), and drop
    this account's attempts older than `RETENTION` (an index range on (email, at))."""
    email, client_ip = email[:255], client_ip[:64]
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == email,
                                               LoginAttempt.at < now - RETENTION))
    session.add(LoginAttempt(at=now, email=email, client_ip=client_ip, success=success,
                             reason=reason))
    session.flush()
