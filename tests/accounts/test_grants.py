"""Service-provider access: A grants installer company C the installer role on its site; C's
installer works there (and nowhere else) until A revokes the grant, effective at once."""

from __future__ import annotations

import httpx

from tests.accounts.conftest import World, bearer


async def test_installer_works_on_granted_site_until_revoked(http: httpx.AsyncClient,
                                                             world: World) -> None:
    installer = bearer(world.tokens[("c", "installer")])
    site_id = world.params["site_id"]
    sites = (await http.get("/api/v1/sites", headers=installer)).json()
    assert [s["name"] for s in sites] == ["A-site-name"]
    assert (await http.get("/api/v1/stations/A-ST1", headers=installer)).status_code == 200
    # A remote action gets through to the station (offline here: 409, not 403/404).
    reset = await http.post("/api/v1/stations/A-ST1/commands/reset", json={"kind": "Soft"},
                            headers=installer)
    assert reset.status_code == 409, reset.text
    # Nothing beyond the role: no users, no cards, no site deletion.
    assert (await http.get("/api/v1/users", headers=installer)).status_code == 403
    assert (await http.get("/api/v1/id-tokens", headers=installer)).status_code == 403
    assert (await http.delete(f"/api/v1/sites/{site_id}", headers=installer)).status_code == 403
    # The grant's role and the user's own must both allow: C's driver gets nothing, C's
    # accountant may read the station but not command it.
    driver = bearer(world.tokens[("c", "driver")])
    assert (await http.get("/api/v1/stations/A-ST1", headers=driver)).status_code == 403
    accountant = bearer(world.tokens[("c", "accountant")])
    assert (await http.get("/api/v1/stations/A-ST1", headers=accountant)).status_code == 200
    assert (await http.post("/api/v1/stations/A-ST1/commands/reset", json={"kind": "Soft"},
                            headers=accountant)).status_code == 403

    # The grantee cannot revoke it, the grantor can.
    grant_url = f"/api/v1/access-grants/{world.params['grant_id']}"
    c_admin = bearer(world.tokens[("c", "operator_admin")])
    assert (await http.delete(grant_url, headers=c_admin)).status_code == 404
    revoked = await http.delete(grant_url, headers=bearer(world.tokens[("a", "operator_admin")]))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None

    assert (await http.get("/api/v1/sites", headers=installer)).json() == []
    assert (await http.get("/api/v1/stations/A-ST1", headers=installer)).status_code == 404
    gone = await http.post("/api/v1/stations/A-ST1/commands/reset", json={"kind": "Soft"},
                           headers=installer)
    assert gone.status_code == 404


async def test_grant_only_own_sites_and_grantable_roles(http: httpx.AsyncClient,
                                                        world: World) -> None:
    a_admin = bearer(world.tokens[("a", "operator_admin")])
    site_id = int(world.params["site_id"])
    made = await http.post("/api/v1/access-grants", headers=a_admin, json={
        "site_id": site_id, "grantee_organisation_id": world.org_b, "role": "read_only"})
    assert made.status_code == 201, made.text
    b_reader = bearer(world.tokens[("b", "read_only")])
    assert (await http.get(f"/api/v1/sites/{site_id}", headers=b_reader)).status_code == 200
    # operator_admin is not grantable; a grant to oneself is meaningless.
    bad = await http.post("/api/v1/access-grants", headers=a_admin, json={
        "site_id": site_id, "grantee_organisation_id": world.org_b, "role": "operator_admin"})
    assert bad.status_code == 422
    own = await http.post("/api/v1/access-grants", headers=a_admin, json={
        "site_id": site_id, "grantee_organisation_id": 1, "role": "installer"})
    assert own.status_code == 422
    # C, itself a grantee, cannot pass A's site on.
    c_admin = bearer(world.tokens[("c", "operator_admin")])
    regrant = await http.post("/api/v1/access-grants", headers=c_admin, json={
        "site_id": site_id, "grantee_organisation_id": world.org_b, "role": "installer"})
    assert regrant.status_code == 404
