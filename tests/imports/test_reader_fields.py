"""Reading files and parsing cells: the parts of an import that need no database."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl
import pytest

from chargegrid.errors import InvalidInputError
from chargegrid.imports import fields as f
from chargegrid.imports.reader import read_table


def test_csv_line_numbers_bom_blank_lines_and_multiline_cells() -> None:
    data = ('\ufeffToken , Status\n'
            'A1,Accepted\n'
            '\n'
            '"B\n2",Blocked\n'
            'C3, Expired \n').encode()
    table = read_table(data)
    assert table.columns == ("token", "status")
    assert [(r.line, r.cells) for r in table.rows] == [
        (2, {"token": "A1", "status": "Accepted"}),
        (5, {"token": "B\n2", "status": "Blocked"}),
        (6, {"token": "C3", "status": "Expired"})]


def test_semicolon_csv_and_extra_cells() -> None:
    table = read_table(b"token;status\nA1;Accepted;oops\n")
    assert table.rows[0].cells == {"token": "A1", "status": "Accepted"}
    assert table.rows[0].extra == 1


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"), (b"token,token\nA,B\n", "appears twice"), (b"\xff\xfe\x00", "UTF-8")])
def test_unreadable_files(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        read_table(data)


def test_xlsx_first_sheet_with_dates_and_numbers() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "max_current_a", "commissioned"])
    sheet.append(["CP1", 32, datetime(2026, 5, 1, 12, 0)])
    sheet.append([None, None, None])
    sheet.append(["CP2", 16.5, None])
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(buffer.getvalue(), filename="stations.xlsx")
    assert [(r.line, r.cells) for r in table.rows] == [
        (2, {"id": "CP1", "max_current_a": "32", "commissioned": "2026-05-01T12:00:00Z"}),
        (4, {"id": "CP2", "max_current_a": "16.5", "commissioned": ""})]


def test_broken_xlsx_is_a_clear_error() -> None:
    with pytest.raises(InvalidInputError, match="XLSX"):
        read_table(b"PK\x03\x04not really a zip")


@pytest.mark.parametrize(("parser", "raw", "value"), [
    (f.email, "Ann@Example.ORG", "ann@example.org"),
    (f.boolean, "Yes", True), (f.boolean, "0", False),
    (f.timestamp, "2027-01-01", datetime(2027, 1, 1, tzinfo=UTC)),
    (f.timestamp, "2027-01-01T10:00:00+02:00", datetime(2027, 1, 1, 8, tzinfo=UTC)),
    (f.number(1, 1000), "16,5", 16.5),
    (f.vin, "wvwzzz1jzxw000001", "WVWZZZ1JZXW000001"),
    (f.plate, "ab-123 cd", "AB123CD"),
])
def test_cells_parse(parser: f.Parser, raw: str, value: object) -> None:
    assert parser(raw) == value


@pytest.mark.parametrize(("parser", "raw", "reason"), [
    (f.email, "not-an-address", "not an e-mail"),
    (f.boolean, "maybe", "yes/no"),
    (f.timestamp, "2027-01-01T10:00:00", "no time zone"),
    (f.timestamp, "tomorrow", "ISO 8601"),
    (f.number(1, 1000), "0", "outside"),
    (f.number(1, 1000), "nan", "not a number"),
    (f.vin, "WVWZZZ1JZXW00000O", "VIN"),
    (f.text(3), "four", "longer than 3"),
    (f.choice(["Accepted"]), "accepted", "not one of"),
])
def test_cells_refused_with_a_reason(parser: f.Parser, raw: str, reason: str) -> None:
    with pytest.raises(f.CellError, match=reason):
        parser(raw)
