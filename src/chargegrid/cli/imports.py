"""`chargegrid import users|vehicles|tokens|stations FILE`: bulk import with a progress bar
and a report of every bad row (nothing is imported when there is one)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from chargegrid.cli.context import db_session, load_settings
from chargegrid.cli.output import err_console, fail, reported_errors
from chargegrid.imports import ImportRejectedError, ImportReport, run_import

app = typer.Typer(help="Bulk import from CSV or XLSX (all-or-nothing per file, idempotent).",
                  no_args_is_help=True)
EXIT_REJECTED = 2

FileArg = typer.Argument(..., help="CSV (UTF-8, comma or semicolon) or XLSX file; - for stdin.")
OrgOption = typer.Option(1, "--organisation", "-o", help="Organisation to import into.")
DryRunOption = typer.Option(False, "--dry-run", help="Validate and count, write nothing.")


def _read(file: str) -> tuple[bytes, str | None]:
    if file == "-":
        return sys.stdin.buffer.read(), None
    path = Path(file)
    if not path.is_file():
        fail(f"file: {file!r} does not exist", 2)
    return path.read_bytes(), path.name


def _print_report(report: ImportReport, console: Console) -> None:
    verb = "would be" if report.dry_run else "were"
    console.print(f"{report.kind}: {report.rows} row(s) read; {report.created} {verb} created, "
                  f"{report.updated} {verb} updated, {report.unchanged} unchanged "
                  f"(organisation {report.organisation_id})", highlight=False)


def _print_errors(report: ImportReport) -> None:
    table = Table("line", "field", "reason", title=f"{len(report.errors)} bad row(s)")
    for error in sorted(report.errors):
        table.add_row(str(error.line), error.field, error.reason)
    err_console.print(table)
    err_console.print("[red]nothing imported[/red]: fix these rows and import the file again")


def _run(kind: str, file: str, organisation: int, dry_run: bool) -> None:
    data, name = _read(file)
    rejected: ImportReport | None = None
    with reported_errors(), Progress(
            TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=err_console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, 1))

        try:
            with db_session(load_settings()) as session:
                report = run_import(session, kind=kind, data=data, filename=name,
                                    organisation_id=organisation, now=datetime.now(UTC),
                                    dry_run=dry_run, progress=progress)
        except ImportRejectedError as err:
            rejected = err.report
    if rejected is not None:
        _print_errors(rejected)
        raise typer.Exit(EXIT_REJECTED)
    _print_report(report, Console(soft_wrap=True))


@app.command("users")
def import_users(file: str = FileArg, organisation: int = OrgOption,
                 dry_run: bool = DryRunOption) -> None:
    """Users: email (key), name, role, active."""
    _run("users", file, organisation, dry_run)


@app.command("vehicles")
def import_vehicles(file: str = FileArg, organisation: int = OrgOption,
                    dry_run: bool = DryRunOption) -> None:
    """Vehicles: licence_plate (key), label, vin, user_email."""
    _run("vehicles", file, organisation, dry_run)


@app.command("tokens")
def import_tokens(file: str = FileArg, organisation: int = OrgOption,
                  dry_run: bool = DryRunOption) -> None:
    """RFID cards: token (key), status, expires_at, parent_id_tag, label, token_type,
    user_email."""
    _run("tokens", file, organisation, dry_run)


@app.command("stations")
def import_stations(file: str = FileArg, organisation: int = OrgOption,
                    dry_run: bool = DryRunOption) -> None:
    """Stations: id (key), registration_status, vendor, model, serial_number,
    max_current_a, site, node_id."""
    _run("stations", file, organisation, dry_run)
