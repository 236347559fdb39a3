"""Fixtures for simulator integration tests: a library-built central system on a free port."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.simulator.central import Central
from tests.simulator.helpers import serving


@pytest_asyncio.fixture
async def central() -> AsyncIterator[Central]:
    async with serving(Central()) as server:
        yield server
