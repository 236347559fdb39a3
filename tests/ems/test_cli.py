"""`chargegrid ems` sub-app through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chargegrid.cli.ems import app
from tests.ems.scenarios import seed, seed_stations

runner = CliRunner()


def test_allocate_file_and_stdin(tmp_path: Path) -> None:
    path = tmp_path / "site.json"
    path.write_text(json.dumps(seed()))
    from_file = runner.invoke(app, ["allocate", str(path)])
    from_stdin = runner.invoke(app, ["allocate", "-"], input=json.dumps(seed()))
    assert from_file.exit_code == 0 and from_stdin.exit_code == 0
    assert json.loads(from_file.stdout) == json.loads(from_stdin.stdout)
    assert json.loads(from_file.stdout)["stations"]["Exemple 1"]["limit_a"] == 22.0


def test_invalid_input_is_one_line_exit_2(tmp_path: Path) -> None:
    for text, needle in [
        (json.dumps(seed(stations=seed_stations(phase_rotation="L7"))),
         "stations[0].phase_rotation"),
        ("{not json", "invalid JSON"),
    ]:
        result = runner.invoke(app, ["allocate", "-"], input=text)
        assert result.exit_code == 2
        assert needle in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.output
    missing = runner.invoke(app, ["allocate", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "nope.json" in missing.stderr


def test_check_exit_codes() -> None:
    ok = runner.invoke(app, ["check", "-"], input=json.dumps(seed()))
    assert ok.exit_code == 0 and "ok" in ok.stdout
    bad = {"nodes": [{"id": "A", "limit_a": 1}, {"id": "B", "limit_a": 1}]}
    result = runner.invoke(app, ["check", "-"], input=json.dumps(bad))
    assert result.exit_code == 2 and "second root" in result.stdout


def test_explain_names_node_phase_and_unbalance() -> None:
    raw = seed(unbalance_limit_a=10, nodes=[{"id": "HV", "limit_a": 200},
                                            {"id": "UV1", "parent": "HV", "limit_a": 40}],
               stations=[*seed_stations()[:2],
                         {**seed_stations()[2], "vehicle_phases": 1}])
    result = runner.invoke(app, ["explain", "-"], input=json.dumps(raw))
    assert result.exit_code == 0, result.output
    assert "node UV1 phase" in result.stdout
    single = seed(stations=seed_stations(vehicle_phases=1, phase_rotation="L1"))
    out = runner.invoke(app, ["explain", "--json", "-"], input=json.dumps(single))
    reasons = json.loads(out.stdout)
    assert reasons[0]["status"] == "held"
    assert any("unbalance limit L1-L2" in h for h in reasons[0]["held_by"])
