"""`chargegrid billing`: run a billing period, price pending sessions, export the
accounting CSV, write an invoice PDF.

Thin: parse, call `services.{billing_runs,pricing,invoices}`, print. Errors are one line on
stderr with exit 2 (invalid input), 3 (not found) or 4 (conflict); never a traceback.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy import select

from chargegrid.cli.context import db_session, load_settings
from chargegrid.cli.output import fail, reported_errors
from chargegrid.services import billing_runs, invoices, pricing
from chargegrid.store.models.billing import Invoice
from chargegrid.store.models.organisations import DEFAULT_ORGANISATION_ID

app = typer.Typer(help="Billing: runs, statements, invoices and exports.",
                  no_args_is_help=True, pretty_exceptions_enable=False)

PeriodOpt = Annotated[str, typer.Option("--period", help="Month to bill, YYYY-MM.")]
OrgOpt = Annotated[int, typer.Option("--organisation", help="Seller organisation id.")]
TzOpt = Annotated[str, typer.Option("--timezone", help="Time zone the month is taken in.")]


@app.command("run")
def run(period: PeriodOpt, organisation: OrgOpt = DEFAULT_ORGANISATION_ID,
        timezone: TzOpt = "UTC") -> None:
    """Bill a month: price pending sessions, issue statements and invoices (idempotent)."""
    console = Console()
    with reported_errors(), db_session(load_settings()) as session, Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(),
            MofNCompleteColumn(), console=console, transient=True) as bar:
        task = bar.add_task("statements", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = billing_runs.run(session, organisation_id=organisation, period=period,
                                  timezone=timezone, now=datetime.now(UTC),
                                  progress=progress)
    if result.run_id is None:
        console.print(f"period {period}: nothing new to bill ({result.priced} sessions "
                      f"priced)", highlight=False)
    else:
        console.print(f"period {period}: run {result.run_id} billed {result.sessions} "
                      f"sessions on {result.statements} statements, {result.invoices} "
                      f"invoices ({result.priced} sessions priced)", highlight=False)
    for tx_id, why in sorted(result.unpriceable.items()):
        console.print(f"[yellow]not priced[/yellow] transaction {tx_id}: {why}",
                      highlight=False)


@app.command("price-pending")
def price_pending(organisation: Annotated[int | None, typer.Option(
        "--organisation", help="Only this seller organisation.")] = None) -> None:
    """Price every finished session that has no price yet."""
    with reported_errors(), db_session(load_settings()) as session:
        priced, failed = pricing.price_pending(session, now=datetime.now(UTC),
                                               organisation_id=organisation, limit=10**9)
    typer.echo(f"{priced} sessions priced, {len(failed)} not priced")
    for tx_id, why in sorted(failed.items()):
        typer.echo(f"transaction {tx_id}: {why}")


@app.command("export")
def export(period: PeriodOpt, out: Annotated[Path, typer.Option(
        "--out", help="CSV file to write (one row per session).")],
        organisation: OrgOpt = DEFAULT_ORGANISATION_ID, timezone: TzOpt = "UTC") -> None:
    """Write the accounting CSV of a month."""
    with reported_errors(), db_session(load_settings()) as session:
        start, end = billing_runs.period_bounds(period, timezone)
        text = invoices.accounting_csv(session, organisation_id=organisation, start=start,
                                       end=end)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"{text.count(chr(10)) - 1} sessions written to {out}")


@app.command("invoice-pdf")
def invoice_pdf(number: Annotated[str, typer.Argument(help="Invoice number.")],
                out: Annotated[Path, typer.Option("--out", help="PDF file to write.")]) -> None:
    """Write an issued invoice as PDF."""
    with reported_errors(), db_session(load_settings()) as session:
        row = session.scalar(select(Invoice).where(Invoice.number == number))
        if row is None:
            fail(f"invoice {number} does not exist", 3)
        out.write_bytes(invoices.invoice_pdf_bytes(session, invoice=row))
    typer.echo(f"invoice {number} written to {out}")
