"""`chargegrid admin`: users and API tokens for the REST API."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import typer

from chargegrid.cli.context import db_session, load_settings
from chargegrid.cli.output import fail, reported_errors
from chargegrid.services import accounts
from chargegrid.services.auth import passwords
from chargegrid.services.auth.login import find_user
from chargegrid.services.auth.policy import AuthPolicy
from chargegrid.services.auth.throttle import normalise_email

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


@app.command("set-password")
def set_password(
    email: str = typer.Argument(..., help="The user whose password is set."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (scripts)."),
) -> None:
    """Set a user's login password (Argon2-hashed); their open login sessions end."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    settings = load_settings()
    hasher = passwords.make_hasher(AuthPolicy.from_settings(settings))
    with reported_errors(), db_session(settings) as session:
        user = find_user(session, email=normalise_email(email))
        if user is None:
            fail(f"no user {email!r}", 3)
        ended = passwords.set_password(session, user=user, password=password,
                                       now=datetime.now(UTC), hasher=hasher)
    typer.echo(f"password set for {user.email}; {ended} login session(s) ended")
