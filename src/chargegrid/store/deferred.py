"""Deferred bulk inserts: rows queued on a session and written in one statement per table
just before the writer commits the batch.

MeterValues are most of the traffic; one executemany per batch instead of one per message
halves the database cost per message. The rows are still committed before any message of the
batch is acknowledged, and a reader in the same session sees them after `flush_deferred`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

_KEY = "chargegrid.deferred_rows"


def defer_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    pending: dict[Table, list[dict[str, Any]]] = session.info.setdefault(_KEY, {})
    pending.setdefault(table, []).extend(rows)


def flush_deferred(session: Session) -> None:
    """Write every queued row; call before commit (the writer does) or before reading."""
    pending: dict[Table, list[dict[str, Any]]] = session.info.pop(_KEY, {})
    for table, rows in pending.items():
        if rows:
            session.execute(table.insert(), rows)
