"""meter_values keeps exactly the index its queries use (migration 0501 matches the model),
and that index still serves the per-transaction reads, on both backends."""

from __future__ import annotations

import importlib
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import inspect

from chargegrid.store.database import create_db_engine
from chargegrid.store.models import Base


def _indexes(database_url: str) -> set[str]:
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            return {str(ix["name"]) for ix in inspect(conn).get_indexes("meter_values")}
    finally:
        engine.dispose()


def _meter_value_diffs(diffs: list[Any]) -> list[Any]:
    def touches(diff: Any) -> bool:
        for item in diff if isinstance(diff, list) else [diff]:
            for part in item[1:] if isinstance(item, tuple) else ():
                table = getattr(part, "table", None)
                if getattr(part, "name", None) == "meter_values" or (
                        table is not None and table.name == "meter_values"):
                    return True
        return False

    return [d for d in diffs if touches(d)]


def test_only_the_transaction_time_index_remains(database_url: str) -> None:
    assert _indexes(database_url) == {"ix_meter_values_tx_time"}
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert _meter_value_diffs(diffs) == []


def test_downgrade_restores_the_station_time_index(database_url: str) -> None:
    revision = importlib.import_module(
        "chargegrid.store.migrations.versions.2026_11_29_0501_meter_values_write_cost")
    engine = create_db_engine(database_url)
    try:
        for step, expected in ((revision.downgrade, {"ix_meter_values_tx_time",
                                                     "ix_meter_values_station_time"}),
                               (revision.upgrade, {"ix_meter_values_tx_time"})):
            with engine.begin() as conn:
                with Operations.context(MigrationContext.configure(conn)):
                    step()
            assert _indexes(database_url) == expected
    finally:
        engine.dispose()
