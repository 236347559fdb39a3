"""Charging rules as a real OCPP 1.6 station sees them: Authorize and StartTransaction."""

from __future__ import annotations

from chargegrid.runtime import Runtime
from chargegrid.services import accounts, users
from chargegrid.store.models import ChargingRule, IdToken
from tests.helpers import RawStation
from tests.ocpp.conftest import cp, start_tx

__all__ = ["cp"]  # the connected, booted CP1 of tests/ocpp (token TAG1)


async def _authorize(cp: RawStation, tag: str) -> str:
    reply = await cp.call("Authorize", {"idTag": tag})
    assert reply[0] == 3, reply
    return str(reply[2]["idTagInfo"]["status"])


async def test_station_rule_admits_only_its_group(runtime: Runtime, cp: RawStation) -> None:
    assert await _authorize(cp, "TAG1") == "Accepted"  # no rule governs CP1 yet
    now = runtime.clock.now()
    with runtime.sessions() as s:
        group = users.create_group(s, organisation_id=1, name="staff", cost_centre_id=None)
        s.add(ChargingRule(organisation_id=1, group_id=group.id, station_id="CP1",
                           weekdays="1111111", start_time="00:00", end_time="24:00",
                           created_at=now))
        s.commit()
        group_id = group.id
    # TAG1 belongs to nobody: the station's rule shuts it out, at Authorize and at start.
    assert await _authorize(cp, "TAG1") == "Invalid"
    started = await start_tx(cp, tag="TAG1")
    assert started["idTagInfo"]["status"] == "Invalid"
    with runtime.sessions() as s:
        member = accounts.create_user(s, email="staff@example.org", role="driver", now=now)
        users.add_member(s, group_id=group_id, user_id=member.id)
        s.query(IdToken).filter_by(token="TAG1").one().user_id = member.id
        s.commit()
    assert await _authorize(cp, "TAG1") == "Accepted"
    assert (await start_tx(cp, tag="TAG1", connector=2))["idTagInfo"]["status"] == "Accepted"
