"""`chargegrid org`: top-level organisations and their first admin, from the command line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from chargegrid.cli.main import app
from chargegrid.runtime import Runtime
from chargegrid.services import accounts


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CHARGEGRID_DATABASE_URL", database_url)
    return CliRunner()


def test_create_list_and_add_user(cli: CliRunner, runtime: Runtime) -> None:
    made = cli.invoke(app, ["org", "create", "Installer Co"])
    assert made.exit_code == 0, made.output
    org_id = int(made.output.strip())
    sub = cli.invoke(app, ["org", "create", "Installer Co South", "--parent", str(org_id)])
    assert sub.exit_code == 0, sub.output
    listing = cli.invoke(app, ["org", "list"])
    assert "1\t-\tDefault" in listing.output and f"{org_id}\t-\tInstaller Co" in listing.output
    assert f"\t{org_id}\tInstaller Co South" in listing.output
    user = cli.invoke(app, ["org", "add-user", "boss@installer.example", "--org", str(org_id),
                            "--role", "installer"])
    assert user.exit_code == 0, user.output
    with runtime.sessions() as s:
        principal = accounts.authenticate(s, bearer=user.output.strip(),
                                          now=runtime.clock.now())
    assert (principal.organisation_id, principal.role) == (org_id, "installer")
    assert cli.invoke(app, ["org", "create", "Installer Co"]).exit_code != 0  # duplicate
    assert cli.invoke(app, ["org", "add-user", "x@y.example", "--org", "999"]).exit_code == 3
