"""TOTP multi-factor authentication (RFC 6238 via pyotp) and one-time recovery codes.

Enrolment stores a pending secret (Fernet-encrypted with a key derived from the server's
secret key); the first valid code confirms it and yields 10 recovery codes, shown once and
stored as SHA-256 (each carries 80 random bits, so a fast hash is enough). A TOTP code is
accepted once: the time step it belongs to is remembered, so a code seen over someone's
shoulder cannot be replayed within its 30 seconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import qrcode
import qrcode.image.svg
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chargegrid.errors import AuthenticationError, ConflictError
from chargegrid.services.auth.errors import MfaNotConfiguredError
from chargegrid.services.auth.policy import AuthPolicy
from chargegrid.store.models import RecoveryCode, User

ISSUER = "ChargeGrid"
RECOVERY_CODE_COUNT = 10
STEP_S = 30
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What the user needs to add the account to an authenticator app."""

    secret: str
    otpauth_uri: str
    qr_svg: str


def _fernet(policy: AuthPolicy) -> Fernet:
    if not policy.secret_key:
        raise MfaNotConfiguredError(
            "TOTP needs the server's secret key: set CHARGEGRID_SECRET_KEY")
    digest = hashlib.sha256(b"chargegrid/totp-secret/" + policy.secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _secret(user: User, policy: AuthPolicy) -> str:
    assert user.totp_secret is not None
    try:
        return _fernet(policy).decrypt(user.totp_secret.encode()).decode()
    except InvalidToken as err:
        raise MfaNotConfiguredError(
            "the stored TOTP secret cannot be decrypted (CHARGEGRID_SECRET_KEY changed?)"
        ) from err


def qr_svg(data: str) -> str:
    """A QR code as a standalone SVG document (vector, so it scales on any screen)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    return svg if isinstance(svg, str) else svg.decode()


def enrol(session: Session, *, user: User, policy: AuthPolicy) -> Enrolment:
    """Start (or restart) enrolment with a fresh secret; MFA is not on until `confirm`."""
    if user.mfa_enabled_at is not None:
        raise ConflictError("MFA is already enabled; disable it first to enrol again")
    secret = pyotp.random_base32()
    user.totp_secret = _fernet(policy).encrypt(secret.encode()).decode()
    user.totp_last_step = None
    session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return Enrolment(secret=secret, otpauth_uri=uri, qr_svg=qr_svg(uri))


def _accept_totp(user: User, code: str, now: datetime, policy: AuthPolicy) -> bool:
    """A code of the current step or one step either side (clock drift), never reused."""
    if user.totp_secret is None or len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(_secret(user, policy))
    current = int(now.timestamp()) // STEP_S
    for step in (current - 1, current, current + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_S), code):
            user.totp_last_step = step
            return True
    return False


def _code_digest(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def normalise_recovery_code(code: str) -> str:
    """Recovery codes are typed by people: ignore case, spaces and dashes."""
    return "".join(ch for ch in code.lower() if ch not in " -")


def _new_recovery_codes(session: Session, *, user: User, now: datetime) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_BASE32) for _ in range(16))
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_digest(c), created_at=now)
                    for c in codes)
    session.flush()
    return codes


def confirm(session: Session, *, user: User, code: str, now: datetime,
            policy: AuthPolicy) -> list[str]:
    """Turn MFA on with a first valid code; returns the recovery codes (shown once)."""
    if user.mfa_enabled_at is not None:
        raise ConflictError("MFA is already enabled")
    if user.totp_secret is None:
        raise ConflictError("no TOTP enrolment in progress; enrol first")
    if not _accept_totp(user, code.strip(), now, policy):
        raise AuthenticationError("code: wrong or expired TOTP code")
    user.mfa_enabled_at = now
    return _new_recovery_codes(session, user=user, now=now)


def verify_second_factor(session: Session, *, user: User, code: str, now: datetime,
                         policy: AuthPolicy) -> str:
    """Check a TOTP code or an unused recovery code (which is then spent); returns which
    kind it was, or raises AuthenticationError."""
    code = code.strip()
    if _accept_totp(user, code, now, policy):
        return "totp"
    recovery = session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                   RecoveryCode.code_hash == _code_digest(code),
                                   RecoveryCode.used_at.is_(None))).first()
    if recovery is None:
        raise AuthenticationError("code: wrong, expired or already used code")
    recovery.used_at = now
    return "recovery"


def remaining_recovery_codes(session: Session, *, user_id: int) -> int:
    """How many recovery codes are still unused."""
    return len(session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))).all())


def disable(session: Session, *, user: User, code: str, now: datetime,
            policy: AuthPolicy) -> None:
    """Turn MFA off; needs a valid TOTP or recovery code so a stolen session cannot."""
    if user.mfa_enabled_at is None:
        raise ConflictError("MFA is not enabled")
    verify_second_factor(session, user=user, code=code, now=now, policy=policy)
    user.totp_secret = None
    user.totp_last_step = None
    user.mfa_enabled_at = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
