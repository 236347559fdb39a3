"""A seeded database for report tests, plus the API fixtures for the route tests."""

from __future__ import annotations

import pytest

from chargegrid.runtime import Runtime
from tests.api.conftest import anon, app, client, reader, tokens
from tests.reports.dataset import Dataset, seed

__all__ = ["anon", "app", "client", "reader", "tokens"]


@pytest.fixture
def data(runtime: Runtime) -> Dataset:
    with runtime.sessions() as s:
        return seed(s)
