"""`chargegrid ems`: allocate, check and explain a scenario file (or `-` for stdin).

Thin on purpose: read JSON, call the pure engine, print. Bad input is a one-line message on
stderr naming the field, exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, NoReturn

import typer

from chargegrid.ems.allocate import allocate, allocation_to_dict
from chargegrid.ems.check import check_scenario
from chargegrid.ems.explain import explain
from chargegrid.ems.scenario import ScenarioError, parse_scenario

app = typer.Typer(help="Energy management: load allocation over the site's distribution tree.",
                  no_args_is_help=True, pretty_exceptions_enable=False)

Source = Annotated[str, typer.Argument(help="Scenario JSON file, or - for stdin.")]


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _read(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()
    except OSError as err:
        _fail(f"{source}: {err.strerror or err}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        _fail(f"{source}: invalid JSON at line {err.lineno} column {err.colno}: {err.msg}")


@app.command("allocate")
def allocate_command(source: Source) -> None:
    """Print the allocation JSON (per-station limit and grid phases, per-node load)."""
    raw = _read(source)
    try:
        scenario = parse_scenario(raw)
    except ScenarioError as err:
        _fail(str(err))
    typer.echo(json.dumps(allocation_to_dict(scenario, allocate(scenario)), indent=1,
                          ensure_ascii=False))


@app.command("check")
def check_command(source: Source) -> None:
    """List errors and warnings of the topology; exit 2 if there is any error."""
    issues = check_scenario(_read(source))
    for issue in issues:
        typer.echo(str(issue))
    errors = sum(issue.level == "error" for issue in issues)
    if not issues:
        typer.echo("ok: no problem found")
    if errors:
        raise typer.Exit(2)


@app.command("explain")
def explain_command(
    source: Source,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """For each station below its maximum, name the rule holding it (node and phase, or
    the unbalance limit)."""
    raw = _read(source)
    try:
        scenario = parse_scenario(raw)
    except ScenarioError as err:
        _fail(str(err))
    result = allocate(scenario)
    reasons = explain(scenario, result)
    if as_json:
        typer.echo(json.dumps([{"station": r.station, "limit_a": r.limit_a, "max_a": r.max_a,
                                "status": r.status, "held_by": r.held_by} for r in reasons],
                              indent=1, ensure_ascii=False))
        return
    typer.echo(f"method: {result.method}")
    for reason in reasons:
        typer.echo(str(reason))
    if not reasons:
        typer.echo("every charging station gets its maximum")
