"""`chargegrid local-list`: enrol stations whose Local Authorization List ChargeGrid keeps,
and see where each stands. The pushes themselves are the server's (docs/ocpp-compliance.md)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from chargegrid.cli.context import db_session, load_settings
from chargegrid.cli.output import reported_errors
from chargegrid.services import local_lists
from chargegrid.store.models import LocalListState

app = typer.Typer(help="Local authorisation lists kept on the stations.", no_args_is_help=True)


@app.command("enable")
def enable(station_ids: list[str] = typer.Argument(..., help="Station ids.")) -> None:
    """Keep these stations' lists: a Full list at their next connection, then differential
    updates as cards change."""
    with reported_errors(), db_session(load_settings()) as session:
        for station_id in station_ids:
            local_lists.enable(session, station_id=station_id)
    typer.echo(f"local list managed for {', '.join(station_ids)}")


@app.command("status")
def status() -> None:
    """Every managed station: list version, cards held, changes waiting, last attempt."""
    table = Table("station", "version", "cards", "pending", "last outcome", "synced at")
    with reported_errors(), db_session(load_settings()) as session:
        for state in session.scalars(select(LocalListState)
                                     .order_by(LocalListState.station_id)):
            sid = state.station_id
            table.add_row(sid, "" if state.version is None else str(state.version),
                          str(len(local_lists.held_tokens(session, station_id=sid))),
                          str(len(local_lists.pending_tokens(session, station_id=sid))),
                          state.last_outcome or "",
                          state.synced_at.isoformat() if state.synced_at else "")
    Console().print(table)
