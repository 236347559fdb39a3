"""The `chargegrid` console script."""

from __future__ import annotations

import typer

from chargegrid.cli import admin, advenir, demo, ems, qr, registry, serve, sim, sites
from chargegrid.cli import billing as billing_cli
from chargegrid.cli import imports as import_cli
from chargegrid.cli import local_lists as local_list_cli
from chargegrid.cli import organisations as org_cli
from chargegrid.cli import reports as report_cli
from chargegrid.cli.context import load_settings

app = typer.Typer(help="ChargeGrid: charge point management with load management.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(admin.app, name="admin")
registry.station_app.command("qr")(qr.station_qr)
app.add_typer(registry.station_app, name="station")
app.add_typer(registry.token_app, name="token")
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.add_typer(sim.app, name="sim")
app.add_typer(advenir.app, name="advenir")
app.add_typer(sites.app, name="site")
app.add_typer(ems.app, name="ems")
app.add_typer(billing_cli.app, name="billing")
app.add_typer(import_cli.app, name="import")
app.add_typer(local_list_cli.app, name="local-list")
app.add_typer(report_cli.app, name="report")
app.add_typer(org_cli.app, name="org")


@app.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date (also done at every start)."""
    from chargegrid.store.database import migrate

    migrate(load_settings().database_url)
    typer.echo("database is up to date")


def main() -> None:
    app()
