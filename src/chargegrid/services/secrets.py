"""Hashing of station passwords and API tokens.

Station passwords and user passwords are hashed with Argon2 (slow on purpose: they may be
guessable). API tokens are 256-bit random values, so a SHA-256 lookup key is safe and lets
us find the token by hash on every request without a slow hash.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A fresh bearer token: `cg_` + 43 url-safe characters."""
    return "cg_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
