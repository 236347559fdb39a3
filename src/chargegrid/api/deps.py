"""Request-scoped dependencies: the runtime, one database session per request, the caller
and what their role permits.

Permissions are deliberately small now (admin may do everything, read_only may only read)
but live in one table, `ROLE_PERMISSIONS`, so the role model of the accounts issue replaces
the table, not the routes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Literal, cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from chargegrid.errors import AuthenticationError, PermissionDeniedError
from chargegrid.runtime import Runtime
from chargegrid.services import accounts
from chargegrid.services.accounts import Principal
from chargegrid.services.auth import sessions as login_sessions

Permission = Literal["read", "write"]
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "operator_admin": frozenset({"read", "write"}),
    "read_only": frozenset({"read"}),
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Gives Swagger its "Authorize" button; errors are ours (401 with our body), not FastAPI's.
bearer_scheme = HTTPBearer(auto_error=False, description="An API token: `Bearer <token>`.")


def get_runtime(request: Request) -> Runtime:
    """The runtime the app was built with (no module-level state)."""
    return cast(Runtime, request.app.state.runtime)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_db(runtime: RuntimeDep) -> Iterator[Session]:
    """One session per request: committed when the route returns, rolled back if it raises,
    so a failed request leaves nothing half-written."""
    session = runtime.sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": commit before the response is sent, so a 2xx means it is stored.
DbSession = Annotated[Session, Depends(get_db, scope="function")]


def get_principal(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """Resolve `Authorization: Bearer <token>`; a short session of its own, so that a long
    command does not hold the request's transaction open while it waits for a station."""
    if credentials is None or not credentials.credentials:
        raise AuthenticationError("missing bearer token (Authorization: Bearer <token>)")
    now = runtime.clock.now()
    with runtime.sessions() as session:
        principal = accounts.authenticate(session, bearer=credentials.credentials, now=now)
        # A login session's idle expiry slides with use (services/auth/sessions.py).
        login_sessions.touch(session, token_id=principal.token_id, now=now,
                             idle=timedelta(seconds=runtime.settings.session_idle_timeout_s))
        session.commit()
        return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def _require(principal: Principal, permission: Permission) -> Principal:
    if permission not in ROLE_PERMISSIONS.get(principal.role, frozenset()):
        raise PermissionDeniedError(f"role {principal.role!r} may not {permission}")
    return principal


def require_read(principal: CurrentPrincipal) -> Principal:
    """Any role that may read."""
    return _require(principal, "read")


def require_admin(principal: CurrentPrincipal) -> Principal:
    """Changes and commands to stations need the write permission (admin today)."""
    return _require(principal, "write")


def authorize_by_method(request: Request, principal: CurrentPrincipal) -> Principal:
    """Router-wide default, so that no route can be left open by forgetting a dependency:
    safe methods need read, everything else needs write."""
    return _require(principal, "read" if request.method in SAFE_METHODS else "write")


ReadPrincipal = Annotated[Principal, Depends(require_read)]
AdminPrincipal = Annotated[Principal, Depends(require_admin)]
