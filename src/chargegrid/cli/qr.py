"""`chargegrid station qr`: the printable QR sheet of a station."""

from __future__ import annotations

from pathlib import Path

import typer

from chargegrid.cli.context import db_session, load_settings
from chargegrid.cli.output import fail, reported_errors
from chargegrid.web.qr_sheet import labels_for, render_sheet


def station_qr(
    station_id: str,
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the PDF."),
    public_url: str | None = typer.Option(
        None, help="Base URL the codes open (default: CHARGEGRID_PUBLIC_URL)."),
) -> None:
    """Write an A4 PDF with one QR code per connector, opening its ad-hoc charging page."""
    settings = load_settings(public_url=public_url)
    with reported_errors(), db_session(settings) as session:
        labels = labels_for(session, station_id=station_id, public_url=settings.public_url)
    try:
        output.write_bytes(render_sheet(labels))
    except OSError as err:
        fail(f"cannot write {output}: {err.strerror}", 1)
    typer.echo(f"wrote {output} ({len(labels)} connector{'s' if len(labels) != 1 else ''})")
