"""Users, their cards and vehicles: drivers reach only their own; admins manage their
organisation's; a role change or deactivation ends the user's tokens at once."""

from __future__ import annotations

import httpx

from tests.accounts.conftest import World, bearer


async def test_driver_sees_only_own_cards_sessions_and_vehicles(http: httpx.AsyncClient,
                                                                world: World) -> None:
    admin = bearer(world.tokens[("a", "operator_admin")])
    assert (await http.post("/api/v1/id-tokens", json={"token": "OTHER1"},
                            headers=admin)).status_code == 201
    driver = bearer(world.tokens[("a", "driver")])
    cards = (await http.get("/api/v1/id-tokens", headers=driver)).json()
    assert [c["token"] for c in cards] == ["ATOKEN1"]
    assert (await http.get("/api/v1/id-tokens/OTHER1", headers=driver)).status_code == 404
    sessions = (await http.get("/api/v1/transactions", headers=driver)).json()
    assert [t["id"] for t in sessions] == [int(world.params["transaction_id"])]
    me = (await http.get("/api/v1/users", headers=driver)).json()
    assert [u["id"] for u in me] == [world.user_ids[("a", "driver")]]
    # A driver's new vehicle is theirs, whatever the body says.
    car = await http.post("/api/v1/vehicles", headers=driver,
                          json={"label": "mine", "user_id": world.user_ids[("a", "read_only")]})
    assert car.status_code == 201 and car.json()["user_id"] == world.user_ids[("a", "driver")]
    assert (await http.get("/api/v1/stations", headers=driver)).status_code == 403


async def test_cards_are_handed_to_users_of_the_same_organisation(http: httpx.AsyncClient,
                                                                  world: World) -> None:
    admin = bearer(world.tokens[("a", "operator_admin")])
    new_user = await http.post("/api/v1/users", headers=admin,
                               json={"email": "new@a.example", "role": "driver"})
    assert new_user.status_code == 201 and new_user.json()["organisation_id"] == 1
    uid = new_user.json()["id"]
    moved = await http.put(f"/api/v1/users/{uid}/id-tokens/ATOKEN1", headers=admin)
    assert moved.status_code == 200 and moved.json()["user_id"] == uid
    listed = (await http.get(f"/api/v1/users/{uid}/id-tokens", headers=admin)).json()
    assert [c["token"] for c in listed] == ["ATOKEN1"]
    # Taking it back through the wrong user is "not found"; through the right one works.
    wrong = world.user_ids[("a", "driver")]
    assert (await http.delete(f"/api/v1/users/{wrong}/id-tokens/ATOKEN1",
                              headers=admin)).status_code == 404
    assert (await http.delete(f"/api/v1/users/{uid}/id-tokens/ATOKEN1",
                              headers=admin)).status_code == 204
    # Group membership across organisations is impossible: B's user is not even visible.
    group = world.params["group_id"]
    b_user = world.user_ids[("b", "driver")]
    assert (await http.put(f"/api/v1/groups/{group}/members/{b_user}",
                           headers=admin)).status_code == 404


async def test_role_change_and_deactivation_end_tokens(http: httpx.AsyncClient,
                                                       world: World) -> None:
    admin = bearer(world.tokens[("a", "operator_admin")])
    manager_token = bearer(world.tokens[("a", "site_manager")])
    assert (await http.get("/api/v1/stations", headers=manager_token)).status_code == 200
    uid = world.user_ids[("a", "site_manager")]
    changed = await http.patch(f"/api/v1/users/{uid}", headers=admin, json={"role": "driver"})
    assert changed.status_code == 200 and changed.json()["role"] == "driver"
    assert (await http.get("/api/v1/stations", headers=manager_token)).status_code == 401
    reader = bearer(world.tokens[("a", "read_only")])
    rid = world.user_ids[("a", "read_only")]
    assert (await http.patch(f"/api/v1/users/{rid}", headers=admin,
                             json={"active": False})).status_code == 200
    assert (await http.get("/api/v1/stations", headers=reader)).status_code == 401
    # Only admins manage users.
    assert (await http.patch(f"/api/v1/users/{rid}", headers=bearer(
        world.tokens[("a", "accountant")]), json={"active": True})).status_code == 403


async def test_parent_admin_manages_subsidiary(http: httpx.AsyncClient, world: World) -> None:
    admin = bearer(world.tokens[("a", "operator_admin")])
    sub = await http.post("/api/v1/organisations", headers=admin, json={"name": "A-sub"})
    assert sub.status_code == 201 and sub.json()["parent_id"] == 1
    sub_id = sub.json()["id"]
    user = await http.post("/api/v1/users", headers=admin, json={
        "email": "boss@sub.example", "role": "operator_admin", "organisation_id": sub_id})
    assert user.status_code == 201 and user.json()["organisation_id"] == sub_id
    orgs = (await http.get("/api/v1/organisations", headers=admin)).json()
    assert {o["id"] for o in orgs} == {1, sub_id}
    # B cannot create a subsidiary under A.
    b_admin = bearer(world.tokens[("b", "operator_admin")])
    assert (await http.post("/api/v1/organisations", headers=b_admin,
                            json={"name": "sneaky", "parent_id": 1})).status_code == 404
