"""`chargegrid site`: import (file and stdin), import-csv, export (JSON and CSV), list, check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chargegrid.cli.main import app
from tests.services.test_sites import SEED_NODES_CSV, SEED_STATIONS_CSV, SMALL


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CHARGEGRID_DATABASE_URL", database_url)
    return CliRunner()


def write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_import_export_list(cli: CliRunner, tmp_path: Path) -> None:
    source = write(tmp_path, "small.json", SMALL)
    result = cli.invoke(app, ["site", "import", source, "--name", "small", "--mode", "dynamic"])
    assert result.exit_code == 0, result.output
    assert "site 'small'" in result.output and "2 nodes, 2 stations" in result.output
    again = cli.invoke(app, ["site", "import", source, "--name", "small"])
    assert again.exit_code == 0, again.output
    listing = cli.invoke(app, ["site", "list"])
    assert listing.exit_code == 0 and "small" in listing.output and "dynamic" in listing.output
    exported = cli.invoke(app, ["site", "export", "small"])
    assert exported.exit_code == 0, exported.output
    body = json.loads(exported.output)
    assert body["nodes"] == SMALL["nodes"] and len(body["stations"]) == 2
    csv_dir = tmp_path / "tables"
    result = cli.invoke(app, ["site", "export", "small", "--csv-dir", str(csv_dir)])
    assert result.exit_code == 0, result.output
    assert (csv_dir / "nodes.csv").read_text().startswith("Distributeur,Limite (A)")
    assert "A,,R,L1,16A,UV1" in (csv_dir / "stations.csv").read_text()


def test_import_from_stdin(cli: CliRunner) -> None:
    result = cli.invoke(app, ["site", "import", "-", "--name", "s"], input=json.dumps(SMALL))
    assert result.exit_code == 0, result.output


def test_import_csv(cli: CliRunner, tmp_path: Path) -> None:
    nodes = write(tmp_path, "nodes.csv", SEED_NODES_CSV)
    stations = write(tmp_path, "stations.csv", SEED_STATIONS_CSV)
    result = cli.invoke(app, ["site", "import-csv", nodes, stations, "--name", "seed",
                              "--unbalance-limit", "20"])
    assert result.exit_code == 0, result.output
    assert "8 nodes, 3 stations" in result.output
    body = json.loads(cli.invoke(app, ["site", "export", "seed"]).output)
    assert body["unbalance_limit_a"] == 20


def test_errors_are_one_line_with_exit_codes(cli: CliRunner, tmp_path: Path) -> None:
    bad = {**SMALL, "stations": [{**SMALL["stations"][0], "phase_rotation": "L7"}]}
    result = cli.invoke(app, ["site", "import", write(tmp_path, "bad.json", bad), "--name", "x"])
    assert result.exit_code == 2
    assert "stations[0].phase_rotation" in result.output and "Traceback" not in result.output
    broken = cli.invoke(app, ["site", "import", write(tmp_path, "b.json", "{"), "--name", "x"])
    assert broken.exit_code == 2 and "invalid JSON" in broken.output
    missing = cli.invoke(app, ["site", "import", str(tmp_path / "none.json"), "--name", "x"])
    assert missing.exit_code == 2
    assert cli.invoke(app, ["site", "export", "nope"]).exit_code == 3
    source = write(tmp_path, "small.json", SMALL)
    assert cli.invoke(app, ["site", "import", source, "--name", "one"]).exit_code == 0
    conflict = cli.invoke(app, ["site", "import", source, "--name", "two"])
    assert conflict.exit_code == 4 and "attached to site 'one'" in conflict.output
    assert cli.invoke(app, ["site", "list"]).output.count("two") == 0


def test_check(cli: CliRunner, tmp_path: Path) -> None:
    ok = cli.invoke(app, ["site", "check", write(tmp_path, "ok.json", SMALL)])
    assert ok.exit_code == 0 and "ok: no problem found" in ok.output
    warn = {**SMALL, "stations": [{**SMALL["stations"][0], "max_a": 63}]}
    warned = cli.invoke(app, ["site", "check", write(tmp_path, "w.json", warn)])
    assert warned.exit_code == 0 and "warning: stations[0].max_a" in warned.output
    bad = {**SMALL, "fallback": {"mode": "max"}}
    failed = cli.invoke(app, ["site", "check", write(tmp_path, "f.json", bad)])
    assert failed.exit_code == 2 and "error: fallback.mode" in failed.output
    tree = {**SMALL, "nodes": [{"id": "HV", "limit_a": 1}, {"id": "X", "limit_a": 1}]}
    two = cli.invoke(app, ["site", "check", write(tmp_path, "t.json", tree)])
    assert two.exit_code == 2 and "second root" in two.output
