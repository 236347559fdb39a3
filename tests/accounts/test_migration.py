"""Migration 0401_accounts on a database that already holds data: everything moves to the
"Default" organisation (id 1), `admin` becomes `operator_admin`, and nothing is lost."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from chargegrid.store.database import alembic_config, normalise_url
from tests.conftest import BACKEND, _pg_admin, _pg_url

BEFORE = ("0101_advenir", "0201_ocpp201", "0301_control")
NOW = "2026-11-01 10:00:00"


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    if BACKEND == "postgresql":
        name = f"cg_m_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        yield _pg_url(name)
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'm.db'}"


def test_upgrade_backfills_the_default_organisation(empty_url: str) -> None:
    config = alembic_config(empty_url)
    for head in BEFORE:
        command.upgrade(config, head)
    engine = create_engine(normalise_url(empty_url))
    with engine.begin() as c:
        c.execute(text("INSERT INTO users (id, email, role, active, created_at) "
                       "VALUES (7, 'old@example.org', 'admin', true, :t)"), {"t": NOW})
        c.execute(text("INSERT INTO api_tokens (user_id, name, prefix, token_hash, role, "
                       "created_at) VALUES (7, 'n', 'p', 'h', 'admin', :t)"), {"t": NOW})
        c.execute(text("INSERT INTO sites (name, topology, mode, created_at, updated_at) "
                       "VALUES ('s', '{}', 'static', :t, :t)"), {"t": NOW})
        c.execute(text("INSERT INTO stations (id, registration_status, connected, created_at) "
                       "VALUES ('CP1', 'Accepted', false, :t)"), {"t": NOW})
        c.execute(text("INSERT INTO id_tokens (token, token_type, status, created_at, "
                       "updated_at) VALUES ('TAG1', 'ISO14443', 'Accepted', :t, :t)"),
                  {"t": NOW})
    command.upgrade(config, "0401_accounts")
    with engine.begin() as c:
        assert c.execute(text("SELECT id, name FROM organisations")).all() == [(1, "Default")]
        for table in ("users", "api_tokens", "sites", "stations", "id_tokens"):
            assert c.execute(text(f"SELECT DISTINCT organisation_id FROM {table}")
                             ).scalars().all() == [1], table
        assert c.execute(text("SELECT role FROM users")).scalar() == "operator_admin"
        assert c.execute(text("SELECT role FROM api_tokens")).scalar() == "operator_admin"
        # The next organisation gets a fresh id (PostgreSQL's sequence was advanced).
        c.execute(text("INSERT INTO organisations (name, created_at) VALUES ('n', :t)"),
                  {"t": NOW})
        assert c.execute(text("SELECT max(id) FROM organisations")).scalar() == 2
    command.downgrade(config, "0301_control")  # one step back over the merge
    with engine.begin() as c:
        assert c.execute(text("SELECT role FROM users")).scalar() == "admin"
    engine.dispose()
