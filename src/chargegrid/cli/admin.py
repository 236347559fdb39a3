"""`chargegrid admin`: users and API tokens for the REST API."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from chargegrid.cli.context import db_session, load_settings
from chargegrid.cli.output import fail, reported_errors
from chargegrid.services import accounts

app = typer.Typer(help="Administrators and API tokens.", no_args_is_help=True)


@app.command("create")
def create(
    email: str = typer.Argument(..., help="The administrator's e-mail (login)."),
    password: str | None = typer.Option(None, help="Password for the web UI (optional)."),
    token_name: str = typer.Option("cli", help="Name of the API token created with it."),
) -> None:
    """Create an administrator and print a new API token (shown once)."""
    now = datetime.now(UTC)
    with reported_errors(), db_session(load_settings()) as session:
        user = accounts.create_user(session, email=email, password=password, now=now)
        _, clear = accounts.issue_token(session, user=user, name=token_name, now=now)
    typer.echo(clear)


@app.command("token")
def token(
    email: str = typer.Argument(..., help="The user the token acts as."),
    name: str = typer.Option("cli", help="A name to recognise the token by."),
    role: str | None = typer.Option(None, help="admin or read_only (default: the user's)."),
    days: int = typer.Option(365, min=1, max=3650, help="Validity in days."),
) -> None:
    """Issue another API token for an existing user."""
    now = datetime.now(UTC)
    with reported_errors(), db_session(load_settings()) as session:
        user = accounts.get_user_by_email(session, email=email)
        if user is None:
            fail(f"no user {email!r}", 3)
        _, clear = accounts.issue_token(session, user=user, name=name, role=role, now=now,
                                        valid_days=days)
    typer.echo(clear)
