"""`chargegrid advenir`: configure, declare, list, dry-run, export, status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from chargegrid.cli.main import app
from chargegrid.clock import FixedClock
from tests.exports import sim
from tests.exports.conftest import T0
from tests.exports.fake_advenir import RunningFake


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CHARGEGRID_DATABASE_URL", database_url)
    return CliRunner()


def test_configure_list_export(cli: CliRunner, fake: RunningFake, clock: FixedClock,
                               sessions: sessionmaker[Session], tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    f = fake.fake
    monkeypatch.setenv("ADVENIR_PW", f.password)
    with sessions() as session:
        tx = sim.write(session, sim.SimSession("CP-A", 1, T0, 500, [
            ("charge", 10, 7.4), ("pause", 5, 0), ("charge", 10, 7.4)]), now=clock.now())
        session.commit()
    result = cli.invoke(app, ["advenir", "configure", "main", "--user-id", f.user_id,
                              "--user", f.user, "--password-env", "ADVENIR_PW",
                              "--base-url", fake.url, "--batch-size", "10"])
    assert result.exit_code == 0, result.output
    result = cli.invoke(app, ["advenir", "station", "main", "CP-A", "--evse", "1",
                              "--advenir-id", "R320"])
    assert result.exit_code == 0 and "R320" in result.output
    listing = cli.invoke(app, ["advenir", "list"])
    assert "R320" in listing.output and f.password not in listing.output

    out = tmp_path / "dry"
    result = cli.invoke(app, ["advenir", "export", "--dry-run", "--output", str(out),
                              "--format", "operation"])
    assert result.exit_code == 0, result.output
    (written,) = sorted(out.iterdir())
    body = json.loads(written.read_text())
    assert f.check("operation", body) == [] and f.requests == []
    assert len(body[f.user_id]["R320"]) == 2

    result = cli.invoke(app, ["advenir", "export"])
    assert result.exit_code == 0, result.output
    assert "2 acknowledged" in result.output
    assert {key for _, _, key in f.accepted} == set(body[f.user_id]["R320"])
    assert tx > 0
    assert cli.invoke(app, ["advenir", "status", "--check"]).exit_code == 0


def test_one_line_errors(cli: CliRunner) -> None:
    result = cli.invoke(app, ["advenir", "station", "nope", "CP-A", "--advenir-id", "X"])
    assert result.exit_code == 3 and "not configured" in result.output
    result = cli.invoke(app, ["advenir", "configure", "x", "--user-id", "u", "--user", "a",
                              "--password", "p", "--base-url", "http://example.com"])
    assert result.exit_code == 2 and "https" in result.output
    assert "Traceback" not in result.output
