"""Auth fixtures: a runtime on a clock the test moves, tight limits so that windows and
expiries are reached in a few steps, cheap Argon2 so the suite stays fast on a loaded box."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pyotp
import pytest
from fastapi import FastAPI

from chargegrid.api.app import create_app
from chargegrid.clock import FixedClock
from chargegrid.runtime import Runtime
from chargegrid.services import accounts
from chargegrid.settings import Settings

PASSWORD = "correct horse battery"
API = "/api/v1"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, host="127.0.0.1", secret_key="test-secret-key-0123456789",
        session_idle_timeout_s=600, session_absolute_timeout_s=3600,
        login_failure_window_s=300, login_max_failures_per_account=3,
        login_max_failures_per_ip=5,
        argon2_time_cost=1, argon2_memory_cost_kib=8192, argon2_parallelism=1,
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def runtime(settings: Settings, clock: FixedClock) -> AsyncIterator[Runtime]:
    rt = Runtime.build(settings, clock=clock, run_migrations=False)
    try:
        yield rt
    finally:
        await rt.stop()


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime)


def make_client(app: FastAPI, ip: str = "10.0.0.1") -> httpx.AsyncClient:
    """A client as seen from `ip` (the rate limit keys on the client address)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 40000)),
                             base_url="http://test")


@pytest.fixture
async def anon(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(app) as client:
        yield client


def add_user(runtime: Runtime, email: str = "ana@example.org", password: str = PASSWORD,
             role: str | None = None) -> int:
    """A user with a password (hashed with the library defaults, as `admin create` does)."""
    with runtime.sessions() as s:
        kwargs = {"role": role} if role else {}
        user = accounts.create_user(s, email=email, password=password,
                                    now=runtime.clock.now(), **kwargs)
        s.commit()
        return user.id


async def login(client: httpx.AsyncClient, email: str = "ana@example.org",
                password: str = PASSWORD, code: str | None = None) -> httpx.Response:
    body: dict[str, str] = {"email": email, "password": password}
    if code is not None:
        body["code"] = code
    return await client.post(f"{API}/auth/login", json=body)


async def session_token(client: httpx.AsyncClient, **kwargs: str) -> str:
    response = await login(client, **kwargs)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def totp_code(secret: str, clock: FixedClock) -> str:
    return pyotp.TOTP(secret).at(clock.now())
