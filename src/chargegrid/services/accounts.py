"""Users and API tokens: creation, issue, bearer authentication. A token carries the
organisation and role it acts with; what a role may do is `domain.permissions`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chargegrid.domain.permissions import Role
from chargegrid.errors import AuthenticationError, ConflictError, InvalidInputError
from chargegrid.services.secrets import hash_password, new_token, token_digest
from chargegrid.store.models import ApiToken, User
from chargegrid.store.models.organisations import DEFAULT_ORGANISATION_ID

# The roles and what they may do are defined once, in domain.permissions.
ROLES = tuple(role.value for role in Role)
# Names from before the role model, still accepted on input (CLI scripts, old tokens).
ROLE_ALIASES = {"admin": "operator_admin"}


def normalise_role(role: str) -> str:
    """The canonical role name, or InvalidInputError naming the valid ones."""
    role = ROLE_ALIASES.get(role, role)
    if role not in ROLES:
        raise InvalidInputError(f"role: must be one of {', '.join(ROLES)}")
    return role


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as far as the API is concerned."""

    user_id: int
    email: str
    role: str
    token_id: int
    # The organisation the token acts in (the user's own at issue time).
    organisation_id: int = DEFAULT_ORGANISATION_ID

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return f"user:{self.user_id}/token:{self.token_id}"


def create_user(session: Session, *, email: str, now: datetime, password: str | None = None,
                name: str | None = None, role: str = "operator_admin",
                organisation_id: int = DEFAULT_ORGANISATION_ID) -> User:
    """Create a user in an organisation; the email is the login and must be unique across
    organisations (it is how people sign in)."""
    if "@" not in email or len(email) > 255:
        raise InvalidInputError("email: not an e-mail address")
    role = normalise_role(role)
    if session.scalars(select(User).where(User.email == email)).first() is not None:
        raise ConflictError(f"user {email!r} already exists")
    user = User(email=email, name=name, role=role, created_at=now,
                organisation_id=organisation_id,
                password_hash=hash_password(password) if password else None)
    session.add(user)
    session.flush()
    return user


def get_user_by_email(session: Session, *, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email)).first()


def issue_token(session: Session, *, user: User, name: str, now: datetime,
                role: str | None = None, valid_days: int | None = 365) -> tuple[ApiToken, str]:
    """Create a token; the clear text is returned once and never stored."""
    role = normalise_role(role or user.role)
    clear = new_token()
    token = ApiToken(
        user_id=user.id, name=name, prefix=clear[:10], token_hash=token_digest(clear), role=role,
        organisation_id=user.organisation_id,
        created_at=now, expires_at=now + timedelta(days=valid_days) if valid_days else None,
    )
    session.add(token)
    session.flush()
    return token, clear


def authenticate(session: Session, *, bearer: str, now: datetime) -> Principal:
    """Resolve a bearer token to a principal, or raise AuthenticationError."""
    token = session.scalars(select(ApiToken).where(ApiToken.token_hash == token_digest(bearer))
                            ).first()
    if token is None or token.revoked_at is not None:
        raise AuthenticationError("invalid or revoked token")
    if token.expires_at is not None and token.expires_at <= now:
        raise AuthenticationError("token expired")
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        raise AuthenticationError("token's user is disabled")
    if token.organisation_id != user.organisation_id:
        raise AuthenticationError("token's user moved to another organisation")
    return Principal(user.id, user.email, token.role, token.id, token.organisation_id)


def revoke_token(session: Session, *, token_id: int, now: datetime) -> None:
    token = session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = now
