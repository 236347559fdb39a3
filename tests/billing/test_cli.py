"""`chargegrid billing run/export/invoice-pdf/price-pending` on a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from chargegrid.cli.main import app
from tests.billing.test_billing_runs import seed_october


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CHARGEGRID_DATABASE_URL", database_url)
    return CliRunner()


def test_run_twice_export_and_pdf(cli: CliRunner, db: Session, tmp_path: Path) -> None:
    seed_october(db)
    db.close()
    first = cli.invoke(app, ["billing", "run", "--period", "2026-10"])
    assert first.exit_code == 0, first.output
    assert "billed 3 sessions on 4 statements, 1 invoices" in first.output
    second = cli.invoke(app, ["billing", "run", "--period", "2026-10"])
    assert second.exit_code == 0 and "nothing new to bill" in second.output
    out = tmp_path / "oct.csv"
    exported = cli.invoke(app, ["billing", "export", "--period", "2026-10", "--out", str(out)])
    assert exported.exit_code == 0 and "4 sessions written" in exported.output
    assert out.read_text().count("\n") == 5
    pdf = tmp_path / "inv.pdf"
    written = cli.invoke(app, ["billing", "invoice-pdf", "INV-1-000001", "--out", str(pdf)])
    assert written.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
    missing = cli.invoke(app, ["billing", "invoice-pdf", "INV-9", "--out", str(pdf)])
    assert missing.exit_code == 3
    pending = cli.invoke(app, ["billing", "price-pending"])
    assert pending.exit_code == 0 and "1 sessions priced" in pending.output  # November


def test_bad_period_is_a_one_line_error(cli: CliRunner) -> None:
    result = cli.invoke(app, ["billing", "run", "--period", "2026-13"])
    assert result.exit_code == 2 and "period" in result.output
