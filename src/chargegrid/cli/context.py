"""Settings and database access for one CLI invocation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import ValidationError
from sqlalchemy.orm import Session

from chargegrid.cli.output import fail
from chargegrid.settings import Settings
from chargegrid.store.database import create_db_engine, create_session_factory, migrate


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with command-line overrides; bad values fail clearly."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except ValidationError as err:
        first = err.errors()[0]
        fail(f"setting {'.'.join(str(p) for p in first['loc'])}: {first['msg']}", 2)


@contextmanager
def db_session(settings: Settings) -> Iterator[Session]:
    """A migrated database and a session committed on success, rolled back on error."""
    migrate(settings.database_url)
    engine = create_db_engine(settings.database_url)
    try:
        with create_session_factory(engine)() as session:
            yield session
            session.commit()
    finally:
        engine.dispose()
