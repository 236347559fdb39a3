"""Migration 0404 creates exactly the billing tables the models describe, on both backends,
and the database itself refuses edits of issued documents."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Numeric, String

from chargegrid.store.database import create_db_engine
from chargegrid.store.models import Base

BILLING_TABLES = {"tariffs", "tariff_versions", "tariff_assignments", "session_prices",
                  "billing_profiles", "billing_runs", "statements", "statement_items",
                  "invoice_sequences", "invoices", "invoice_lines", "credit_notes"}


def _table_of(diff: Any) -> str | None:
    for item in diff if isinstance(diff, list) else [diff]:
        for part in item[1:] if isinstance(item, tuple) else ():
            name = getattr(part, "name", None) if not isinstance(part, str) else part
            table = getattr(part, "table", None)
            if table is not None:
                return str(table.name)
            if name in BILLING_TABLES:
                return str(name)
    return None


def test_migration_matches_the_models(database_url: str) -> None:
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": lambda *a: _money_aware(*a)})
            diffs = [d for d in compare_metadata(context, Base.metadata)
                     if _table_of(d) in BILLING_TABLES]
    finally:
        engine.dispose()
    assert diffs == []


def _money_aware(context: Any, inspected: Any, metadata: Any, inspected_type: Any,
                 metadata_type: Any) -> bool | None:
    """Money is TEXT on SQLite and NUMERIC on PostgreSQL by design; anything else is compared
    as alembic does by default."""
    impl = getattr(metadata_type, "impl", None)
    if isinstance(impl, Numeric) and isinstance(inspected_type, (String, Numeric)):
        return False
    return None


def test_downgrade_removes_everything_and_upgrade_restores_it(database_url: str) -> None:
    import importlib

    from alembic.operations import Operations
    from sqlalchemy import inspect

    revision = importlib.import_module(
        "chargegrid.store.migrations.versions.2026_11_29_0404_billing")
    engine = create_db_engine(database_url)
    try:
        for step, expected in ((revision.downgrade, set()), (revision.upgrade, BILLING_TABLES)):
            with engine.begin() as conn:
                with Operations.context(MigrationContext.configure(conn)):
                    step()
                assert set(inspect(conn).get_table_names()) & BILLING_TABLES == expected
    finally:
        engine.dispose()
