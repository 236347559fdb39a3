"""`chargegrid report sessions|summary`: the API's reports from the command line, written
to a file (`-o`) or stdout. Run by the operator on the server, so unscoped: every
organisation unless `--organisation` narrows it."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

import typer

from chargegrid.cli.context import db_session, load_settings
from chargegrid.cli.output import fail, reported_errors
from chargegrid.reports import csv_export, pdf
from chargegrid.reports.filters import ReportFilter, parse_moment
from chargegrid.reports.summary import build_summary, sessions_report

app = typer.Typer(help="Charging and financial reports (JSON, CSV, PDF with charts).",
                  no_args_is_help=True, pretty_exceptions_enable=False)

Start = Annotated[str, typer.Option("--from", help="Start date or ISO date-time (inclusive).")]
End = Annotated[str, typer.Option("--to", help="End date or ISO date-time (exclusive).")]
Tz = Annotated[str, typer.Option("--tz", help="IANA time zone of dates and days.")]
Fmt = Annotated[Literal["json", "csv", "pdf"], typer.Option("--format", "-f")]
Out = Annotated[Path | None, typer.Option("-o", "--output",
                                          help="File to write (default: stdout; PDF needs -o).")]
Org = Annotated[int | None, typer.Option("--organisation")]
Site = Annotated[int | None, typer.Option("--site")]
Station = Annotated[str | None, typer.Option("--station")]
Group = Annotated[int | None, typer.Option("--group")]
CostCentre = Annotated[int | None, typer.Option("--cost-centre")]
User = Annotated[int | None, typer.Option("--user")]


def _filter(start: str, end: str, tz: str, organisation: int | None, site: int | None,
            station: str | None, group: int | None, cost_centre: int | None,
            user: int | None) -> ReportFilter:
    return ReportFilter.of(start=parse_moment(start, "--from"), end=parse_moment(end, "--to"),
                           timezone=tz, organisation_id=organisation, site_id=site,
                           station_id=station, group_id=group, cost_centre_id=cost_centre,
                           user_id=user)


def _write(data: bytes, output: Path | None, fmt: str) -> None:
    if output is None:
        if fmt == "pdf":
            fail("a PDF needs -o FILE", 2)
        sys.stdout.buffer.write(data)
        return
    try:
        output.write_bytes(data)
    except OSError as err:
        fail(f"{output}: {err.strerror or err}", 1)
    typer.echo(f"wrote {output} ({len(data)} bytes)", err=True)


@app.command("sessions")
def sessions(start: Start, end: End, tz: Tz = "UTC", fmt: Fmt = "csv", output: Out = None,
             organisation: Org = None, site: Site = None, station: Station = None,
             group: Group = None, cost_centre: CostCentre = None, user: User = None) -> None:
    """Every session started in the period, one row each."""
    with reported_errors():
        f = _filter(start, end, tz, organisation, site, station, group, cost_centre, user)
        with db_session(load_settings()) as db:
            report = sessions_report(db, f, now=datetime.now(UTC))
        if fmt == "csv":
            data = "".join(csv_export.session_lines(report.sessions,
                                                    timezone=f.timezone)).encode()
        elif fmt == "pdf":
            data = pdf.sessions_pdf(report)
        else:
            data = report.model_dump_json(indent=2).encode() + b"\n"
    _write(data, output, fmt)


@app.command("summary")
def summary(start: Start, end: End, tz: Tz = "UTC", fmt: Fmt = "pdf", output: Out = None,
            organisation: Org = None, site: Site = None, station: Station = None,
            group: Group = None, cost_centre: CostCentre = None, user: User = None) -> None:
    """Totals, revenue, utilisation per station, energy per day (PDF: with charts)."""
    with reported_errors():
        f = _filter(start, end, tz, organisation, site, station, group, cost_centre, user)
        with db_session(load_settings()) as db:
            result = build_summary(db, f, now=datetime.now(UTC))
        if fmt == "csv":
            data = "".join(csv_export.summary_lines(result)).encode()
        elif fmt == "pdf":
            data = pdf.summary_pdf(result)
        else:
            data = result.model_dump_json(indent=2).encode() + b"\n"
    _write(data, output, fmt)
