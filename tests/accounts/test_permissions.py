"""The permission matrix, generated from the one definition (domain.permissions.PERMISSIONS):
every role × every route's (resource, action) is tried over HTTP against the caller's own
organisation's objects; a role the table denies gets 403, a role it allows never does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from chargegrid.domain.permissions import (
    PERMISSIONS,
    SITE_BOUND,
    Action,
    Resource,
    Role,
    Scope,
    grant_allows,
    markdown_table,
    matrix,
    scope_for,
)
from tests.accounts.conftest import World, bearer

PARAM = re.compile(r"\{(\w+)\}")


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        original = getattr(route, "original_router", None)  # an included router
        if original is not None:
            context = getattr(route, "include_context", None)
            yield from _routes(original.routes, prefix + getattr(context, "prefix", ""))


def _rules(route: APIRoute) -> set[tuple[Resource, Action | None]]:
    """The `require(...)` rules a route declares, anywhere in its dependency tree."""
    found = set()
    pending = list(route.dependant.dependencies)
    while pending:
        dep = pending.pop()
        rule = getattr(dep.call, "access_rule", None)
        if rule is not None:
            found.add(rule)
        pending.extend(dep.dependencies)
    return found


def declared(app: FastAPI) -> list[tuple[str, str, Resource, Action | None]]:
    out = []
    for path, route in _routes(list(app.router.routes)):
        for rule in _rules(route):
            out.extend((method, path, *rule) for method in route.methods)
    return sorted(out, key=lambda r: (r[1], r[0]))


def test_matrix_is_total_and_sane() -> None:
    rows = matrix()
    assert len(rows) == len(Role) * len(Resource) * len(Action)
    # The operator admin may do everything in its organisation; read-only never writes.
    assert all(scope is Scope.ORGANISATION for role, _, _, scope in rows
               if role is Role.OPERATOR_ADMIN)
    assert all(scope is None for role, _, act, scope in rows
               if role is Role.READ_ONLY and act not in (Action.READ, Action.EXPORT))
    # Drivers only ever reach their own objects; installers only granted sites.
    assert {scope for role, _, _, scope in rows if role is Role.DRIVER} == {Scope.OWN, None}
    assert {scope for role, _, _, scope in rows if role is Role.INSTALLER} == {Scope.SITES, None}
    assert scope_for("no-such-role", Resource.STATION, Action.READ) is None


def test_grants_never_lift_a_user_above_role_or_grant() -> None:
    for grant in Role:
        for user in Role:
            for res in Resource:
                for act in Action:
                    allowed = grant_allows(grant, user, res, act)
                    if allowed:
                        assert res in SITE_BOUND
                        assert (res, act) in PERMISSIONS[grant]
                        assert (res, act) in PERMISSIONS[user]


def test_every_protected_route_declares_a_rule(app: FastAPI) -> None:
    """Access is decided in one place: each /api/v1 route but login/health/self-service
    carries a `require(...)` rule (self-service routes act only on the caller's own)."""
    missing = []
    for path, route in _routes(list(app.router.routes)):
        if not path.startswith("/api/v1") or path in ("/api/v1/health",) \
                or path.startswith("/api/v1/auth/"):
            continue
        if not _rules(route):
            missing.append(f"{sorted(route.methods)} {path}")
    assert not missing, "\n".join(missing)


async def test_role_matrix_over_http(app: FastAPI, http: httpx.AsyncClient,
                                     world: World) -> None:
    """Each role of organisation A on each declared route, with A's own objects."""
    failures = []
    rules = declared(app)
    assert len(rules) > 40
    # Reads first, then writes, so that deletions do not hide later checks (a 404 after a
    # deletion is still "not 403").
    rules.sort(key=lambda r: r[0] != "GET")
    for role in Role:
        token = world.tokens[("a", role.value)]
        for method, path, resource, action in rules:
            if action is None:  # method-dependent rule (settings routes)
                action = Action.READ if method == "GET" else Action.UPDATE
            url = PARAM.sub(lambda m: world.params.get(m.group(1), "1"), path)
            kwargs: dict[str, Any] = {"headers": bearer(token)}
            if method in {"POST", "PUT", "PATCH"}:
                kwargs["json"] = {}
            status = (await http.request(method, url, **kwargs)).status_code
            allowed = scope_for(role, resource, action) is not None
            if (allowed and status == 403) or (not allowed and status != 403):
                failures.append(f"{role} {method} {url} ({resource}.{action}): {status}")
    assert not failures, "\n".join(failures)


def test_docs_roles_table_is_the_code() -> None:
    """docs/accounts.md carries the table generated from PERMISSIONS, unedited."""
    docs = (Path(__file__).parents[2] / "docs" / "accounts.md").read_text(encoding="utf-8")
    assert markdown_table() in docs
