"""Import fixtures: a session factory on the test's fresh database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from chargegrid.store.database import create_db_engine, create_session_factory


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = create_db_engine(database_url)
    try:
        yield create_session_factory(engine)
    finally:
        engine.dispose()
