"""`chargegrid site`: import, export, list and check sites (the EMS's distribution trees).

Thin on purpose: read the file, call `services.sites`, print. Errors are one line on stderr
with the field path (`stations[3].phase_rotation: ...`): exit 2 for invalid input, 3 for an
unknown site, 4 for a conflict; never a traceback.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from chargegrid.cli.context import db_session, load_settings
from chargegrid.cli.output import fail, reported_errors
from chargegrid.ems.check import check_scenario
from chargegrid.errors import InvalidInputError
from chargegrid.services import sites
from chargegrid.store.models import Site

app = typer.Typer(help="Sites: distribution tree and station wiring for load management.",
                  no_args_is_help=True, pretty_exceptions_enable=False)

Source = Annotated[str, typer.Argument(help="Scenario JSON file, or - for stdin.")]
Name = Annotated[str, typer.Option("--name", help="Site name (unique).")]
Mode = Annotated[str | None, typer.Option(
    "--mode", help="static (fixed limits) or dynamic (measured base load); default: keep, "
    "static for a new site.")]
Replace = Annotated[bool, typer.Option(
    "--replace", help="Replace an existing site's tree and station attachments.")]


def _text(source: str) -> str:
    try:
        if source == "-":
            return sys.stdin.read()
        return Path(source).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        fail(f"{source}: {getattr(err, 'strerror', None) or err}", 2)


def _json(source: str) -> Any:
    try:
        return json.loads(_text(source))
    except json.JSONDecodeError as err:
        fail(f"{source}: invalid JSON at line {err.lineno} column {err.colno}: {err.msg}", 2)


def _summary(site: Site, station_count: int) -> str:
    return (f"site {site.name!r} (id {site.id}, {site.mode}): "
            f"{len(site.topology.get('nodes', []))} nodes, {station_count} stations")


@app.command("import")
def import_command(source: Source, name: Name, mode: Mode = None,
                   replace: Replace = False) -> None:
    """Import a site from a scenario JSON file (re-importing the same file changes nothing)."""
    raw = _json(source)
    with reported_errors(), db_session(load_settings()) as session:
        site = sites.import_scenario(session, name=name, raw=raw, mode=mode, replace=replace,
                                     now=datetime.now(UTC))
        summary = _summary(site, len(sites.stations_of(session, site_id=site.id)))
    typer.echo(f"imported {summary}")


@app.command("import-csv")
def import_csv_command(
    nodes_csv: Annotated[str, typer.Argument(help="Table 1: Distributeur, Limite (A), "
                                             "Point de connexion (or English headers).")],
    stations_csv: Annotated[str, typer.Argument(help="Table 2: station id, model, field "
                                                "rotation, phase rotation, limit, "
                                                "connection point.")],
    name: Name, mode: Mode = None, replace: Replace = False,
    unbalance_limit: Annotated[float | None, typer.Option(
        "--unbalance-limit", help="Unbalance limit at the root in A (e.g. 20).")] = None,
) -> None:
    """Import a site from the installer's two spreadsheets saved as CSV."""
    nodes_text, stations_text = _text(nodes_csv), _text(stations_csv)
    with reported_errors(), db_session(load_settings()) as session:
        site = sites.import_csv_tables(session, name=name, nodes_csv=nodes_text,
                                       stations_csv=stations_text, mode=mode, replace=replace,
                                       unbalance_limit_a=unbalance_limit,
                                       now=datetime.now(UTC))
        summary = _summary(site, len(sites.stations_of(session, site_id=site.id)))
    typer.echo(f"imported {summary}")


@app.command("export")
def export_command(
    name: Annotated[str, typer.Argument(help="Site name.")],
    csv_dir: Annotated[Path | None, typer.Option(
        "--csv-dir", help="Write nodes.csv and stations.csv there instead of JSON.")] = None,
    english: Annotated[bool, typer.Option("--english", help="English CSV headers.")] = False,
) -> None:
    """Print the site as scenario JSON, or write its two tables as CSV."""
    with reported_errors(), db_session(load_settings()) as session:
        site = sites.get_by_name_or_raise(session, name=name)
        if csv_dir is None:
            typer.echo(json.dumps(sites.export_scenario(session, site_id=site.id), indent=1,
                                  ensure_ascii=False))
            return
        tables = sites.export_csv_tables(session, site_id=site.id, french=not english)
    try:
        csv_dir.mkdir(parents=True, exist_ok=True)
        for filename, text in zip(("nodes.csv", "stations.csv"), tables, strict=True):
            (csv_dir / filename).write_text(text, encoding="utf-8")
    except OSError as err:
        fail(f"{csv_dir}: {err.strerror or err}", 1)
    typer.echo(f"wrote {csv_dir / 'nodes.csv'} and {csv_dir / 'stations.csv'}")


@app.command("list")
def list_command() -> None:
    """List sites with their mode and size."""
    table = Table("id", "name", "mode", "nodes", "stations", "updated")
    with reported_errors(), db_session(load_settings()) as session:
        for site in sites.list_all(session):
            count = len(sites.stations_of(session, site_id=site.id))
            table.add_row(str(site.id), site.name, site.mode,
                          str(len(site.topology.get("nodes", []))), str(count),
                          site.updated_at.isoformat())
    Console().print(table)


@app.command("check")
def check_command(source: Source) -> None:
    """List errors and warnings of a scenario file before importing it; exit 2 on errors."""
    raw = _json(source)
    issues = [str(issue) for issue in check_scenario(raw)]
    errors = sum(line.startswith("error") for line in issues)
    if not errors:  # the engine is happy: what only a stored site needs (fallback, meters, ids)
        try:
            sites.validate_scenario(raw)
        except InvalidInputError as err:
            issues.append(f"error: {err.message}")
            errors += 1
    for line in issues:
        typer.echo(line)
    if not issues:
        typer.echo("ok: no problem found")
    if errors:
        raise typer.Exit(2)
