"""Authentication routes: password login with MFA, logout, who-am-I, TOTP enrolment, OIDC
single sign-on, and the caller's own API tokens.

`public` needs no bearer token (login, SSO); `router` needs any valid token but no
particular permission: every user, read_only included, may manage their own login, MFA
and tokens. `install` wires what these routes need onto the app (error mapping, the signed
cookie holding OIDC state, the provider registry), so `create_app` stays one line per part.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, cast

import httpx
from argon2 import PasswordHasher
from fastapi import APIRouter, Depends, FastAPI, Path, Request, Response, status
from fastapi.responses import JSONResponse, RedirectResponse
from joserfc.errors import JoseError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from chargegrid.api.deps import CurrentPrincipal, DbSession, RuntimeDep
from chargegrid.api.errors import error_response
from chargegrid.api.schemas.auth import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    CodeBody,
    CurrentSessionRead,
    LoginRequest,
    MeRead,
    RecoveryCodesRead,
    SessionRead,
    TotpEnrolmentRead,
)
from chargegrid.errors import AuthenticationError, ConflictError
from chargegrid.runtime import Runtime
from chargegrid.services.auth import api_tokens, login, oidc, sessions, totp
from chargegrid.services.auth.errors import LoginThrottledError, MfaRequiredError
from chargegrid.services.auth.passwords import make_hasher
from chargegrid.services.auth.policy import AuthPolicy
from chargegrid.settings import OidcProviderSettings
from chargegrid.store.models import ApiToken, LoginSession, User

public = APIRouter(prefix="/auth", tags=["auth"])
router = APIRouter(prefix="/auth", tags=["auth"])

OIDC_STATE_COOKIE = "chargegrid_oidc"
ProviderPath = Annotated[str, Path(min_length=1, max_length=64)]


@dataclass(frozen=True, slots=True)
class AuthContext:
    """What the routes need, built once per app from the settings."""

    policy: AuthPolicy
    hasher: PasswordHasher
    providers: dict[str, OidcProviderSettings]
    oauth: Any  # authlib's OAuth registry (untyped)


def install(app: FastAPI, runtime: Runtime) -> None:
    """Add the auth context, the OIDC state cookie and the 429/MFA error mapping."""
    settings = runtime.settings
    policy = AuthPolicy.from_settings(settings)
    app.state.auth = AuthContext(policy, make_hasher(policy), dict(settings.oidc_providers),
                                 oidc.build_registry(settings.oidc_providers))
    # The cookie only carries state, nonce and PKCE verifier for the minutes of a login;
    # without a configured key each process signs with its own (fine for one node). The key
    # is derived for this use only, so it is never the one encrypting TOTP secrets.
    cookie_key = (hashlib.sha256(b"chargegrid/oidc-state-cookie/" + policy.secret_key.encode())
                  .hexdigest() if policy.secret_key else secrets.token_urlsafe(32))
    public_https = (settings.oidc_redirect_base_url or "").startswith("https://")
    app.add_middleware(SessionMiddleware, secret_key=cookie_key, session_cookie=OIDC_STATE_COOKIE,
                       max_age=600, same_site="lax", https_only=public_https)
    app.add_exception_handler(LoginThrottledError, _on_throttled)
    app.add_exception_handler(MfaRequiredError, _on_mfa_required)


async def _on_throttled(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LoginThrottledError)
    return error_response(429, exc.code, exc.message, retry_after_s=exc.retry_after_s,
                          headers={"Retry-After": str(exc.retry_after_s)})


async def _on_mfa_required(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MfaRequiredError)
    return error_response(401, exc.code, exc.message)


def _context(request: Request) -> AuthContext:
    return cast(AuthContext, request.app.state.auth)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@contextmanager
def _commit_failures(db: Session) -> Iterator[None]:
    """A refused credential still commits the recorded attempt (the request's session would
    roll it back), so that failures count towards the rate limit."""
    try:
        yield
    except AuthenticationError:
        db.commit()
        raise


def _session_read(result: login.LoginResult) -> SessionRead:
    assert result.token.expires_at is not None
    return SessionRead(token=result.clear_token, expires_at=result.token.expires_at,
                       absolute_expires_at=result.login.absolute_expires_at,
                       user_id=result.user.id, email=result.user.email, role=result.token.role,
                       method=result.login.method)


@public.post("/login", response_model=SessionRead)
def login_with_password(body: LoginRequest, request: Request, db: DbSession,
                        runtime: RuntimeDep) -> SessionRead:
    """Password login (plus TOTP or recovery code when MFA is on) → a session token.
    Failures are recorded and committed; too many answer 429 with Retry-After."""
    ctx = _context(request)
    with _commit_failures(db):
        result = login.login(db, email=body.email, password=body.password, code=body.code,
                             client_ip=_client_ip(request),
                             user_agent=request.headers.get("user-agent"),
                             now=runtime.clock.now(), policy=ctx.policy, hasher=ctx.hasher)
    return _session_read(result)


def _callback_url(request: Request, runtime: Runtime, provider: str) -> str:
    base = runtime.settings.oidc_redirect_base_url
    if base:
        return f"{base.rstrip('/')}/api/v1/auth/oidc/{provider}/callback"
    return str(request.url_for("oidc_callback", provider=provider))


@public.get("/oidc/{provider}/login", status_code=status.HTTP_302_FOUND,
            response_class=RedirectResponse)
async def oidc_login(provider: ProviderPath, request: Request,
                     runtime: RuntimeDep) -> Response:
    """Start single sign-on: redirect to the provider (authorization code + PKCE)."""
    ctx = _context(request)
    oidc.provider_or_raise(ctx.providers, provider)
    client = ctx.oauth.create_client(provider)
    try:
        return cast(Response, await client.authorize_redirect(
            request, _callback_url(request, runtime, provider)))
    except httpx.HTTPError as err:
        return error_response(502, "oidc_unavailable",
                              f"provider {provider!r} cannot be reached: {err}")


@public.get("/oidc/{provider}/callback", response_model=SessionRead, name="oidc_callback")
async def oidc_callback(provider: ProviderPath, request: Request,
                        runtime: RuntimeDep) -> SessionRead:
    """Finish single sign-on: check state, exchange the code, verify the id_token (signature,
    issuer, audience, expiry, nonce) and open a session for the linked user."""
    ctx = _context(request)
    settings = oidc.provider_or_raise(ctx.providers, provider)
    client = ctx.oauth.create_client(provider)
    try:
        token = await client.authorize_access_token(request)
    except JoseError as err:
        raise AuthenticationError(f"single sign-on failed: invalid id_token ({err})") from err
    except httpx.HTTPError as err:
        raise AuthenticationError(f"single sign-on failed: provider error ({err})") from err
    except oidc.OAuthError as err:  # state mismatch, access denied, token endpoint error
        detail = err.description or err.error or str(err)
        raise AuthenticationError(f"single sign-on failed: {detail}") from err
    claims = token.get("userinfo")
    if not claims:
        raise AuthenticationError("single sign-on failed: the provider sent no id_token")

    def finish() -> SessionRead:
        now = runtime.clock.now()
        with runtime.sessions() as db:
            user = oidc.link_user(db, provider_name=provider, provider=settings,
                                  claims=dict(claims), now=now)
            login_row, api_token, clear = sessions.open_session(
                db, user=user, now=now, policy=ctx.policy, method=f"oidc:{provider}",
                client_ip=_client_ip(request), user_agent=request.headers.get("user-agent"))
            db.commit()
            return _session_read(login.LoginResult(user, login_row, api_token, clear))

    return await run_in_threadpool(finish)


def _user(db: DbSession, principal: CurrentPrincipal) -> User:
    user = db.get(User, principal.user_id)
    if user is None:
        raise AuthenticationError("the token's user no longer exists")
    return user


CurrentUser = Annotated[User, Depends(_user)]


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(principal: CurrentPrincipal, db: DbSession, runtime: RuntimeDep) -> None:
    """End the caller's login session: its token stops working at once."""
    if not sessions.close(db, token_id=principal.token_id, now=runtime.clock.now()):
        raise ConflictError("this is an API token, not a login session; revoke it with "
                            "DELETE /api/v1/auth/tokens/{token_id}")


@router.get("/sessions", response_model=list[CurrentSessionRead])
def list_sessions(principal: CurrentPrincipal, db: DbSession,
                  runtime: RuntimeDep) -> list[LoginSession]:
    """The caller's open login sessions (devices), newest first."""
    return list(sessions.list_open(db, user_id=principal.user_id, now=runtime.clock.now()))


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def end_session(session_id: Annotated[int, Path(ge=1)], principal: CurrentPrincipal,
                db: DbSession, runtime: RuntimeDep) -> None:
    """End one of the caller's sessions, e.g. on a lost device; its token stops at once."""
    sessions.close_own(db, user_id=principal.user_id, session_id=session_id,
                       now=runtime.clock.now())


@router.get("/me", response_model=MeRead)
def me(principal: CurrentPrincipal, user: CurrentUser, db: DbSession) -> MeRead:
    """The caller, their MFA state and the session they use."""
    login_row: LoginSession | None = sessions.get_by_token_id(db, token_id=principal.token_id)
    return MeRead(user_id=user.id, email=user.email, name=user.name, role=principal.role,
                  mfa_enabled=user.mfa_enabled_at is not None,
                  recovery_codes_left=totp.remaining_recovery_codes(db, user_id=user.id),
                  session=CurrentSessionRead.model_validate(login_row) if login_row else None)


@router.post("/totp/enrol", response_model=TotpEnrolmentRead)
def totp_enrol(user: CurrentUser, db: DbSession, request: Request) -> TotpEnrolmentRead:
    """Start TOTP enrolment: a new secret, its otpauth:// URI and a QR code (SVG)."""
    enrolment = totp.enrol(db, user=user, policy=_context(request).policy)
    return TotpEnrolmentRead(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri,
                             qr_svg=enrolment.qr_svg)


@router.post("/totp/confirm", response_model=RecoveryCodesRead)
def totp_confirm(body: CodeBody, user: CurrentUser, db: DbSession, request: Request,
                 runtime: RuntimeDep) -> RecoveryCodesRead:
    """Turn MFA on with a first code from the app; returns 10 recovery codes, shown once."""
    policy = _context(request).policy
    with _commit_failures(db):
        codes = login.guarded_code_check(
            db, user=user, client_ip=_client_ip(request), now=runtime.clock.now(),
            policy=policy,
            check=lambda now: totp.confirm(db, user=user, code=body.code, now=now,
                                           policy=policy))
    return RecoveryCodesRead(recovery_codes=codes)


@router.post("/totp/disable", status_code=status.HTTP_204_NO_CONTENT)
def totp_disable(body: CodeBody, user: CurrentUser, db: DbSession, request: Request,
                 runtime: RuntimeDep) -> None:
    """Turn MFA off; needs a valid TOTP or recovery code, not just a session."""
    policy = _context(request).policy
    with _commit_failures(db):
        login.guarded_code_check(
            db, user=user, client_ip=_client_ip(request), now=runtime.clock.now(),
            policy=policy,
            check=lambda now: totp.disable(db, user=user, code=body.code, now=now,
                                           policy=policy))


@router.get("/tokens", response_model=list[ApiTokenRead])
def list_tokens(principal: CurrentPrincipal, db: DbSession) -> list[ApiToken]:
    """The caller's API tokens (login sessions are not listed)."""
    return list(api_tokens.list_own(db, user_id=principal.user_id))


@router.post("/tokens", response_model=ApiTokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(body: ApiTokenCreate, user: CurrentUser, db: DbSession,
                 runtime: RuntimeDep) -> ApiTokenCreated:
    """A new API token for the caller, with their role or read_only; shown once."""
    token, clear = api_tokens.create(db, user=user, name=body.name, role=body.role,
                                     valid_days=body.valid_days, now=runtime.clock.now())
    return ApiTokenCreated.model_validate({**ApiTokenRead.model_validate(token).model_dump(),
                                           "token": clear})


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: Annotated[int, Path(ge=1)], principal: CurrentPrincipal,
                 db: DbSession, runtime: RuntimeDep) -> None:
    """Revoke one of the caller's API tokens; it stops working at once."""
    api_tokens.revoke_own(db, user_id=principal.user_id, token_id=token_id,
                          now=runtime.clock.now())
