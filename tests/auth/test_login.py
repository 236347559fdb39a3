"""Password login, sessions (idle and absolute expiry, logout) and the login rate limit."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from chargegrid.api.app import create_app
from chargegrid.clock import FixedClock
from chargegrid.runtime import Runtime
from chargegrid.store.models import ApiToken, LoginAttempt, LoginSession
from tests.auth.conftest import API, PASSWORD, add_user, bearer, login, make_client, session_token


async def test_login_gives_a_session_token_that_other_routes_accept(
        runtime: Runtime, anon: httpx.AsyncClient) -> None:
    user_id = add_user(runtime)
    response = await login(anon, email="Ana@Example.org")  # e-mail is case-insensitive
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user_id"] == user_id and body["method"] == "password"
    assert body["token_type"] == "bearer"
    me = await anon.get(f"{API}/auth/me", headers=bearer(body["token"]))
    assert me.status_code == 200, me.text
    assert me.json()["email"] == "ana@example.org"
    assert me.json()["session"]["method"] == "password"
    stations = await anon.get(f"{API}/stations", headers=bearer(body["token"]))
    assert stations.status_code == 200, stations.text
    with runtime.sessions() as s:  # only the hash of the token is stored
        row = s.scalars(select(ApiToken).where(ApiToken.user_id == user_id)).one()
        assert body["token"] not in {row.token_hash, row.prefix}
        assert row.expires_at is not None


async def test_wrong_password_and_unknown_user_look_the_same(
        runtime: Runtime, anon: httpx.AsyncClient) -> None:
    add_user(runtime)
    wrong = await login(anon, password="not the password")
    unknown = await login(anon, email="nobody@example.org")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.json() == {"error": "unauthenticated",
                                   "message": "invalid e-mail or password"}
    with runtime.sessions() as s:
        reasons = sorted(a.reason for a in s.scalars(select(LoginAttempt)))
    assert reasons == ["bad_password", "unknown_user"]


async def test_user_without_password_cannot_log_in(runtime: Runtime,
                                                   anon: httpx.AsyncClient) -> None:
    from chargegrid.services import accounts

    with runtime.sessions() as s:
        accounts.create_user(s, email="sso-only@example.org", now=runtime.clock.now())
        s.commit()
    response = await login(anon, email="sso-only@example.org", password="")
    assert response.status_code == 422
    response = await login(anon, email="sso-only@example.org", password="anything")
    assert response.status_code == 401


async def test_logout_revokes_the_session(runtime: Runtime, anon: httpx.AsyncClient) -> None:
    add_user(runtime)
    token = await session_token(anon)
    assert (await anon.post(f"{API}/auth/logout", headers=bearer(token))).status_code == 204
    after = await anon.get(f"{API}/auth/me", headers=bearer(token))
    assert after.status_code == 401 and after.json()["error"] == "unauthenticated"
    with runtime.sessions() as s:
        assert s.scalars(select(LoginSession)).one().revoked_at is not None


async def test_logout_with_an_api_token_is_refused(runtime: Runtime,
                                                   anon: httpx.AsyncClient) -> None:
    add_user(runtime)
    session = await session_token(anon)
    created = await anon.post(f"{API}/auth/tokens", json={"name": "ci"}, headers=bearer(session))
    api_token = created.json()["token"]
    response = await anon.post(f"{API}/auth/logout", headers=bearer(api_token))
    assert response.status_code == 409
    assert (await anon.get(f"{API}/auth/me", headers=bearer(api_token))).status_code == 200


async def test_idle_session_expires_and_use_keeps_it_alive(
        runtime: Runtime, clock: FixedClock, anon: httpx.AsyncClient) -> None:
    add_user(runtime)
    token = await session_token(anon)  # idle timeout 600 s in these tests
    for _ in range(3):
        clock.advance(500)
        assert (await anon.get(f"{API}/auth/me", headers=bearer(token))).status_code == 200
    clock.advance(601)
    response = await anon.get(f"{API}/auth/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["message"] == "token expired"


async def test_session_ends_at_its_absolute_expiry_however_busy(
        runtime: Runtime, clock: FixedClock, anon: httpx.AsyncClient) -> None:
    add_user(runtime)
    token = await session_token(anon)  # absolute timeout 3600 s
    for _ in range(7):
        clock.advance(500)
        assert (await anon.get(f"{API}/auth/me", headers=bearer(token))).status_code == 200
    clock.advance(101)  # 3601 s after login, last use 101 s ago
    assert (await anon.get(f"{API}/auth/me", headers=bearer(token))).status_code == 401


async def test_account_is_locked_after_repeated_failures_then_freed_by_the_window(
        runtime: Runtime, clock: FixedClock, anon: httpx.AsyncClient) -> None:
    add_user(runtime)
    for _ in range(3):  # limit: 3 failures per account in 300 s
        assert (await login(anon, password="wrong password")).status_code == 401
        clock.advance(10)
    locked = await login(anon)  # even the right password is refused while locked
    assert locked.status_code == 429
    assert locked.json()["error"] == "rate_limited"
    # The first failure was 30 s ago; it leaves the 300 s window in 270 s.
    assert locked.headers["Retry-After"] == "270"
    assert locked.json()["retry_after_s"] == 270
    clock.advance(269)
    assert (await login(anon)).status_code == 429
    clock.advance(1)
    assert (await login(anon)).status_code == 200


async def test_success_resets_the_account_count(runtime: Runtime, clock: FixedClock,
                                                anon: httpx.AsyncClient) -> None:
    add_user(runtime)
    for _ in range(2):
        assert (await login(anon, password="wrong password")).status_code == 401
    assert (await login(anon)).status_code == 200
    for _ in range(2):
        assert (await login(anon, password="wrong password")).status_code == 401
    assert (await login(anon)).status_code == 200


async def test_address_is_limited_across_accounts(runtime: Runtime, app: FastAPI) -> None:
    for n in range(3):
        add_user(runtime, email=f"u{n}@example.org")
    async with make_client(app, ip="10.9.9.9") as attacker, \
            make_client(app, ip="10.1.1.1") as other:
        for n in range(5):  # limit: 5 failures per address, spread over accounts
            email = f"u{n % 3}@example.org" if n < 3 else f"ghost{n}@example.org"
            assert (await login(attacker, email=email, password="guess-guess")).status_code \
                == 401
        blocked = await login(attacker, email="u2@example.org")
        assert blocked.status_code == 429 and "address" in blocked.json()["message"]
        # The account u2 has one failure only: from another address it still logs in.
        assert (await login(other, email="u2@example.org")).status_code == 200


async def test_rate_limit_holds_across_workers(runtime: Runtime, anon: httpx.AsyncClient) -> None:
    """Two apps (as two worker processes would) on one database share the count."""
    add_user(runtime)
    for _ in range(3):
        assert (await login(anon, password="wrong password")).status_code == 401
    second_worker = Runtime.build(runtime.settings, clock=runtime.clock, run_migrations=False)
    try:
        async with make_client(create_app(second_worker), ip="10.7.7.7") as other:
            assert (await login(other)).status_code == 429
    finally:
        await second_worker.stop()


async def test_password_is_rehashed_when_parameters_change(runtime: Runtime,
                                                           anon: httpx.AsyncClient) -> None:
    user_id = add_user(runtime)  # hashed with argon2-cffi's defaults (t=3, m=64 MiB, p=4)
    from chargegrid.store.models import User

    with runtime.sessions() as s:
        before = s.get(User, user_id)
        assert before is not None and before.password_hash is not None
        assert "m=65536,t=3,p=4" in before.password_hash
    assert (await login(anon)).status_code == 200
    with runtime.sessions() as s:
        after = s.get(User, user_id)
        assert after is not None and after.password_hash is not None
        assert "m=8192,t=1,p=1" in after.password_hash  # the configured parameters
    assert (await login(anon, password=PASSWORD)).status_code == 200  # still the same password


async def test_old_attempts_of_an_account_are_pruned(runtime: Runtime, clock: FixedClock,
                                                     anon: httpx.AsyncClient) -> None:
    add_user(runtime)
    assert (await login(anon, password="wrong password")).status_code == 401
    clock.advance(31 * 86400)
    assert (await login(anon)).status_code == 200
    with runtime.sessions() as s:
        assert [a.reason for a in s.scalars(select(LoginAttempt))] == ["ok"]


async def test_sessions_are_listed_and_can_be_ended_from_another_device(
        runtime: Runtime, app: FastAPI) -> None:
    add_user(runtime)
    add_user(runtime, email="other@example.org")
    async with make_client(app, ip="10.0.0.1") as laptop, \
            make_client(app, ip="10.0.0.2") as phone:
        on_laptop = await session_token(laptop)
        on_phone = await session_token(phone)
        other = await session_token(laptop, email="other@example.org")
        listed = (await laptop.get(f"{API}/auth/sessions", headers=bearer(on_laptop))).json()
        assert [s["client_ip"] for s in listed] == ["10.0.0.2", "10.0.0.1"]
        phone_id = listed[0]["id"]
        # Someone else cannot end it; the owner can, from the laptop.
        refused = await laptop.delete(f"{API}/auth/sessions/{phone_id}", headers=bearer(other))
        assert refused.status_code == 404
        ended = await laptop.delete(f"{API}/auth/sessions/{phone_id}",
                                    headers=bearer(on_laptop))
        assert ended.status_code == 204
        assert (await phone.get(f"{API}/auth/me", headers=bearer(on_phone))).status_code == 401
        listed = (await laptop.get(f"{API}/auth/sessions", headers=bearer(on_laptop))).json()
        assert [s["client_ip"] for s in listed] == ["10.0.0.1"]
