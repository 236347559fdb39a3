"""HMAC-SHA256 signatures receivers can check with a few lines of standard library.

Header: `ChargeGrid-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
The timestamp is inside the signed text, so a captured request cannot be replayed later
with a fresh timestamp; receivers refuse timestamps older than their tolerance. Several
`v1=` values may appear (during a secret rotation); one match is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "ChargeGrid-Signature"
EVENT_ID_HEADER = "ChargeGrid-Event-Id"
EVENT_TYPE_HEADER = "ChargeGrid-Event-Type"
DEFAULT_TOLERANCE_S = 300


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale or does not match."""


def new_secret() -> str:
    """A fresh shared secret (256 bits, URL-safe, prefixed so people recognise it)."""
    return "whsec_" + secrets.token_urlsafe(32)


def compute(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def header_value(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the `ChargeGrid-Signature` header for one attempt."""
    return f"t={timestamp},v1={compute(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: int,
           tolerance_s: int = DEFAULT_TOLERANCE_S) -> int:
    """Check a received header against the raw body; returns the signed timestamp.

    This is what a receiver does (docs/webhooks.md shows the same in ten lines)."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError as err:
                raise SignatureError("t: not an integer") from err
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("header must carry t= and at least one v1=")
    if abs(now - timestamp) > tolerance_s:
        raise SignatureError(f"timestamp {timestamp} is outside the {tolerance_s} s tolerance")
    expected = compute(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("no v1 signature matches")
    return timestamp
