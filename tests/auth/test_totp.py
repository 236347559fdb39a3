"""TOTP multi-factor authentication: enrol with a QR code, confirm, log in with a code or a
one-time recovery code, no replay, disable only with a code."""

from __future__ import annotations

from xml.etree import ElementTree

import httpx
import pyotp
from sqlalchemy import select

from chargegrid.clock import FixedClock
from chargegrid.runtime import Runtime
from chargegrid.store.models import RecoveryCode, User
from tests.auth.conftest import API, add_user, bearer, login, session_token, totp_code


async def _enrol(client: httpx.AsyncClient, token: str) -> str:
    response = await client.post(f"{API}/auth/totp/enrol", headers=bearer(token))
    assert response.status_code == 200, response.text
    return str(response.json()["secret"])


async def _enable(client: httpx.AsyncClient, clock: FixedClock) -> tuple[str, str, list[str]]:
    token = await session_token(client)
    secret = await _enrol(client, token)
    confirmed = await client.post(f"{API}/auth/totp/confirm", headers=bearer(token),
                                  json={"code": totp_code(secret, clock)})
    assert confirmed.status_code == 200, confirmed.text
    clock.advance(30)  # the next login needs the next code (a code is accepted once)
    return token, secret, confirmed.json()["recovery_codes"]


async def test_enrolment_gives_secret_uri_and_an_svg_qr_code(
        runtime: Runtime, anon: httpx.AsyncClient) -> None:
    user_id = add_user(runtime)
    token = await session_token(anon)
    response = await anon.post(f"{API}/auth/totp/enrol", headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    parsed = pyotp.parse_uri(body["otpauth_uri"])
    assert isinstance(parsed, pyotp.TOTP)
    assert parsed.secret == body["secret"] and parsed.issuer == "ChargeGrid"
    assert parsed.name == "ana@example.org"
    svg = ElementTree.fromstring(body["qr_svg"])
    assert svg.tag.endswith("svg") and len(list(svg.iter())) > 1
    with runtime.sessions() as s:
        user = s.get(User, user_id)
        assert user is not None and user.totp_secret is not None
        assert body["secret"] not in user.totp_secret  # stored encrypted
        assert user.mfa_enabled_at is None  # not on before a code confirms it
    # Until confirmed, login still needs only the password.
    assert (await login(anon)).status_code == 200


async def test_confirm_with_a_wrong_code_keeps_mfa_off(runtime: Runtime, clock: FixedClock,
                                                       anon: httpx.AsyncClient) -> None:
    add_user(runtime)
    token = await session_token(anon)
    secret = await _enrol(anon, token)
    wrong = "000000" if totp_code(secret, clock) != "000000" else "111111"
    response = await anon.post(f"{API}/auth/totp/confirm", headers=bearer(token),
                               json={"code": wrong})
    assert response.status_code == 401
    me = await anon.get(f"{API}/auth/me", headers=bearer(token))
    assert me.json()["mfa_enabled"] is False


async def test_login_needs_the_code_once_mfa_is_on(runtime: Runtime, clock: FixedClock,
                                                   anon: httpx.AsyncClient) -> None:
    add_user(runtime)
    token, secret, codes = await _enable(anon, clock)
    assert len(codes) == 10 and len(set(codes)) == 10
    me = await anon.get(f"{API}/auth/me", headers=bearer(token))
    assert me.json()["mfa_enabled"] is True and me.json()["recovery_codes_left"] == 10

    missing = await login(anon)
    assert missing.status_code == 401 and missing.json()["error"] == "mfa_required"
    wrong = await login(anon, code="123456" if totp_code(secret, clock) != "123456"
                        else "654321")
    assert wrong.status_code == 401 and wrong.json()["error"] == "unauthenticated"
    code = totp_code(secret, clock)
    ok = await login(anon, code=code)
    assert ok.status_code == 200 and ok.json()["method"] == "password+totp"
    replay = await login(anon, code=code)  # the same code again, same 30 s step
    assert replay.status_code == 401
    clock.advance(30)
    assert (await login(anon, code=totp_code(secret, clock))).status_code == 200


async def test_a_code_from_the_previous_step_is_accepted(runtime: Runtime, clock: FixedClock,
                                                          anon: httpx.AsyncClient) -> None:
    add_user(runtime)
    _, secret, _ = await _enable(anon, clock)
    clock.advance(60)
    previous = pyotp.TOTP(secret).at(clock.now().timestamp() - 30)
    assert (await login(anon, code=previous)).status_code == 200
    too_old = pyotp.TOTP(secret).at(clock.now().timestamp() - 90)
    assert (await login(anon, code=too_old)).status_code == 401


async def test_recovery_codes_work_once_each(runtime: Runtime, clock: FixedClock,
                                             anon: httpx.AsyncClient) -> None:
    user_id = add_user(runtime)
    _, _, codes = await _enable(anon, clock)
    with runtime.sessions() as s:  # only hashes are stored
        stored = {r.code_hash for r in s.scalars(select(RecoveryCode).where(
            RecoveryCode.user_id == user_id))}
    assert len(stored) == 10 and not stored & set(codes)
    first = await login(anon, code=codes[0].upper().replace("-", " "))  # typed sloppily
    assert first.status_code == 200 and first.json()["method"] == "password+recovery"
    again = await login(anon, code=codes[0])
    assert again.status_code == 401
    token = (await login(anon, code=codes[1])).json()["token"]
    me = await anon.get(f"{API}/auth/me", headers=bearer(token))
    assert me.json()["recovery_codes_left"] == 8


async def test_wrong_codes_count_towards_the_rate_limit(runtime: Runtime, clock: FixedClock,
                                                        anon: httpx.AsyncClient) -> None:
    add_user(runtime)
    _, secret, _ = await _enable(anon, clock)
    good = totp_code(secret, clock)
    bad = "000000" if good != "000000" else "111111"
    for _ in range(3):
        assert (await login(anon, code=bad)).status_code == 401
    assert (await login(anon, code=good)).status_code == 429


async def test_disable_needs_a_valid_code(runtime: Runtime, clock: FixedClock,
                                          anon: httpx.AsyncClient) -> None:
    user_id = add_user(runtime)
    token, secret, _ = await _enable(anon, clock)
    refused = await anon.post(f"{API}/auth/totp/disable", headers=bearer(token),
                              json={"code": "not-a-code"})
    assert refused.status_code == 401
    disabled = await anon.post(f"{API}/auth/totp/disable", headers=bearer(token),
                               json={"code": totp_code(secret, clock)})
    assert disabled.status_code == 204, disabled.text
    with runtime.sessions() as s:
        user = s.get(User, user_id)
        assert user is not None and user.totp_secret is None and user.mfa_enabled_at is None
        assert s.scalars(select(RecoveryCode)).first() is None
    login_again = await login(anon)
    assert login_again.status_code == 200 and login_again.json()["method"] == "password"


async def test_enrol_twice_while_enabled_is_a_conflict(runtime: Runtime, clock: FixedClock,
                                                       anon: httpx.AsyncClient) -> None:
    add_user(runtime)
    token, _, _ = await _enable(anon, clock)
    response = await anon.post(f"{API}/auth/totp/enrol", headers=bearer(token))
    assert response.status_code == 409 and response.json()["error"] == "conflict"


async def test_enrolment_refused_without_a_secret_key(runtime: Runtime,
                                                      anon: httpx.AsyncClient) -> None:
    from chargegrid.api.app import create_app
    from tests.auth.conftest import make_client

    add_user(runtime)
    unkeyed = Runtime.build(runtime.settings.model_copy(update={"secret_key": None}),
                            clock=runtime.clock, run_migrations=False)
    try:
        async with make_client(create_app(unkeyed)) as client:
            token = await session_token(client)
            response = await client.post(f"{API}/auth/totp/enrol", headers=bearer(token))
            assert response.status_code == 409
            assert "CHARGEGRID_SECRET_KEY" in response.json()["message"]
    finally:
        await unkeyed.stop()
