"""Charging rules enforced where stations ask: the id-token authorisation service (used by
Authorize and StartTransaction of both OCPP versions)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from chargegrid.runtime import Runtime
from chargegrid.services import id_tokens, users
from chargegrid.store.models import ChargingRule
from tests.accounts.conftest import World, bearer

MONDAY_NOON = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SUNDAY_NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _status(runtime: Runtime, token: str, station: str | None, now: datetime) -> str:
    with runtime.sessions() as s:
        return id_tokens.authorize(s, id_tag=token, now=now, station_id=station).status.value


def test_group_rules_decide_who_charges_where_and_when(runtime: Runtime, world: World) -> None:
    now = runtime.clock.now()
    with runtime.sessions() as s:
        id_tokens.create(s, token="LOOSE1", now=now, organisation_id=1)  # nobody's card
        # Replace A's all-week rule by a working-hours one.
        s.query(ChargingRule).delete()
        s.add(ChargingRule(organisation_id=1, group_id=int(world.params["group_id"]),
                           site_id=int(world.params["site_id"]), weekdays="1111100",
                           start_time="08:00", end_time="18:00", created_at=now))
        s.commit()
    # ATOKEN1 is the A driver's card; the driver is in A-group.
    assert _status(runtime, "ATOKEN1", "A-ST1", MONDAY_NOON) == "Accepted"
    assert _status(runtime, "ATOKEN1", "A-ST1", SUNDAY_NOON) == "Invalid"
    assert _status(runtime, "ATOKEN1", "A-ST1",
                   MONDAY_NOON.replace(hour=18)) == "Invalid"  # end is exclusive
    assert _status(runtime, "LOOSE1", "A-ST1", MONDAY_NOON) == "Invalid"  # no user, no group
    # Without a station (or at a station no rule governs) the card is just valid.
    assert _status(runtime, "LOOSE1", None, MONDAY_NOON) == "Accepted"
    # A blocked card stays Blocked whatever the rules.
    with runtime.sessions() as s:
        id_tokens.update(s, token="ATOKEN1", now=now, status="Blocked")
        s.commit()
    assert _status(runtime, "ATOKEN1", "A-ST1", MONDAY_NOON) == "Blocked"


def test_leaving_the_group_removes_the_right(runtime: Runtime, world: World) -> None:
    with runtime.sessions() as s:
        users.remove_member(s, group_id=int(world.params["group_id"]),
                            user_id=int(world.params["user_id"]))
        s.commit()
    assert _status(runtime, "ATOKEN1", "A-ST1", MONDAY_NOON) == "Invalid"


async def test_rules_api_validates(http: httpx.AsyncClient, world: World) -> None:
    admin = bearer(world.tokens[("a", "operator_admin")])
    base = {"group_id": int(world.params["group_id"]), "site_id": int(world.params["site_id"])}
    for bad in ({"start_time": "18:00", "end_time": "08:00"},
                {"start_time": "25:00", "end_time": "26:00"},
                {"start_time": "08:00", "end_time": "18:00", "weekdays": "11111"},
                {"start_time": "08:00", "end_time": "18:00", "station_id": "A-ST1"}):
        response = await http.post("/api/v1/charging-rules", headers=admin, json=base | bad)
        assert response.status_code == 422, (bad, response.text)
    ok = await http.post("/api/v1/charging-rules", headers=admin,
                         json=base | {"start_time": "07:00", "end_time": "24:00",
                                      "weekdays": "1111100"})
    assert ok.status_code == 201, ok.text
    listed = await http.get("/api/v1/charging-rules", headers=admin,
                            params={"group_id": base["group_id"]})
    assert len(listed.json()) == 2
