"""No endpoint is open without a valid token (except health and the docs), and read_only may
only read. The route list comes from the app's OpenAPI, so a new route cannot be forgotten."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from chargegrid.api.app import create_app
from chargegrid.runtime import Runtime
from tests.api.conftest import Tokens, bearer

OPEN = {("GET", "/api/v1/health")}
# Login and single sign-on are how a token is obtained (tests/auth covers them).
OPEN |= {("POST", "/api/v1/auth/login"), ("GET", "/api/v1/auth/oidc/corp/login"),
         ("GET", "/api/v1/auth/oidc/corp/callback")}
# Every authenticated user, read_only included, manages their own session, MFA and tokens.
SELF_SERVICE_PREFIX = "/api/v1/auth/"
SAMPLE_PARAMS = {"station_id": "CP1", "token": "TAG1", "transaction_id": "1", "site_id": "1",
                 "limit_id": "1", "provider": "corp", "token_id": "1",
                 "session_id": "1", "kind": "tokens",
                 # accounts routes
                 "organisation_id": "1", "user_id": "1", "group_id": "1",
                 "cost_centre_id": "1", "vehicle_id": "1", "grant_id": "1", "rule_id": "1"}
SAFE = {"GET", "HEAD", "OPTIONS"}


def all_operations(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, concrete path) the API serves, path parameters filled in."""
    ops = []
    for path, item in app.openapi()["paths"].items():
        concrete = re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PARAMS.get(m.group(1), "1"), path)
        ops.extend((method.upper(), concrete) for method in item)
    return sorted(ops)


def _protected(app: FastAPI) -> list[tuple[str, str]]:
    return [op for op in all_operations(app) if op not in OPEN]


async def test_route_list_is_complete(runtime: Runtime) -> None:
    ops = all_operations(create_app(runtime))
    assert ("GET", "/api/v1/transactions/1/meter-values") in ops
    assert ("POST", "/api/v1/stations/CP1/commands/remote-start") in ops
    assert len(ops) >= 29


async def test_every_route_needs_a_valid_token(app: FastAPI, anon: httpx.AsyncClient,
                                               tokens: Tokens) -> None:
    for method, path in _protected(app):
        for headers in ({}, bearer("not-a-token"), bearer(tokens.revoked),
                        bearer(tokens.expired), {"Authorization": f"Basic {tokens.admin}"}):
            response = await anon.request(method, path, headers=headers)
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.json()["error"] == "unauthenticated"
            assert response.headers["www-authenticate"] == "Bearer"


async def test_read_only_may_read_but_not_write(app: FastAPI,
                                                reader: httpx.AsyncClient) -> None:
    for method, path in _protected(app):
        response = await reader.request(method, path, json={})
        if method in SAFE or path.startswith(SELF_SERVICE_PREFIX):
            assert response.status_code not in {401, 403}, (method, path, response.text)
        else:
            assert response.status_code == 403, (method, path, response.text)
            assert response.json()["error"] == "forbidden"


async def test_admin_passes_authentication_everywhere(app: FastAPI,
                                                      client: httpx.AsyncClient) -> None:
    for method, path in _protected(app):
        if method in SAFE:
            response = await client.request(method, path)
            assert response.status_code not in {401, 403}, (method, path)


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/openapi.json", "/api/docs"])
async def test_open_endpoints(anon: httpx.AsyncClient, path: str) -> None:
    response = await anon.get(path)
    assert response.status_code == 200


async def test_openapi_declares_bearer_security(app: FastAPI) -> None:
    schema = app.openapi()
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "get" in schema["paths"]["/api/v1/health"]
    assert "security" not in schema["paths"]["/api/v1/health"]["get"]


async def test_unknown_path_and_method_use_the_error_shape(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = await client.delete("/api/v1/stations")
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"
