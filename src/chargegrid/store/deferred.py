"""Deferred bulk inserts: rows queued on a session and written in one statement per table
just before the writer commits the batch.

MeterValues are most of the traffic; one executemany per batch instead of one per message
halves the database cost per message. The rows are still committed before any message of the
batch is acknowledged, and a reader in the same session sees them after `flush_deferred`.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from chargegrid.store.types import UTCDateTime

_KEY = "chargegrid.deferred_rows"


def defer_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    pending: dict[Table, list[dict[str, Any]]] = session.info.setdefault(_KEY, {})
    pending.setdefault(table, []).extend(rows)


def flush_deferred(session: Session) -> None:
    """Write every queued row; call before commit (the writer does) or before reading."""
    pending: dict[Table, list[dict[str, Any]]] = session.info.pop(_KEY, {})
    for table, rows in pending.items():
        if not rows:
            continue
        if session.get_bind().dialect.name == "sqlite" and _plain(table, rows[0]):
            _sqlite_insert(session, table, rows)
        else:
            session.execute(table.insert(), rows)


_PLAIN_TYPES = (str, int, float, bool, datetime)


def _plain(table: Table, row: dict[str, Any]) -> bool:
    """Every column is text, a number or a UTC datetime: nothing but the datetimes needs
    SQLAlchemy's bind processing (JSON or enums would, so those tables take its path)."""
    return all(_plain_column(table.c[name].type) for name in row)


def _python_type(column_type: Any) -> type | None:
    if isinstance(column_type, UTCDateTime):
        return datetime
    try:
        python_type: type = column_type.python_type
    except NotImplementedError:
        return None
    return python_type


def _plain_column(column_type: Any) -> bool:
    return _python_type(column_type) in _PLAIN_TYPES


def _datetime_column(column_type: Any) -> bool:
    return _python_type(column_type) is datetime


def _sqlite_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """The same rows through the driver directly: SQLAlchemy's per-row bind processing was a
    third of the writer's time. Values are what `store.types.UTCDateTime` and SQLite's
    DATETIME would have bound (aware → UTC → SQLAlchemy's text format); rows from one
    message share their datetimes, so each is formatted once.

    Rows go in as multi-row `INSERT ... VALUES (...), (...)` statements, not `executemany`:
    the driver releases the GIL around every statement it steps, and the writer thread must
    win it back from the busy event loop each time (up to the 5 ms switch interval). One
    statement per row made a 250-row batch wait on the GIL hundreds of times; a handful of
    statements per batch makes it wait a handful of times (micro-benchmark with a busy
    second thread: 231 → 30 ms per batch; idle: 1.37 → 1.11 ms)."""
    columns = tuple(rows[0])
    width = len(columns)
    if any(len(row) != width for row in rows):
        raise ValueError(f"deferred rows for {table.name} do not all name the same columns")
    formatted: dict[datetime, str] = {}

    def as_text(value: Any) -> Any:
        if not isinstance(value, datetime):
            return value
        if value.tzinfo is None:
            raise ValueError(f"naive or non-datetime value for a UTC column: {value!r}")
        text = formatted[value] = value.astimezone(UTC).strftime(SQLITE_DATETIME)
        return text

    # One C-level lookup per row for the plain columns; only the datetime columns are
    # converted in Python (a per-value function was most of this function's cost).
    values = itemgetter(*columns) if width > 1 else (lambda row: (row[columns[0]],))
    when = [i for i, name in enumerate(columns) if _datetime_column(table.c[name].type)]
    params: list[Any] = []
    for row in rows:
        row_values = values(row)
        if when:
            row_values = list(row_values)
            for i in when:
                value = row_values[i]
                row_values[i] = formatted.get(value) or as_text(value)
        params += row_values
    connection = session.connection()
    start = 0
    for count in _statement_sizes(len(rows)):
        sql = _multi_row_insert(table.name, columns, count)
        connection.exec_driver_sql(sql, tuple(params[start * width:(start + count) * width]))
        start += count


# Rows per statement: at most MAX_ROWS_PER_STATEMENT (15 columns × 256 rows = 3,840 bound
# variables, far below SQLite's 32,766), the rest split into a multiple of ROW_QUANTUM and a
# remainder, so a few dozen distinct statements serve every batch size and stay in the
# driver's prepared-statement cache (preparing a 250-row statement costs ~0.7 ms).
MAX_ROWS_PER_STATEMENT = 256
ROW_QUANTUM = 16


def _statement_sizes(total: int) -> list[int]:
    sizes = [MAX_ROWS_PER_STATEMENT] * (total // MAX_ROWS_PER_STATEMENT)
    rest = total % MAX_ROWS_PER_STATEMENT
    sizes += [n for n in (rest - rest % ROW_QUANTUM, rest % ROW_QUANTUM) if n]
    return sizes


@functools.lru_cache(maxsize=256)
def _multi_row_insert(table: str, columns: tuple[str, ...], count: int) -> str:
    one = "(" + ", ".join("?" for _ in columns) + ")"
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
            + ", ".join(one for _ in range(count)))


# SQLAlchemy's storage format for sqlite.DATETIME (microseconds always written).
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
