"""The caller's own API tokens (create, list, revoke, no escalation) and setting passwords
(service and `chargegrid admin set-password`)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from chargegrid.cli.main import app as cli_app
from chargegrid.errors import InvalidInputError
from chargegrid.runtime import Runtime
from chargegrid.services.auth import passwords
from chargegrid.services.auth.policy import AuthPolicy
from chargegrid.store.models import User
from tests.auth.conftest import API, add_user, bearer, login, make_client, session_token


async def test_create_list_and_revoke_own_tokens(runtime: Runtime,
                                                 anon: httpx.AsyncClient) -> None:
    add_user(runtime)
    session = await session_token(anon)
    created = await anon.post(f"{API}/auth/tokens", headers=bearer(session),
                              json={"name": "erp export", "valid_days": 30})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["token"].startswith(body["prefix"]) and body["expires_at"] is not None
    listed = await anon.get(f"{API}/auth/tokens", headers=bearer(session))
    assert [t["name"] for t in listed.json()] == ["erp export"]  # the session is not listed
    assert "token" not in listed.json()[0]
    assert (await anon.get(f"{API}/auth/me", headers=bearer(body["token"]))).status_code == 200
    revoked = await anon.delete(f"{API}/auth/tokens/{body['id']}", headers=bearer(session))
    assert revoked.status_code == 204
    assert (await anon.get(f"{API}/auth/me", headers=bearer(body["token"]))).status_code == 401
    listed = await anon.get(f"{API}/auth/tokens", headers=bearer(session))
    assert listed.json()[0]["revoked_at"] is not None


async def test_tokens_never_exceed_the_callers_role(runtime: Runtime,
                                                    anon: httpx.AsyncClient) -> None:
    add_user(runtime, email="reader@example.org", role="read_only")
    session = await session_token(anon, email="reader@example.org")
    escalate = await anon.post(f"{API}/auth/tokens", headers=bearer(session),
                               json={"name": "x", "role": "operator_admin"})
    assert escalate.status_code == 403 and escalate.json()["error"] == "forbidden"
    own = await anon.post(f"{API}/auth/tokens", headers=bearer(session), json={"name": "x"})
    assert own.status_code == 201 and own.json()["role"] == "read_only"


async def test_tokens_must_expire(runtime: Runtime, anon: httpx.AsyncClient) -> None:
    add_user(runtime)
    session = await session_token(anon)
    for days in (0, 3651):
        response = await anon.post(f"{API}/auth/tokens", headers=bearer(session),
                                   json={"name": "x", "valid_days": days})
        assert response.status_code == 422 and "valid_days" in response.json()["message"]


async def test_someone_elses_token_cannot_be_revoked(runtime: Runtime, app: FastAPI) -> None:
    add_user(runtime, email="a@example.org")
    add_user(runtime, email="b@example.org")
    async with make_client(app) as client:
        a = await session_token(client, email="a@example.org")
        b = await session_token(client, email="b@example.org")
        a_token = (await client.post(f"{API}/auth/tokens", headers=bearer(a),
                                     json={"name": "a"})).json()
        response = await client.delete(f"{API}/auth/tokens/{a_token['id']}", headers=bearer(b))
        assert response.status_code == 404
        assert (await client.get(f"{API}/auth/me",
                                 headers=bearer(a_token["token"]))).status_code == 200


async def test_set_password_ends_open_sessions(runtime: Runtime,
                                               anon: httpx.AsyncClient) -> None:
    user_id = add_user(runtime)
    session = await session_token(anon)
    policy = AuthPolicy.from_settings(runtime.settings)
    with runtime.sessions() as s:
        user = s.get(User, user_id)
        assert user is not None
        with pytest.raises(InvalidInputError, match="at least 10"):
            passwords.set_password(s, user=user, password="short", now=runtime.clock.now(),
                                   hasher=passwords.make_hasher(policy))
        ended = passwords.set_password(s, user=user, password="a brand new password",
                                       now=runtime.clock.now(),
                                       hasher=passwords.make_hasher(policy))
        s.commit()
    assert ended == 1
    assert (await anon.get(f"{API}/auth/me", headers=bearer(session))).status_code == 401
    assert (await login(anon)).status_code == 401
    assert (await login(anon, password="a brand new password")).status_code == 200


async def test_cli_set_password_from_stdin(runtime: Runtime, anon: httpx.AsyncClient,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    add_user(runtime, email="ops@example.org")
    monkeypatch.setenv("CHARGEGRID_DATABASE_URL", runtime.settings.database_url)
    runner = CliRunner()
    result = runner.invoke(cli_app, ["admin", "set-password", "OPS@example.org",
                                     "--password-stdin"], input="from the pipe 123\n")
    assert result.exit_code == 0, result.output
    assert "password set for ops@example.org" in result.output
    assert (await login(anon, email="ops@example.org", password="from the pipe 123")
            ).status_code == 200
    missing = runner.invoke(cli_app, ["admin", "set-password", "nobody@example.org",
                                      "--password-stdin"], input="whatever-long-enough\n")
    assert missing.exit_code == 3
    short = runner.invoke(cli_app, ["admin", "set-password", "ops@example.org",
                                    "--password-stdin"], input="short\n")
    assert short.exit_code == 2 and "at least 10" in short.output


async def test_cli_set_password_prompts_twice(runtime: Runtime, anon: httpx.AsyncClient,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    add_user(runtime, email="ops@example.org")
    monkeypatch.setenv("CHARGEGRID_DATABASE_URL", runtime.settings.database_url)
    result = CliRunner().invoke(cli_app, ["admin", "set-password", "ops@example.org"],
                                input="typed at the prompt\ntyped at the prompt\n")
    assert result.exit_code == 0, result.output
    assert (await login(anon, email="ops@example.org", password="typed at the prompt")
            ).status_code == 200
