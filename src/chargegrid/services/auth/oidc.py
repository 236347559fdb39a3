"""OIDC single sign-on: the configured providers as an authlib client registry, and the
rule that maps a verified identity to a ChargeGrid user.

The authorization-code flow itself (PKCE S256, state and nonce kept in a signed cookie,
id_token signature, issuer, audience, expiry and nonce checks) is authlib's; this module
decides who the person is: a known (provider, subject) pair, else an existing user with
the same *verified* e-mail (the pair is then remembered), else a new user only where the
provider is configured to create them.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chargegrid.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from chargegrid.services import accounts
from chargegrid.services.auth.login import find_user
from chargegrid.services.auth.throttle import normalise_email
from chargegrid.settings import OidcProviderSettings
from chargegrid.store.models import OidcIdentity, User

with warnings.catch_warnings():
    # authlib 1.9 warns once, at import, that it falls back to httpx because httpx2 is not
    # installed; httpx is what we ship and what it uses, so the warning carries nothing.
    from authlib.deprecate import AuthlibDeprecationWarning

    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.starlette_client import OAuth, OAuthError

__all__ = ["OAuthError", "build_registry", "discovery_url", "link_user", "provider_or_raise"]


def discovery_url(issuer: str) -> str:
    """Where OpenID Connect Discovery 1.0 puts the provider's metadata."""
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def build_registry(providers: Mapping[str, OidcProviderSettings]) -> OAuth:
    """One authlib client per configured provider, with PKCE (S256) on."""
    registry = OAuth()
    for name, provider in providers.items():
        registry.register(
            name=name,
            client_id=provider.client_id,
            client_secret=provider.client_secret.get_secret_value(),
            server_metadata_url=discovery_url(provider.issuer),
            client_kwargs={"scope": provider.scopes, "code_challenge_method": "S256"},
        )
    return registry


def provider_or_raise(providers: Mapping[str, OidcProviderSettings],
                      name: str) -> OidcProviderSettings:
    """The named provider's settings, or NotFoundError naming the configured ones."""
    provider = providers.get(name)
    if provider is None:
        known = ", ".join(sorted(providers)) or "none configured"
        raise NotFoundError(f"provider: no OIDC provider {name!r} ({known})")
    return provider


def link_user(session: Session, *, provider_name: str, provider: OidcProviderSettings,
              claims: Mapping[str, Any], now: datetime) -> User:
    """The ChargeGrid user for validated id_token claims, or a clear refusal."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise AuthenticationError("the provider's id_token has no subject")
    identity = session.scalars(select(OidcIdentity).where(
        OidcIdentity.provider == provider_name, OidcIdentity.subject == subject)).first()
    if identity is not None:
        user = session.get(User, identity.user_id)
    else:
        email = claims.get("email")
        if not isinstance(email, str) or claims.get("email_verified") is not True:
            raise PermissionDeniedError(
                f"{provider_name} did not confirm a verified e-mail; cannot link an account")
        email = normalise_email(email)
        user = find_user(session, email=email)
        if user is None:
            if not provider.create_users:
                raise PermissionDeniedError(
                    f"no ChargeGrid user has the e-mail {email}; an administrator must create "
                    "the account first")
            name = claims.get("name")
            user = accounts.create_user(session, email=email, now=now,
                                        name=name if isinstance(name, str) else None,
                                        role=provider.default_role)
        identity = OidcIdentity(user_id=user.id, provider=provider_name, subject=subject,
                                email=email, created_at=now)
        session.add(identity)
    if user is None or not user.active:
        raise PermissionDeniedError("this account is disabled")
    identity.last_login_at = now
    session.flush()
    return user
