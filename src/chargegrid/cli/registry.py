"""`chargegrid station` and `chargegrid token`: the station registry and id tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.table import Table

from chargegrid.cli.context import db_session, load_settings
from chargegrid.cli.output import reported_errors
from chargegrid.domain.stations import RegistrationStatus
from chargegrid.domain.timestamps import parse_timestamp
from chargegrid.services import id_tokens, stations

station_app = typer.Typer(help="Registered charging stations.", no_args_is_help=True)
token_app = typer.Typer(help="Id tokens (RFID cards).", no_args_is_help=True)


@station_app.command("add")
def station_add(
    station_id: str,
    password: str | None = typer.Option(None, help="Basic-auth password (16–40 chars)."),
    pending: bool = typer.Option(False, help="Register as Pending (commissioning)."),
) -> None:
    """Register a station so it may connect."""
    status = RegistrationStatus.PENDING if pending else RegistrationStatus.ACCEPTED
    with reported_errors(), db_session(load_settings()) as session:
        stations.create(session, station_id=station_id, password=password,
                        registration_status=status, now=datetime.now(UTC))
    typer.echo(f"registered {station_id}")


@station_app.command("list")
def station_list() -> None:
    """List stations with their live state."""
    table = Table("id", "status", "connected", "vendor", "model", "firmware", "last seen")
    with reported_errors(), db_session(load_settings()) as session:
        for st in stations.list_all(session):
            table.add_row(st.id, st.registration_status, "yes" if st.connected else "no",
                          st.vendor or "", st.model or "", st.firmware_version or "",
                          st.last_seen_at.isoformat() if st.last_seen_at else "")
    Console().print(table)


@token_app.command("add")
def token_add(
    token: str,
    status: str = typer.Option("Accepted", help="Accepted, Blocked, Expired or Invalid."),
    expires: str | None = typer.Option(None, help="Expiry, ISO 8601."),
    parent: str | None = typer.Option(None, help="Parent id tag (group)."),
) -> None:
    """Create an id token."""
    with reported_errors(), db_session(load_settings()) as session:
        expiry = parse_timestamp(expires, field="expires") if expires else None
        id_tokens.create(session, token=token, status=status, expires_at=expiry,
                         parent_id_tag=parent, now=datetime.now(UTC))
    typer.echo(f"created {token}")


@token_app.command("block")
def token_block(token: str) -> None:
    """Block a lost card: refused at its next Authorize."""
    with reported_errors(), db_session(load_settings()) as session:
        id_tokens.update(session, token=token, status="Blocked", now=datetime.now(UTC))
    typer.echo(f"blocked {token}")
