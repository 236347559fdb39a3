"""The import endpoint (multipart and raw CSV, 422 with every bad row, permissions) and the
`chargegrid import` command (report, exit codes, idempotence)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from chargegrid.cli.main import app as cli_app
from chargegrid.runtime import Runtime
from chargegrid.store.models import IdToken
from tests.api.conftest import app, client, reader, tokens

__all__ = ["app", "client", "reader", "tokens"]

GOOD = "token,status,expires_at\nCARD1,Accepted,2030-01-01\nCARD2,Blocked,\n"
BAD = "token,status,expires_at\nCARD1,Accepted,2030-01-01\nCARD2,Lost,\nCARD3,Accepted,nope\n"


def _count(runtime: Runtime) -> int:
    with runtime.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(IdToken)) or 0)


async def test_bad_file_is_422_with_every_row_and_nothing_stored(
        client: httpx.AsyncClient, runtime: Runtime) -> None:
    reply = await client.post("/api/v1/imports/tokens", content=BAD,
                              headers={"content-type": "text/csv"})
    assert reply.status_code == 422, reply.text
    body = reply.json()
    assert body["error"] == "invalid_input" and "nothing imported" in body["message"]
    assert [(d["line"], d["field"]) for d in body["details"]] == [(3, "status"),
                                                                  (4, "expires_at")]
    assert body["report"]["created"] == 0
    assert _count(runtime) == 0


async def test_multipart_import_then_again_is_a_no_op(client: httpx.AsyncClient,
                                                      runtime: Runtime) -> None:
    files = {"file": ("cards.csv", GOOD.encode(), "text/csv")}
    first = await client.post("/api/v1/imports/tokens", files=files)
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["organisation_id"]) == (2, 1)
    again = await client.post("/api/v1/imports/tokens", files=files)
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == \
        (0, 0, 2)
    dry = await client.post("/api/v1/imports/tokens?dry_run=true",
                            content=GOOD.replace("Blocked", "Accepted"))
    assert (dry.json()["updated"], dry.json()["dry_run"]) == (1, True)
    with runtime.sessions() as s:
        card = s.scalars(select(IdToken).where(IdToken.token == "CARD2")).one()
        assert card.status == "Blocked"


async def test_unknown_kind_empty_body_and_read_only(client: httpx.AsyncClient,
                                                     reader: httpx.AsyncClient) -> None:
    assert (await client.post("/api/v1/imports/cars", content=GOOD)).status_code == 404
    assert (await client.post("/api/v1/imports/tokens", content=b"")).status_code == 422
    denied = await reader.post("/api/v1/imports/tokens", content=GOOD)
    assert denied.status_code == 403


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CHARGEGRID_DATABASE_URL", database_url)
    return CliRunner()


def test_cli_rejects_reports_then_imports_idempotently(cli: CliRunner, tmp_path: Path) -> None:
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(BAD, encoding="utf-8")
    good.write_text(GOOD, encoding="utf-8")
    rejected = cli.invoke(cli_app, ["import", "tokens", str(bad)])
    assert rejected.exit_code == 2, rejected.output
    assert "2 bad row(s)" in rejected.output and "nothing imported" in rejected.output
    assert "'Lost' is not one of" in rejected.output
    dry = cli.invoke(cli_app, ["import", "tokens", str(good), "--dry-run"])
    assert dry.exit_code == 0 and "2 would be created" in dry.output
    first = cli.invoke(cli_app, ["import", "tokens", str(good), "--organisation", "1"])
    assert first.exit_code == 0 and "2 were created" in first.output, first.output
    again = cli.invoke(cli_app, ["import", "tokens", str(good)])
    assert "0 were created, 0 were updated, 2 unchanged" in again.output, again.output
    missing = cli.invoke(cli_app, ["import", "tokens", str(good), "-o", "7"])
    assert missing.exit_code == 3 and "organisation 7 does not exist" in missing.output
