"""`chargegrid sim` option checking and a short clean run."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from chargegrid.cli.sim import app


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ocpp", "2.1"], "--ocpp 2.1 is not supported yet"),
        (["--url", "http://x"], "--url must start with ws://"),
        (["--stations", "0"], "--stations must be at least 1"),
        (["--connectors", "3"], "--connectors must be 1 or 2"),
        (["--meter-interval", "0"], "--meter-interval"),
        (["--ca-file", "/nonexistent.pem"], "does not exist"),
    ],
)
def test_bad_options_give_one_line_error(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_runs_for_a_duration_and_stops_cleanly() -> None:
    result = CliRunner().invoke(app, ["--url", "ws://127.0.0.1:9/ocpp", "--stations", "2",
                                      "--duration", "0.3", "--no-live", "--arrival", "0"])
    assert result.exit_code == 0, result.output
    assert "simulator stopped" in result.output
