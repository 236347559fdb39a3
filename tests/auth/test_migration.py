"""Revision 0402_auth on a database that already has users and tokens: up keeps them (new
columns empty), down removes exactly what it added without a table rebuild (on SQLite a
rebuilt `users` would cascade-delete every API token)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from chargegrid.store.database import alembic_config, create_db_engine, migrate
from tests.conftest import BACKEND, _pg_admin, _pg_url

AUTH_TABLES = {"login_sessions", "login_attempts", "recovery_codes", "oidc_identities"}
AUTH_COLUMNS = {"totp_secret", "totp_last_step", "mfa_enabled_at", "password_changed_at"}


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    if BACKEND == "postgresql":
        name = f"cg_m_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        yield _pg_url(name)
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'empty.db'}"


def _shape(url: str) -> tuple[set[str], set[str], list[str]]:
    """Tables, the users columns, and the e-mails of users that still have their token
    (a table rebuild on SQLite must not cascade-delete the tokens)."""
    engine = create_db_engine(url)
    try:
        inspector = inspect(engine)
        columns = {c["name"] for c in inspector.get_columns("users")}
        with engine.connect() as conn:
            emails = list(conn.execute(text(
                "SELECT email FROM users JOIN api_tokens ON api_tokens.user_id = users.id "
                "ORDER BY users.id")).scalars())
        return set(inspector.get_table_names()), columns, emails
    finally:
        engine.dispose()


def test_upgrade_and_downgrade_keep_existing_users(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0001")
    engine = create_db_engine(empty_database)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (email, role, active, created_at) "
                          "VALUES ('old@example.org', 'admin', true, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO api_tokens (user_id, name, prefix, token_hash, role, "
                          "created_at) SELECT id, 'cli', 'cg_x', 'h', 'admin', CURRENT_TIMESTAMP "
                          "FROM users"))
    engine.dispose()

    command.upgrade(config, "0402_auth")
    tables, columns, emails = _shape(empty_database)
    assert AUTH_TABLES <= tables and AUTH_COLUMNS <= columns
    assert emails == ["old@example.org"]

    command.downgrade(config, "0001")
    tables, columns, emails = _shape(empty_database)
    assert not AUTH_TABLES & tables and not AUTH_COLUMNS & columns
    assert emails == ["old@example.org"]

    command.upgrade(config, "0402_auth")  # and up again
    tables, columns, emails = _shape(empty_database)
    assert AUTH_TABLES <= tables and AUTH_COLUMNS <= columns
    assert emails == ["old@example.org"]


def test_all_heads_apply_from_an_empty_database(empty_database: str) -> None:
    migrate(empty_database)
    tables, columns, _ = _shape(empty_database)
    assert AUTH_TABLES <= tables and AUTH_COLUMNS <= columns
