"""`chargegrid local-list enable|status`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from chargegrid.cli.main import app
from chargegrid.services import id_tokens, stations


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CHARGEGRID_DATABASE_URL", database_url)
    return CliRunner()


def test_enable_and_status(cli: CliRunner, database_url: str) -> None:
    missing = cli.invoke(app, ["local-list", "enable", "NOPE"])
    assert missing.exit_code == 3 and "does not exist" in missing.output
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    with Session(engine) as s:
        stations.create(s, station_id="CP1", now=now)
        s.commit()
    enabled = cli.invoke(app, ["local-list", "enable", "CP1"])
    assert enabled.exit_code == 0, enabled.output
    with Session(engine) as s:
        id_tokens.create(s, token="CARD", now=now)  # queued for CP1's list
        s.commit()
    engine.dispose()
    shown = cli.invoke(app, ["local-list", "status"])
    assert shown.exit_code == 0, shown.output
    row = next(line for line in shown.output.splitlines() if "CP1" in line)
    assert [cell.strip() for cell in row.strip("│┃ ").split("│")][:4] == ["CP1", "", "0", "1"]
