"""Request and response bodies of the authentication routes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from chargegrid.api.schemas.common import ReadModel, UtcDatetime, WriteModel


class LoginRequest(WriteModel):
    """E-mail and password, plus a TOTP or recovery code when the account has MFA on."""

    email: str = Field(min_length=3, max_length=255)
    password: str = Field(min_length=1, max_length=1024)
    code: str | None = Field(default=None, max_length=64,
                             description="6-digit TOTP code or a recovery code.")


class SessionRead(BaseModel):
    """A new login session; `token` is shown once, use it as `Authorization: Bearer`."""

    token: str
    token_type: str = "bearer"
    expires_at: UtcDatetime = Field(description="Idle expiry; moves forward with use.")
    absolute_expires_at: UtcDatetime
    user_id: int
    email: str
    role: str
    method: str


class CurrentSessionRead(ReadModel):
    """A login session (in /me: the one the caller uses; absent with an API token)."""

    id: int
    method: str
    client_ip: str | None
    user_agent: str | None
    created_at: UtcDatetime
    last_seen_at: UtcDatetime
    absolute_expires_at: UtcDatetime


class MeRead(BaseModel):
    """Who the caller is."""

    user_id: int
    email: str
    name: str | None
    role: str
    mfa_enabled: bool
    recovery_codes_left: int
    session: CurrentSessionRead | None


class CodeBody(WriteModel):
    """A TOTP code (or, to disable MFA, a recovery code)."""

    code: str = Field(min_length=6, max_length=64)


class TotpEnrolmentRead(BaseModel):
    """Scan `qr_svg` (or type `secret`) in an authenticator app, then confirm a code."""

    secret: str
    otpauth_uri: str
    qr_svg: str


class RecoveryCodesRead(BaseModel):
    """One-time codes for when the authenticator is lost; shown once."""

    recovery_codes: list[str]


class ApiTokenCreate(WriteModel):
    """A new API token for the caller; it always expires."""

    name: str = Field(min_length=1, max_length=128)
    role: str | None = Field(default=None, description="The caller's role (default) or "
                             "read_only.")
    valid_days: int = Field(default=90, ge=1, le=3650)


class ApiTokenRead(ReadModel):
    """An API token as listed: never its secret, only the prefix to recognise it."""

    id: int
    name: str
    prefix: str
    role: str
    created_at: UtcDatetime
    expires_at: UtcDatetime | None
    revoked_at: UtcDatetime | None
    last_used_at: UtcDatetime | None


class ApiTokenCreated(ApiTokenRead):
    """The created token with its clear text (shown once)."""

    token: str
