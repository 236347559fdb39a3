"""OIDC single sign-on, end to end over HTTP: a real provider on loopback, ChargeGrid served
by uvicorn, and httpx following the redirects as a browser would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import select

from chargegrid.api.app import create_app
from chargegrid.clock import FixedClock
from chargegrid.runtime import Runtime
from chargegrid.settings import OidcProviderSettings, Settings
from chargegrid.store.models import OidcIdentity, User
from tests.auth.conftest import API, add_user, bearer
from tests.auth.oidc_provider import CLIENT_ID, CLIENT_SECRET, LoopbackOidcProvider, Person, serve


@dataclass
class Sso:
    provider: LoopbackOidcProvider
    runtime: Runtime
    base: str  # ChargeGrid's URL

    @property
    def login_url(self) -> str:
        return f"{self.base}{API}/auth/oidc/corp/login"


async def _sso(settings: Settings, clock: FixedClock,
               create_users: bool) -> AsyncIterator[Sso]:
    provider = LoopbackOidcProvider()
    async with serve(provider.app()) as issuer:
        provider.issuer = issuer
        configured = settings.model_copy(update={"oidc_providers": {"corp": OidcProviderSettings(
            issuer=issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
            create_users=create_users)}})
        runtime = Runtime.build(configured, clock=clock, run_migrations=False)
        try:
            async with serve(create_app(runtime)) as base:
                yield Sso(provider, runtime, base)
        finally:
            await runtime.stop()


@pytest.fixture
async def sso(settings: Settings, clock: FixedClock) -> AsyncIterator[Sso]:
    async for value in _sso(settings, clock, create_users=False):
        yield value


@pytest.fixture
async def sso_creating(settings: Settings, clock: FixedClock) -> AsyncIterator[Sso]:
    async for value in _sso(settings, clock, create_users=True):
        yield value


def browser() -> httpx.AsyncClient:
    return httpx.AsyncClient(follow_redirects=True, timeout=20)


async def test_sso_links_an_existing_user_by_verified_email(sso: Sso) -> None:
    user_id = add_user(sso.runtime)
    async with browser() as b:
        response = await b.get(sso.login_url)
        assert response.status_code == 200, response.text
        hops = [str(r.url) for r in response.history]
        assert hops[0].startswith(sso.login_url)
        assert urlsplit(hops[1]).path == "/authorize"  # the provider was visited
        authorize = parse_qs(urlsplit(hops[1]).query)
        assert authorize["code_challenge_method"] == ["S256"] and authorize["nonce"][0]
        body = response.json()
        assert body["user_id"] == user_id and body["method"] == "oidc:corp"
        me = await b.get(f"{sso.base}{API}/auth/me", headers=bearer(body["token"]))
        assert me.status_code == 200 and me.json()["email"] == "ana@example.org"
    with sso.runtime.sessions() as s:
        identity = s.scalars(select(OidcIdentity)).one()
        assert (identity.provider, identity.subject, identity.user_id) == \
            ("corp", "sub-1", user_id)
    # Later logins find the user by (provider, subject), even if the e-mail changed there.
    sso.provider.person = Person("sub-1", "ana.new@example.org")
    async with browser() as b:
        again = await b.get(sso.login_url)
        assert again.status_code == 200 and again.json()["user_id"] == user_id


async def test_unknown_email_is_refused_without_creating_a_user(sso: Sso) -> None:
    sso.provider.person = Person("sub-9", "stranger@example.org")
    async with browser() as b:
        response = await b.get(sso.login_url)
    assert response.status_code == 403
    assert "administrator must create" in response.json()["message"]
    with sso.runtime.sessions() as s:
        assert s.scalars(select(User)).first() is None
        assert s.scalars(select(OidcIdentity)).first() is None


async def test_unverified_email_is_not_linked(sso: Sso) -> None:
    add_user(sso.runtime)
    sso.provider.person = Person("sub-2", "ana@example.org", email_verified=False)
    async with browser() as b:
        response = await b.get(sso.login_url)
    assert response.status_code == 403 and "verified" in response.json()["message"]


async def test_users_are_created_only_where_configured(sso_creating: Sso) -> None:
    sso_creating.provider.person = Person("sub-3", "New.Person@Example.org")
    async with browser() as b:
        response = await b.get(sso_creating.login_url)
    assert response.status_code == 200, response.text
    with sso_creating.runtime.sessions() as s:
        user = s.scalars(select(User)).one()
        assert user.email == "new.person@example.org" and user.role == "read_only"
        assert user.password_hash is None


async def test_wrong_nonce_is_refused(sso: Sso) -> None:
    add_user(sso.runtime)
    sso.provider.nonce_override = "a-nonce-we-never-sent"
    async with browser() as b:
        response = await b.get(sso.login_url)
    assert response.status_code == 401, response.text
    assert "nonce" in response.json()["message"]
    assert sso.provider.token_requests == 1  # refused after the exchange, on the id_token


async def test_wrong_audience_is_refused(sso: Sso) -> None:
    add_user(sso.runtime)
    sso.provider.audience_override = "some-other-client"
    async with browser() as b:
        response = await b.get(sso.login_url)
    assert response.status_code == 401
    # authlib refuses a token not issued to us (here through the missing azp it then needs).
    assert "invalid id_token" in response.json()["message"]


async def test_bad_state_is_refused_before_any_code_exchange(sso: Sso) -> None:
    add_user(sso.runtime)
    async with httpx.AsyncClient(follow_redirects=False, timeout=20) as b:
        start = await b.get(sso.login_url)
        assert start.status_code == 302
        at_provider = await b.get(start.headers["location"])
        assert at_provider.status_code == 302
        callback = urlsplit(at_provider.headers["location"])
        params = parse_qs(callback.query)
        forged = f"{sso.base}{callback.path}?" + urlencode(
            {"code": params["code"][0], "state": "forged-state"})
        response = await b.get(forged)
        assert response.status_code == 401, response.text
        assert "state" in response.json()["message"].lower()
        # Without the browser's state cookie the genuine state is refused too.
    async with httpx.AsyncClient(timeout=20) as other_browser:
        stolen = await other_browser.get(f"{sso.base}{callback.path}?{callback.query}")
        assert stolen.status_code == 401
    assert sso.provider.token_requests == 0


async def test_unknown_provider_is_404(sso: Sso) -> None:
    async with browser() as b:
        response = await b.get(f"{sso.base}{API}/auth/oidc/nope/login")
    assert response.status_code == 404 and "corp" in response.json()["message"]


async def test_unreachable_provider_is_a_clear_502(settings: Settings,
                                                   clock: FixedClock) -> None:
    import socket

    with socket.socket() as probe:  # a loopback port with nobody listening
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    configured = settings.model_copy(update={"oidc_providers": {"corp": OidcProviderSettings(
        issuer=closed, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)}})
    runtime = Runtime.build(configured, clock=clock, run_migrations=False)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime)),
                                     base_url="http://test") as client:
            response = await client.get(f"{API}/auth/oidc/corp/login")
        assert response.status_code == 502
        assert response.json()["error"] == "oidc_unavailable"
    finally:
        await runtime.stop()


async def test_provider_refusal_is_reported(sso: Sso) -> None:
    async with httpx.AsyncClient(follow_redirects=False, timeout=20) as b:
        start = await b.get(sso.login_url)
        state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
        response = await b.get(f"{sso.base}{API}/auth/oidc/corp/callback?" + urlencode(
            {"error": "access_denied", "error_description": "the user said no",
             "state": state}))
    assert response.status_code == 401
    assert "the user said no" in response.json()["message"]
