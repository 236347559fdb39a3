"""Id tokens (RFID cards, app ids) and the authorisation decision about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class AuthorizationStatus(StrEnum):
    """The OCPP authorisation outcomes we use; `Invalid` covers unknown tokens."""

    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"
    CONCURRENT_TX = "ConcurrentTx"


@dataclass(frozen=True, slots=True)
class AuthorizationResult:
    """What a station is told about a token."""

    status: AuthorizationStatus
    expiry: datetime | None = None
    parent_id_tag: str | None = None


def decide(
    *, stored_status: str | None, expires_at: datetime | None, parent_id_tag: str | None,
    now: datetime,
) -> AuthorizationResult:
    """Decide on a token from what is stored about it; unknown (None) is Invalid."""
    if stored_status is None:
        return AuthorizationResult(AuthorizationStatus.INVALID)
    status = AuthorizationStatus(stored_status)
    if status is AuthorizationStatus.ACCEPTED and expires_at is not None and expires_at <= now:
        status = AuthorizationStatus.EXPIRED
    return AuthorizationResult(status, expiry=expires_at, parent_id_tag=parent_id_tag)
