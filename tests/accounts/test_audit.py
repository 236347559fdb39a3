"""The audit log: every administrative write and every remote action, with who, when and
the result — refusals and failures included — readable by the organisation's admins only."""

from __future__ import annotations

import httpx

from chargegrid.runtime import Runtime
from chargegrid.store.models import AuditEntry
from tests.accounts.conftest import World, bearer


def _entries(runtime: Runtime) -> list[AuditEntry]:
    with runtime.sessions() as s:
        return list(s.query(AuditEntry).filter(AuditEntry.action != "A-audit-marker")
                    .order_by(AuditEntry.id))


async def test_writes_commands_and_refusals_are_audited(http: httpx.AsyncClient, world: World,
                                                        runtime: Runtime) -> None:
    admin = bearer(world.tokens[("a", "operator_admin")])
    admin_id = world.user_ids[("a", "operator_admin")]
    patched = await http.patch("/api/v1/id-tokens/ATOKEN1", json={"status": "Blocked"},
                               headers=admin)
    assert patched.status_code == 200
    command = await http.post("/api/v1/stations/A-ST1/commands/reset", json={"kind": "Hard"},
                              headers=admin)
    assert command.status_code == 409  # offline: still audited, with that result
    refused = await http.post("/api/v1/id-tokens", json={"token": "NEW1"},
                              headers=bearer(world.tokens[("a", "read_only")]))
    assert refused.status_code == 403
    probing = await http.patch("/api/v1/id-tokens/ATOKEN1", json={"status": "Accepted"},
                               headers=bearer(world.tokens[("b", "operator_admin")]))
    assert probing.status_code == 404
    # Reads are not audited.
    assert (await http.get("/api/v1/stations", headers=admin)).status_code == 200

    got = [(e.action, e.result, e.user_id, e.organisation_id) for e in _entries(runtime)]
    assert got == [
        ("id_token.update", "ok", admin_id, 1),
        ("command.execute", "station_offline", admin_id, 1),
        ("id_token.create", "denied", world.user_ids[("a", "read_only")], 1),
        ("id_token.update", "not_found", world.user_ids[("b", "operator_admin")], world.org_b),
    ]
    first = _entries(runtime)[0]
    assert first.actor.startswith(f"user:{admin_id}/token:")
    assert first.resource_id == "token=ATOKEN1"
    assert first.detail == {"method": "PATCH", "path": "/api/v1/id-tokens/ATOKEN1"}


async def test_failed_write_is_audited_and_leaves_nothing(http: httpx.AsyncClient,
                                                          world: World,
                                                          runtime: Runtime) -> None:
    admin = bearer(world.tokens[("a", "operator_admin")])
    dup = await http.post("/api/v1/cost-centres", json={"code": "A-CC", "name": "again"},
                          headers=admin)
    assert dup.status_code == 409
    assert [(e.action, e.result) for e in _entries(runtime)] == [("cost_centre.create",
                                                                  "conflict")]


async def test_audit_log_is_read_per_organisation(http: httpx.AsyncClient, world: World) -> None:
    a_admin = bearer(world.tokens[("a", "operator_admin")])
    await http.post("/api/v1/cost-centres", json={"code": "A-2", "name": "two"}, headers=a_admin)
    listed = (await http.get("/api/v1/audit-log", headers=a_admin)).json()
    assert [e["action"] for e in listed][:1] == ["cost_centre.create"]
    b_view = (await http.get("/api/v1/audit-log",
                             headers=bearer(world.tokens[("b", "operator_admin")]))).json()
    assert b_view == []
    for role in ("site_manager", "installer", "accountant", "driver"):
        denied = await http.get("/api/v1/audit-log", headers=bearer(world.tokens[("a", role)]))
        assert denied.status_code == 403, role
