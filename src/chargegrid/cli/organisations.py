"""`chargegrid org`: the platform operator's commands for organisations — create a top-level
one (another operator, an installer company; the API only creates subsidiaries), list them,
and create a user in one with a first API token."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from sqlalchemy import select

from chargegrid.cli.context import db_session, load_settings
from chargegrid.cli.output import fail, reported_errors
from chargegrid.services import accounts, organisations
from chargegrid.store.models import Organisation

app = typer.Typer(help="Organisations (multi-account).", no_args_is_help=True)


@app.command("create")
def create(
    name: str = typer.Argument(..., help="Unique organisation name."),
    parent: int | None = typer.Option(None, help="Parent organisation id (a subsidiary)."),
) -> None:
    """Create an organisation and print its id."""
    with reported_errors(), db_session(load_settings()) as session:
        if parent is not None and session.get(Organisation, parent) is None:
            fail(f"no organisation {parent}", 3)
        org = organisations.create(session, name=name, parent_id=parent,
                                   now=datetime.now(UTC))
        org_id = org.id
    typer.echo(org_id)


@app.command("list")
def list_all() -> None:
    """Every organisation: id, parent, name."""
    with reported_errors(), db_session(load_settings()) as session:
        rows = session.scalars(select(Organisation).order_by(Organisation.id)).all()
        for org in rows:
            typer.echo(f"{org.id}\t{org.parent_id or '-'}\t{org.name}")


@app.command("add-user")
def add_user(
    email: str = typer.Argument(..., help="The user's e-mail (login)."),
    organisation: int = typer.Option(..., "--org", help="Organisation id."),
    role: str = typer.Option("operator_admin", help="One of the roles of docs/accounts.md."),
) -> None:
    """Create a user in an organisation and print a first API token (shown once)."""
    now = datetime.now(UTC)
    with reported_errors(), db_session(load_settings()) as session:
        if session.get(Organisation, organisation) is None:
            fail(f"no organisation {organisation}", 3)
        user = accounts.create_user(session, email=email, role=role, now=now,
                                    organisation_id=organisation)
        _, clear = accounts.issue_token(session, user=user, name="cli", now=now)
    typer.echo(clear)
