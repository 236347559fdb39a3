"""Alembic environment: runs migrations on the URL the application was started with."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, pool

from chargegrid.store.database import create_db_engine
from chargegrid.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_db_engine(url, poolclass=pool.NullPool) if url.startswith("sqlite") else (
        create_db_engine(url)
    )
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration rebuilds a table (create copy, drop old, rename); with foreign
            # keys enforced, dropping the old `users` cascades into every child row (API
            # tokens, ...). SQLite's documented procedure: keys off during the change (the
            # pragma is a no-op inside a transaction, so before it), then a check.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_foreign_keys(connection)
    engine.dispose()


def _check_foreign_keys(connection: Connection) -> None:
    """Refuse (roll back) a migration that left a row pointing nowhere."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        sample = ", ".join(f"{table} row {rowid} -> {parent}"
                           for table, rowid, parent, _ in broken[:5])
        raise RuntimeError(f"migration left {len(broken)} dangling foreign keys: {sample}")


run_migrations_online()
