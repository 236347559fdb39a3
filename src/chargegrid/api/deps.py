"""Request-scoped dependencies: the runtime, one database session per request, the caller,
and the one place where access is decided.

Every protected route declares what it does with `require(Resource, Action)`. That single
dependency (1) looks the caller's role up in `domain.permissions` (403 if the role never may),
(2) builds the caller's `Visibility` (organisation tree, access grants, own objects),
(3) checks every object named in the URL against it (404 if missing or not visible — the
same answer, so ids of other organisations cannot be probed), all before the request body is
read, and (4) writes the audit entry of every non-read action with its result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from chargegrid.domain.permissions import Action, Resource
from chargegrid.errors import (
    AuthenticationError,
    ChargeGridError,
    NotFoundError,
    PermissionDeniedError,
)
from chargegrid.runtime import Runtime
from chargegrid.services import accounts, audit, scoping
from chargegrid.services.accounts import Principal
from chargegrid.services.auth import sessions as login_sessions
from chargegrid.store.models import AuditEntry

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


@dataclass(frozen=True, slots=True)
class Access:
    """A caller cleared for one (resource, action), and what they may reach doing it."""

    principal: Principal
    resource: Resource
    action: Action
    visibility: scoping.Visibility

    def target_organisation(self, requested: int | None) -> int:
        """Where a new object goes: the caller's organisation, or one of its subsidiaries
        if named (an organisation out of reach is "not found", like any other object)."""
        if requested is None:
            return self.principal.organisation_id
        if requested not in self.visibility.org_ids:
            raise NotFoundError(f"organisation {requested!r} not found")
        return requested


def _validated_path_params(request: Request) -> dict[str, Any]:
    """The URL's path parameters that pass the route's own validation (the others are left
    to FastAPI, which answers 422 for them, as before scoping existed)."""
    fields = {}
    pending: list[Dependant] = [getattr(request.scope.get("route"), "dependant", None)
                                or Dependant()]
    while pending:
        current = pending.pop()
        fields.update({f.alias: f for f in current.path_params})
        pending.extend(current.dependencies)
    valid: dict[str, Any] = {}
    for name, raw in request.path_params.items():
        field = fields.get(name)
        if field is None:
            valid[name] = raw
            continue
        value, errors = field.validate(raw, loc=("path", name))
        if not errors:
            valid[name] = value
    return valid


def _resource_id(request: Request) -> str | None:
    params = request.path_params
    return ",".join(f"{k}={v}" for k, v in params.items())[:64] or None


@contextmanager
def _access(request: Request, runtime: Runtime, db: Session, principal: Principal,
            resource: Resource, action: Action) -> Iterator[Access]:
    """The body of every `require` dependency (see the module docstring)."""
    audited = action is not Action.READ

    def entry(result: str) -> AuditEntry:
        return AuditEntry(at=runtime.clock.now(), organisation_id=principal.organisation_id,
                          user_id=principal.user_id, actor=principal.actor[:64],
                          action=f"{resource}.{action}", resource=str(resource),
                          resource_id=_resource_id(request), result=result[:32],
                          detail={"method": request.method, "path": request.url.path})

    def log_failure(result: str) -> None:
        """In its own transaction: the request's own is rolled back first (on SQLite it may
        hold the write lock), so the refusal or failure is recorded all the same."""
        if audited:
            db.rollback()
            with runtime.sessions() as own:
                own.add(entry(result))
                own.commit()

    with runtime.sessions() as session:
        visibility = scoping.visibility_for(
            session, organisation_id=principal.organisation_id, user_id=principal.user_id,
            role=principal.role, resource=resource, action=action)
        if visibility is None:
            log_failure("denied")
            raise PermissionDeniedError(f"role {principal.role!r} may not {action} {resource}")
        try:
            for name, value in _validated_path_params(request).items():
                if name in scoping.PATH_OBJECTS:
                    scoping.visible_or_404(session, param=name, value=value, v=visibility)
        except NotFoundError:
            log_failure("not_found")
            raise
    try:
        yield Access(principal, resource, action, visibility)
    except ChargeGridError as exc:
        log_failure(exc.code)
        raise
    except RequestValidationError:
        log_failure("invalid_input")
        raise
    except Exception:
        log_failure("error")
        raise
    if audited:
        # Same transaction as the change itself: both are committed, or neither.
        db.add(entry(audit.RESULT_OK))


@cache
def _dependency(resource: Resource, action: Action) -> Callable[..., Iterator[Access]]:
    def dependency(request: Request, runtime: RuntimeDep, db: DbSession,
                   principal: CurrentPrincipal) -> Iterator[Access]:
        with _access(request, runtime, db, principal, resource, action) as access:
            yield access

    dependency.__name__ = f"require_{resource}_{action}"
    # Marks the dependency for the test that checks every route declares one.
    dependency.__dict__["access_rule"] = (resource, action)
    return dependency


def require(resource: Resource, action: Action) -> Any:
    """`access: Annotated[Access, require(Resource.X, Action.Y)]` on a route: see the module
    docstring. One dependency object per (resource, action), so FastAPI resolves it once."""
    return Depends(_dependency(resource, action), scope="function")


def _settings_access(request: Request, runtime: RuntimeDep, db: DbSession,
                     principal: CurrentPrincipal) -> Iterator[Principal]:
    """Installation settings (webhooks, integrations): reading and changing them are the
    settings resource's read and update."""
    action = Action.READ if request.method in SAFE_METHODS else Action.UPDATE
    with _access(request, runtime, db, principal, Resource.SETTINGS, action) as access:
        yield access.principal


_settings_access.__dict__["access_rule"] = (Resource.SETTINGS, None)


def authorize_by_method(principal: CurrentPrincipal) -> Principal:
    """Router-wide: every protected route needs a valid token. What the caller may do is
    each route's `require(...)` (tests/accounts checks that every route declares one)."""
    return principal


# Installation settings routes (webhooks) use this: operator admins change, read-only reads.
AdminPrincipal = Annotated[Principal, Depends(_settings_access, scope="function")]
