"""Upgrading an existing database keeps its rows: SQLite table rebuilds (batch migrations)
must not cascade-delete children, on either backend."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from alembic import command
from sqlalchemy import text

from chargegrid.store.database import alembic_config, create_db_engine, migrate

BACKEND = os.environ.get("CHARGEGRID_TEST_DATABASE", "sqlite")
PG_ADMIN_URL = os.environ.get("CHARGEGRID_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    if BACKEND != "postgresql":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"cg_mig_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_from_the_first_schema_keeps_users_tokens_and_stations(
        empty_database: str) -> None:
    command.upgrade(alembic_config(empty_database), "0001")
    engine = create_db_engine(empty_database)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, email, role, active, created_at) "
                          "VALUES (1, 'ops@example.com', 'admin', true, :now)"), {"now": now})
        conn.execute(text("INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, "
                          "role, created_at) VALUES (1, 1, 'ci', 'cg_ab', :h, 'admin', :now)"),
                     {"h": "0" * 64, "now": now})
        conn.execute(text("INSERT INTO stations (id, registration_status, connected, "
                          "created_at) VALUES ('OLD-1', 'Accepted', false, :now)"),
                     {"now": now})
    engine.dispose()
    migrate(empty_database)  # every head
    engine = create_db_engine(empty_database)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM users")) == 1
        assert conn.scalar(text("SELECT count(*) FROM api_tokens")) == 1
        assert conn.scalar(text("SELECT count(*) FROM stations")) == 1
    engine.dispose()
