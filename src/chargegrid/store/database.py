"""Engine and session factory for SQLite (embedded default) and PostgreSQL, and start-up
migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# No database wait is unbounded: a write stuck behind a lock fails after 30 s (the charger
# gets an error and retries) instead of holding its batch forever, and a connection left
# idle inside a transaction (a leak) is closed by the server before it blocks others.
PG_CONNECT_TIMEOUT_S = 10
PG_SESSION_OPTIONS = "-c lock_timeout=30s -c idle_in_transaction_session_timeout=300s"


def normalise_url(url: str) -> str:
    """Let operators write `postgresql://` and get the psycopg 3 driver we ship."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def create_db_engine(url: str, *, sqlite_synchronous: str = "FULL", **kwargs: Any) -> Engine:
    """Create an engine tuned for the backend: WAL and a busy timeout for SQLite, so the
    API's readers never block the charger writer and concurrent writers wait, not fail.

    `sqlite_synchronous` FULL (default) makes every commit durable against power loss;
    NORMAL keeps commits durable against a process crash (kill -9) but may lose the last
    ones on power loss, for about twice the message throughput."""
    if sqlite_synchronous not in {"FULL", "NORMAL"}:
        raise ValueError("sqlite_synchronous must be FULL or NORMAL")
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    connect_args = {"connect_timeout": PG_CONNECT_TIMEOUT_S, "options": PG_SESSION_OPTIONS}
    connect_args.update(kwargs.pop("connect_args", {}))
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True,
                         connect_args=connect_args, **kwargs)


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (we hand them to callers)."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the schema to the newest revisions (every head: branches are merged later);
    run at every start-up, a no-op when current."""
    command.upgrade(alembic_config(url), "heads")
