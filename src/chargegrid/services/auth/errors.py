"""Authentication errors with their own codes, so that the API can answer 429 with a
Retry-After and tell a client that a second factor is needed."""

from __future__ import annotations

import math

from chargegrid.errors import AuthenticationError, ChargeGridError


class LoginThrottledError(ChargeGridError):
    """Too many failed logins for this account or client address within the window."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = max(1, math.ceil(retry_after_s))


class MfaRequiredError(AuthenticationError):
    """The password was right but the account needs a TOTP or recovery code as well."""

    code = "mfa_required"


class MfaNotConfiguredError(ChargeGridError):
    """TOTP cannot be used because the server has no secret key to encrypt secrets with."""

    code = "conflict"
