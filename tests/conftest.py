"""Shared fixtures: a fresh, migrated database per test on SQLite or PostgreSQL, and a
running OCPP server on a free loopback port.

`CHARGEGRID_TEST_DATABASE=postgresql` runs the same tests against the PostgreSQL on
127.0.0.1:5432; each run creates its own databases (from a migrated template) and drops
them afterwards, so nothing depends on what a previous run left.
"""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest

from chargegrid.runtime import Runtime, ShutdownOverrunWarning
from chargegrid.settings import Settings
from chargegrid.store.database import migrate

BACKEND = os.environ.get("CHARGEGRID_TEST_DATABASE", "sqlite")
PG_ADMIN_URL = os.environ.get("CHARGEGRID_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_url(database: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{database}"


def _pg_admin(sql: str) -> None:
    """CREATE/DROP DATABASE, bounded: a blocked statement fails the test, never hangs it."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        conn.execute("SET statement_timeout = '60s'")
        conn.execute(sql)


@pytest.fixture(scope="session")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database to copy per test (migrations run once per session)."""
    if BACKEND == "postgresql":
        name = f"cg_tpl_{uuid.uuid4().hex[:10]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        migrate(_pg_url(name))
        yield name
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path_factory.mktemp("tpl") / "template.db"
        migrate(f"sqlite:///{path}")
        yield str(path)


@pytest.fixture
def database_url(db_template: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database for one test, already at the newest schema."""
    if BACKEND == "postgresql":
        name = f"cg_t_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{db_template}"')
        yield _pg_url(name)
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "chargegrid.db"
        shutil.copyfile(db_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, host="127.0.0.1", command_timeout_s=5.0,
                    heartbeat_interval_s=60)


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """A runtime whose OCPP server listens on a free loopback port."""
    rt = Runtime.build(settings, run_migrations=False)
    await rt.start_ocpp("127.0.0.1", 0)
    try:
        yield rt
    finally:
        await rt.stop()
        for report in rt.shutdown_overruns:
            # Not a failure of the test that just ran (its assertions passed), but never
            # silent: the warnings summary carries the stacks for whoever chases it.
            warnings.warn(report, ShutdownOverrunWarning, stacklevel=1)


@pytest.fixture
def ocpp_url(runtime: Runtime) -> str:
    """The base URL stations append their id to."""
    return f"ws://127.0.0.1:{runtime.ocpp.port}/ocpp"


