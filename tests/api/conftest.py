"""API fixtures: an app over the live runtime, an HTTP client on it, and tokens per role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from chargegrid.api.app import create_app
from chargegrid.runtime import Runtime
from chargegrid.services import accounts


@dataclass(frozen=True)
class Tokens:
    admin: str
    reader: str
    revoked: str
    expired: str


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime)


@pytest.fixture
def tokens(runtime: Runtime) -> Tokens:
    """An admin, a read_only user, and one revoked and one expired admin token."""
    now = runtime.clock.now()
    with runtime.sessions() as s:
        admin = accounts.create_user(s, email="admin@example.org", now=now)
        reader = accounts.create_user(s, email="reader@example.org", now=now, role="read_only")
        _, admin_clear = accounts.issue_token(s, user=admin, name="t", now=now)
        _, reader_clear = accounts.issue_token(s, user=reader, name="t", now=now)
        revoked, revoked_clear = accounts.issue_token(s, user=admin, name="r", now=now)
        accounts.revoke_token(s, token_id=revoked.id, now=now)
        expired, expired_clear = accounts.issue_token(s, user=admin, name="e", now=now)
        expired.expires_at = now - timedelta(seconds=1)
        s.commit()
    return Tokens(admin_clear, reader_clear, revoked_clear, expired_clear)


@pytest.fixture
async def anon(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client without credentials."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://test") as client:
        yield client


@pytest.fixture
async def client(app: FastAPI, tokens: Tokens) -> AsyncIterator[httpx.AsyncClient]:
    """A client authenticated as admin."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://test", headers=bearer(tokens.admin)) as c:
        yield c


@pytest.fixture
async def reader(app: FastAPI, tokens: Tokens) -> AsyncIterator[httpx.AsyncClient]:
    """A client authenticated with a read_only token."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://test", headers=bearer(tokens.reader)) as c:
        yield c
