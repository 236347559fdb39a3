"""Organisation isolation, walked over EVERY API route (enumerated from the app, so a route
added later is covered without touching this file).

The caller is organisation B's operator admin — the strongest role — and every URL names
organisation A's objects. Every route that names an object must answer 403 or 404; every
collection route (lists, exports, reports) must answer without any of A's data, also when
its query parameters name A's objects; and afterwards A's data is unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from chargegrid.runtime import Runtime
from chargegrid.store.models import AccessGrant, IdToken, Site, Station, User
from tests.accounts.conftest import World, bearer

PREFIX = "/api/v1"
# Routes that never show organisation data: how a token is obtained, and liveness.
PUBLIC = {("GET", "/api/v1/health"), ("POST", "/api/v1/auth/login")}
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
DENIED = {403, 404}


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every API operation the app serves, from its OpenAPI
    document (which FastAPI builds from the mounted routes)."""
    ops = []
    for path, item in app.openapi()["paths"].items():
        if path.startswith(PREFIX):
            ops.extend((method.upper(), path) for method in item
                       if (method.upper(), path) not in PUBLIC)
    return sorted(ops)


def fill(path: str, world: World) -> str:
    """A's object for every path parameter; unknown ones get 1 (A's, populated first)."""
    return PARAM.sub(lambda m: world.params.get(m.group(1), "1"), path)


def leaked(text: str, world: World) -> list[str]:
    return [marker for marker in world.markers if marker in text]


def sample(schema: dict[str, Any], spec: dict[str, Any], depth: int = 0) -> Any:
    """A value that satisfies a simple OpenAPI schema (required fields only), so that a route
    that validates its body before looking the object up still gets to the look-up."""
    if "$ref" in schema:
        return sample(spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], spec,
                      depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return sample(options[0], spec, depth + 1) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: sample(props[name], spec, depth + 1)
                for name in schema.get("required", []) if depth < 6}
    if kind == "array":
        return []
    if kind == "integer" or kind == "number":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "date-time":
        return "2026-01-01T00:00:00Z"
    if fmt == "date":
        return "2026-01-01"
    return "x" * max(1, schema.get("minLength", 1))


def body_for(app: FastAPI, method: str, path: str) -> Any:
    spec = app.openapi()
    operation = spec["paths"][path][method.lower()]
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    return sample(schema, spec) if schema is not None else None


async def _call(http: httpx.AsyncClient, method: str, url: str, token: str,
                params: dict[str, str] | None = None, body: Any = None) -> httpx.Response:
    kwargs: dict[str, Any] = {"headers": bearer(token), "params": params}
    if method in {"POST", "PUT", "PATCH"}:
        kwargs["json"] = body if body is not None else {}
    return await http.request(method, url, **kwargs)


def test_walker_sees_every_router(app: FastAPI, world: World) -> None:
    """The walk covers the routes of every area (guards against enumerating nothing)."""
    paths = {path for _, path in api_routes(app)}
    for expected in ("/api/v1/stations/{station_id}", "/api/v1/users/{user_id}",
                     "/api/v1/access-grants/{grant_id}", "/api/v1/audit-log",
                     "/api/v1/sites/{site_id}/limits"):
        assert expected in paths
    assert len(paths) > 40


async def test_b_cannot_reach_a_objects_on_any_route(app: FastAPI, http: httpx.AsyncClient,
                                                     world: World) -> None:
    token = world.tokens[("b", "operator_admin")]
    failures = []
    for method, path in api_routes(app):
        if not PARAM.search(path):
            continue
        url = fill(path, world)
        response = await _call(http, method, url, token)
        if response.status_code == 422:
            # Some routes validate the body first: retry with a valid one.
            response = await _call(http, method, url, token, body=body_for(app, method, path))
        if response.status_code not in DENIED:
            failures.append(f"{method} {url} -> {response.status_code} {response.text[:120]}")
    assert not failures, "\n".join(failures)


async def test_collections_show_b_nothing_of_a(app: FastAPI, http: httpx.AsyncClient,
                                               world: World) -> None:
    """Lists, exports and reports: no A data, even with filters naming A's objects."""
    token = world.tokens[("b", "operator_admin")]
    failures = []
    for method, path in api_routes(app):
        if PARAM.search(path) or method != "GET":
            continue
        for params in (None, world.params):
            response = await _call(http, method, path, token, params=params)
            if response.status_code in DENIED or response.status_code == 422:
                continue
            if response.status_code >= 400 or leaked(response.text, world):
                failures.append(f"GET {path} {params and 'filtered'} -> "
                                f"{response.status_code} {leaked(response.text, world)}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/charging-rules", {"group_id": "{group_id}", "start_time": "00:00",
                                "end_time": "24:00"}),
    ("/api/v1/access-grants", {"site_id": "{site_id}", "grantee_organisation_id": 1}),
    ("/api/v1/vehicles", {"label": "x", "user_id": "{user_id}"}),
    ("/api/v1/groups", {"name": "x", "cost_centre_id": "{cost_centre_id}"}),
    ("/api/v1/users", {"email": "x@b.example", "organisation_id": 1}),
    ("/api/v1/organisations", {"name": "x", "parent_id": 1}),
])
async def test_b_cannot_reference_a_objects_in_bodies(http: httpx.AsyncClient, world: World,
                                                      path: str, body: dict[str, object]) -> None:
    filled = {k: int(world.params[v[1:-1]]) if isinstance(v, str) and v.startswith("{") else v
              for k, v in body.items()}
    response = await http.post(path, json=filled,
                               headers=bearer(world.tokens[("b", "operator_admin")]))
    assert response.status_code == 404, response.text


async def test_a_data_unchanged_after_the_walk(app: FastAPI, http: httpx.AsyncClient,
                                               world: World, runtime: Runtime) -> None:
    token = world.tokens[("b", "operator_admin")]
    for method, path in api_routes(app):
        if PARAM.search(path) and method in {"DELETE", "PATCH", "PUT", "POST"}:
            await _call(http, method, fill(path, world), token)
    with runtime.sessions() as s:
        assert s.get(Station, "A-ST1") is not None
        assert s.get(Site, int(world.params["site_id"])) is not None
        card = s.query(IdToken).filter_by(token="ATOKEN1").one()
        assert card.status == "Accepted" and card.user_id == int(world.params["user_id"])
        assert s.get(AccessGrant, int(world.params["grant_id"])).revoked_at is None  # type: ignore[union-attr]
        assert all(u.active for u in s.query(User).filter_by(organisation_id=1))


async def test_a_sees_its_own_objects(http: httpx.AsyncClient, world: World) -> None:
    """The same URLs work for A's admin: the 404s above are isolation, not broken routes."""
    headers = bearer(world.tokens[("a", "operator_admin")])
    for url in ("/api/v1/stations/A-ST1", f"/api/v1/users/{world.params['user_id']}",
                f"/api/v1/groups/{world.params['group_id']}",
                f"/api/v1/access-grants/{world.params['grant_id']}",
                f"/api/v1/charging-rules/{world.params['rule_id']}",
                f"/api/v1/transactions/{world.params['transaction_id']}"):
        assert (await http.get(url, headers=headers)).status_code == 200, url
    listing = (await http.get("/api/v1/stations", headers=headers)).json()
    assert [s["id"] for s in listing] == ["A-ST1"]
