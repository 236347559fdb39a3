"""Argon2 password hashing with the operator's cost parameters, rehash-on-login when they
change, and the one way to set a password."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from chargegrid.errors import InvalidInputError
from chargegrid.services.auth import sessions
from chargegrid.services.auth.policy import AuthPolicy
from chargegrid.store.models import User

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024


def make_hasher(policy: AuthPolicy) -> PasswordHasher:
    """An Argon2id hasher with the configured cost (RFC 9106's second profile by default)."""
    return PasswordHasher(time_cost=policy.argon2_time_cost,
                          memory_cost=policy.argon2_memory_cost_kib,
                          parallelism=policy.argon2_parallelism)


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    """A hash to verify against when the user does not exist, so that the answer takes as
    long as for a real user and does not reveal which e-mails have accounts."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost,
                          parallelism=parallelism).hash("not a password")


def verify(hasher: PasswordHasher, password_hash: str | None, password: str) -> bool:
    """Constant-effort check; a missing or malformed hash never matches."""
    target = password_hash or _dummy_hash(hasher.time_cost, hasher.memory_cost,
                                          hasher.parallelism)
    try:
        return hasher.verify(target, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def verify_and_upgrade(hasher: PasswordHasher, user: User | None, password: str) -> bool:
    """Verify a login password; when it is right and the stored hash used other cost
    parameters, store a fresh hash (the only moment the clear password is at hand)."""
    stored = user.password_hash if user is not None else None
    if not verify(hasher, stored, password):
        return False
    assert user is not None and user.password_hash is not None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def set_password(session: Session, *, user: User, password: str, now: datetime,
                 hasher: PasswordHasher) -> int:
    """Set a new password and end the user's login sessions (whoever knew the old one is
    logged out); returns how many sessions were ended."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInputError(f"password: at most {MAX_PASSWORD_LENGTH} characters")
    user.password_hash = hasher.hash(password)
    user.password_changed_at = now
    return sessions.revoke_all_for_user(session, user_id=user.id, now=now)
