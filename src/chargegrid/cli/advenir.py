"""`chargegrid advenir`: configure the ADVENIR export once, then let it run; export by hand,
dry-run it, and check nothing is overdue."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chargegrid.cli.context import db_session, load_settings
from chargegrid.cli.output import fail, reported_errors
from chargegrid.clock import SystemClock
from chargegrid.domain.timestamps import parse_timestamp
from chargegrid.exports.advenir import alerts, config
from chargegrid.exports.advenir.job import ExportOptions, run_export
from chargegrid.exports.advenir.payloads import ExportFormat
from chargegrid.store.database import create_db_engine, create_session_factory, migrate
from chargegrid.store.models import AdvenirOperation

app = typer.Typer(help="ADVENIR charging-data export (France).", no_args_is_help=True)


class FormatChoice(StrEnum):
    courbe = "courbe"
    operation = "operation"


@contextmanager
def _session_factory() -> Iterator[sessionmaker[Session]]:
    settings = load_settings()
    migrate(settings.database_url)
    engine = create_db_engine(settings.database_url)
    try:
        yield create_session_factory(engine)
    finally:
        engine.dispose()


@app.command("configure")
def configure(
    name: str = typer.Argument(..., help="A name for this ADVENIR account."),
    user_id: str | None = typer.Option(None, help="The ADVENIR UserID (mon.advenir.mobi)."),
    user: str | None = typer.Option(None, help="Basic-auth user name."),
    password: str | None = typer.Option(None, help="Basic-auth password (stored as given)."),
    password_env: str | None = typer.Option(
        None, help="Read the password from this environment variable at send time instead."),
    cert: Path | None = typer.Option(None, help="Client certificate (PEM): certificate auth."),
    key: Path | None = typer.Option(None, help="Client certificate's private key (PEM)."),
    base_url: str | None = typer.Option(None, help="Server URL (default: production)."),
    test_prefix: str | None = typer.Option(
        None, help="Use the test server <prefix>.webservicetest.advenir.mobi."),
    format: str | None = typer.Option(
        None, help="auto (load curve where ≥ 3 points, else operations) or operation."),
    batch_size: int | None = typer.Option(None, help="Operations per request (1..10000)."),
    timeout: float | None = typer.Option(None, help="Request timeout, seconds."),
    enabled: bool | None = typer.Option(None, "--enable/--disable", help="Export or not."),
) -> None:
    """Create or update an ADVENIR account; options not given keep their value."""
    if password and password_env:
        fail("give --password or --password-env, not both", 2)
    if base_url and test_prefix:
        fail("give --base-url or --test-prefix, not both", 2)
    auth_mode = "certificate" if cert or key else ("basic" if user or password
                                                   or password_env else None)
    with reported_errors(), db_session(load_settings()) as session:
        config.configure_account(
            session, name=name, now=datetime.now(UTC), user_id=user_id,
            base_url=config.sandbox_url(test_prefix) if test_prefix else base_url,
            auth_mode=auth_mode, basic_user=user,
            basic_password=f"env:{password_env}" if password_env else password,
            client_cert_path=str(cert) if cert else None,
            client_key_path=str(key) if key else None, format=format,
            batch_size=batch_size, timeout_s=timeout, enabled=enabled)
    typer.echo(f"configured ADVENIR account {name}")


@app.command("station")
def station(
    account: str = typer.Argument(..., help="The ADVENIR account name."),
    station_id: str = typer.Argument(..., help="Our station id."),
    advenir_id: str = typer.Option(..., help="StationID declared to ADVENIR at installation."),
    evse: int | None = typer.Option(None, help="The EVSE (charge point); all when omitted."),
    funded: bool = typer.Option(True, "--funded/--not-funded", help="Funded by ADVENIR."),
    funded_since: str | None = typer.Option(None, help="Only charges from this time (ISO)."),
) -> None:
    """Declare a funded charge point and its ADVENIR StationID."""
    with reported_errors(), db_session(load_settings()) as session:
        since = parse_timestamp(funded_since, field="funded_since") if funded_since else None
        config.map_station(session, account_name=account, station_id=station_id,
                           evse_id=evse, advenir_station_id=advenir_id, funded=funded,
                           funded_since=since, now=datetime.now(UTC))
    where = f"{station_id}/{evse}" if evse is not None else station_id
    typer.echo(f"{where} → ADVENIR StationID {advenir_id}")


@app.command("list")
def list_command() -> None:
    """Accounts (never their passwords), declared charge points and what is pending."""
    accounts = Table("account", "UserID", "auth", "server", "format", "batch", "enabled",
                     "pending", "acknowledged", title="ADVENIR accounts")
    points = Table("account", "station", "evse", "StationID", "funded", "since",
                   title="Funded charge points")
    with reported_errors(), db_session(load_settings()) as session:
        names = {}
        for a in config.list_accounts(session):
            names[a.id] = a.name
            counts = dict(session.execute(
                select(AdvenirOperation.state, func.count()).where(
                    AdvenirOperation.account_id == a.id).group_by(AdvenirOperation.state)
            ).all())
            accounts.add_row(a.name, a.user_id, a.auth_mode, a.base_url, a.format,
                             str(a.batch_size), "yes" if a.enabled else "no",
                             str(counts.get("pending", 0)), str(counts.get("acknowledged", 0)))
        for m in config.list_stations(session):
            points.add_row(names.get(m.account_id, "?"), m.station_id,
                           "all" if m.evse_id is None else str(m.evse_id),
                           m.advenir_station_id, "yes" if m.funded else "no",
                           m.funded_since.isoformat() if m.funded_since else "")
    console = Console()
    console.print(accounts)
    console.print(points)


@app.command("export")
def export(
    since: str | None = typer.Option(None, help="Only operations started from (ISO 8601)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Write the JSON, send nothing."),
    output: Path = typer.Option(Path("advenir-dry-run"), help="Where --dry-run writes."),
    format: FormatChoice | None = typer.Option(None, "--format", help="Only this format."),
    account: str | None = typer.Option(None, help="Only this account."),
    retry_now: bool = typer.Option(False, help="Ignore the back-off of failed operations."),
) -> None:
    """Send every operation not yet acknowledged (what the scheduled job does)."""
    with reported_errors(), _session_factory() as sessions:
        options = ExportOptions(
            only=ExportFormat(format.value) if format else None,
            since=parse_timestamp(since, field="since") if since else None,
            dry_run_dir=output if dry_run else None, account=account,
            respect_backoff=not retry_now)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      transient=True, console=Console(stderr=True)) as bar:
            tasks: dict[str, int] = {}

            def progress(name: str, done: int, total: int) -> None:
                if name not in tasks:
                    tasks[name] = int(bar.add_task(f"ADVENIR {name}", total=total))
                bar.update(tasks[name], completed=done)  # type: ignore[arg-type]

            report = run_export(sessions, clock=SystemClock(), options=options,
                                progress=progress)
    if dry_run:
        typer.echo(f"dry run: {len(report.written_files)} request(s) written to {output}")
    else:
        typer.echo(f"derived {report.derived_operations} operation(s) from "
                   f"{report.derived_transactions} session(s); {report.acknowledged} "
                   f"acknowledged, {report.failed} to retry, {report.requests} request(s)")
    for error in dict.fromkeys(report.errors):
        typer.echo(f"error: {error}", err=True)
    for alert in report.alerts:
        typer.echo(f"ALERT: {alert.message()}", err=True)
    if report.failed:
        raise typer.Exit(1)


@app.command("status")
def status(check: bool = typer.Option(False, help="Exit 1 when a station is overdue.")) -> None:
    """Stations whose data ADVENIR has not acknowledged for more than a month."""
    with reported_errors(), db_session(load_settings()) as session:
        overdue = alerts.overdue_stations(session, now=datetime.now(UTC))
    if not overdue:
        typer.echo("no station overdue")
    for alert in overdue:
        typer.echo(f"ALERT: {alert.message()}")
    if check and overdue:
        raise typer.Exit(1)
