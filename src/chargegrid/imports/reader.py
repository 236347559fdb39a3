"""Read a CSV or XLSX file into (line number, cells by column name).

Column names are matched case-insensitively with surrounding spaces ignored; cells are
stripped, so " Accepted " and "Accepted" are the same value. Line numbers are the ones a
spreadsheet or editor shows: the header is line 1 (a quoted CSV cell spanning lines counts
its physical lines, as `csv.reader.line_num` does).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from chargegrid.errors import InvalidInputError

FileFormat = Literal["csv", "xlsx"]
XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    cells: dict[str, str]
    extra: int = 0  # cells beyond the header's columns (a stray delimiter, usually)


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    rows: list[Row]


def detect_format(data: bytes, filename: str | None = None) -> FileFormat:
    """XLSX by name or by its ZIP signature; everything else is read as CSV."""
    if (filename or "").lower().endswith((".xlsx", ".xlsm")) or data.startswith(XLSX_MAGIC):
        return "xlsx"
    return "csv"


def read_table(data: bytes, *, filename: str | None = None) -> Table:
    """Parse the whole file; raises InvalidInputError when it has no usable header."""
    if detect_format(data, filename) == "xlsx":
        return _read_xlsx(data)
    return _read_csv(data)


def _columns(header: list[str]) -> tuple[str, ...]:
    columns = tuple(c.strip().lower() for c in header)
    if not any(columns):
        raise InvalidInputError("file: the first line must name the columns")
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            raise InvalidInputError(f"file: column {name!r} appears twice in the header")
        seen.add(name)
    return columns


def _row(line: int, columns: tuple[str, ...], values: list[str]) -> Row | None:
    if not any(v.strip() for v in values):
        return None  # blank lines are skipped, as spreadsheets leave them
    cells = {name: (values[i].strip() if i < len(values) else "")
             for i, name in enumerate(columns) if name}
    extra = sum(1 for v in values[len(columns):] if v.strip())
    return Row(line, cells, extra)


def _read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InvalidInputError(f"file: not UTF-8 text (byte {err.start}); save the CSV "
                                "as UTF-8") from err
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInputError("file: empty") from None
    columns = _columns(header)
    rows: list[Row] = []
    try:
        for values in reader:
            row = _row(reader.line_num, columns, values)
            if row is not None:
                rows.append(row)
    except csv.Error as err:
        raise InvalidInputError(f"file: line {reader.line_num}: {err}") from err
    return Table(columns, rows)


def _read_xlsx(data: bytes) -> Table:
    """The first worksheet; dates and numbers become the text a CSV export would hold."""
    import openpyxl  # only needed for XLSX

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a broken file
        raise InvalidInputError(f"file: not a readable XLSX workbook ({err})") from err
    try:
        sheet = book.worksheets[0]
        lines: Iterator[tuple[object, ...]] = sheet.iter_rows(values_only=True)
        header = next(lines, None)
        if header is None:
            raise InvalidInputError("file: empty")
        columns = _columns([_cell_text(v) for v in header])
        rows: list[Row] = []
        for number, values in enumerate(lines, start=2):
            row = _row(number, columns, [_cell_text(v) for v in values])
            if row is not None:
                rows.append(row)
        return Table(columns, rows)
    finally:
        book.close()


def _cell_text(value: object) -> str:
    from datetime import date, datetime

    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat() if value.tzinfo else value.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
