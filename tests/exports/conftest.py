"""Fixtures for the ADVENIR export: a session factory on the per-test database, a manual
clock, and the fake web service on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from chargegrid.clock import FixedClock
from chargegrid.store.database import create_db_engine, create_session_factory
from tests.exports.fake_advenir import FakeAdvenir, RunningFake

T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = create_db_engine(database_url)
    try:
        yield create_session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 4, 2, tzinfo=UTC))


@pytest.fixture
def fake() -> Iterator[RunningFake]:
    running = RunningFake(FakeAdvenir(hang_s=1.5))
    try:
        yield running
    finally:
        running.close()
