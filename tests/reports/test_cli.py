"""`chargegrid report`: files in each format, one-line errors with exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chargegrid.cli.main import app
from chargegrid.runtime import Runtime
from tests.reports.dataset import Dataset

PERIOD = ["--from", "2026-11-02", "--to", "2026-11-09", "--tz", "Europe/Paris"]


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CHARGEGRID_DATABASE_URL", database_url)
    return CliRunner()


def test_summary_pdf_and_json(cli: CliRunner, runtime: Runtime, data: Dataset,
                              tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    result = cli.invoke(app, ["report", "summary", *PERIOD, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    as_json = cli.invoke(app, ["report", "summary", *PERIOD, "-f", "json"])
    assert as_json.exit_code == 0, as_json.output
    # Unscoped (the operator on the server): the other organisation's session counts too.
    assert json.loads(as_json.stdout)["totals"]["sessions"] == 4


def test_sessions_csv_filtered_by_organisation(cli: CliRunner, runtime: Runtime,
                                               data: Dataset) -> None:
    result = cli.invoke(app, ["report", "sessions", *PERIOD, "--organisation",
                              str(data.other_org)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [int(r["transaction_id"]) for r in rows] == [data.tx4]


def test_errors_are_one_line_with_exit_code(cli: CliRunner, runtime: Runtime) -> None:
    bad = cli.invoke(app, ["report", "summary", "--from", "2026-11-09", "--to", "2026-11-02"])
    assert bad.exit_code == 2 and "end: must be after start" in bad.output
    no_file = cli.invoke(app, ["report", "summary", *PERIOD, "-f", "pdf"])
    assert no_file.exit_code == 2 and "a PDF needs -o FILE" in no_file.output
