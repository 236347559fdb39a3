"""Alembic environment: runs migrations on the URL the application was started with."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

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
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
