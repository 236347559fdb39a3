"""Two organisations with one object of every kind in A, callers of every role.

Organisation A is the default organisation (id 1) and is populated first, so that any id
1 in a URL names one of A's objects; B is a second, unrelated operator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from chargegrid.api.app import create_app
from chargegrid.domain.permissions import Role
from chargegrid.runtime import Runtime
from chargegrid.services import accounts, external_limits, id_tokens, organisations, sites, users
from chargegrid.store.models import AccessGrant, AuditEntry, ChargingRule, Transaction

SCENARIO = {
    "format": "chargegrid-scenario/1",
    "nodes": [{"id": "root", "parent": None, "limit_a": 63}],
    "stations": [{"id": "A-ST1", "node": "root", "phase_rotation": "L1", "max_a": 32}],
}


@dataclass
class World:
    """Ids and marker strings of A's objects, and tokens per (organisation, role)."""

    org_a: int
    org_b: int
    org_c: int  # an installer company; A granted it "installer" on A's site
    params: dict[str, str]
    markers: list[str]
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)
    user_ids: dict[tuple[str, str], int] = field(default_factory=dict)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _users_and_tokens(s: Session, world: World, org: str, org_id: int, now: datetime) -> None:
    for role in Role:
        user = accounts.create_user(s, email=f"{role.value}@{org}.example", role=role.value,
                                    organisation_id=org_id, now=now)
        _, clear = accounts.issue_token(s, user=user, name="t", now=now)
        world.tokens[(org, role.value)] = clear
        world.user_ids[(org, role.value)] = user.id


@pytest.fixture
def world(runtime: Runtime) -> World:
    now = runtime.clock.now()
    with runtime.sessions() as s:
        site = sites.import_scenario(s, name="A-site-name", raw=SCENARIO, now=now)
        org_b = organisations.create(s, name="B-operator", parent_id=None, now=now)
        org_c = organisations.create(s, name="C-installers", parent_id=None, now=now)
        world = World(org_a=1, org_b=org_b.id, org_c=org_c.id, params={}, markers=[])
        _users_and_tokens(s, world, "a", 1, now)
        _users_and_tokens(s, world, "b", org_b.id, now)
        _users_and_tokens(s, world, "c", org_c.id, now)
        driver_a = world.user_ids[("a", "driver")]
        token = id_tokens.create(s, token="ATOKEN1", now=now, organisation_id=1,
                                 user_id=driver_a)
        centre = users.create_cost_centre(s, organisation_id=1, code="A-CC", name="A centre")
        group = users.create_group(s, organisation_id=1, name="A-group",
                                   cost_centre_id=centre.id)
        users.add_member(s, group_id=group.id, user_id=driver_a)
        vehicle = users.create_vehicle(s, organisation_id=1, user_id=driver_a, label="A-car",
                                       licence_plate="A-PLATE", vin=None, now=now)
        grant = AccessGrant(organisation_id=1, grantee_organisation_id=org_c.id,
                            site_id=site.id, role="installer", created_at=now)
        rule = ChargingRule(organisation_id=1, group_id=group.id, site_id=site.id,
                            weekdays="1111111", start_time="00:00", end_time="24:00",
                            created_at=now)
        tx = Transaction(uid="A-TX-1", station_id="A-ST1", evse_id=1, connector_id=1,
                         id_tag="ATOKEN1", state="active", started_at=now, created_at=now,
                         updated_at=now)
        s.add_all([grant, rule, tx])
        s.add(AuditEntry(at=now, organisation_id=1, actor="user:1", action="A-audit-marker",
                         resource="station", result="ok"))
        limit = external_limits.impose(s, site_id=site.id, value=20, unit="A",
                                       ends_at=now + timedelta(hours=1), now=now)
        s.flush()
        world.params = {
            "station_id": "A-ST1", "site_id": str(site.id), "token": token.token,
            "transaction_id": str(tx.id), "organisation_id": "1",
            "user_id": str(driver_a), "group_id": str(group.id),
            "cost_centre_id": str(centre.id), "vehicle_id": str(vehicle.id),
            "grant_id": str(grant.id), "rule_id": str(rule.id), "limit_id": str(limit.id),
        }
        world.markers = ["A-ST1", "A-site-name", "ATOKEN1", "@a.example", "A-group", "A-CC",
                         "A-PLATE", "A-car", "A-TX-1", "A-audit-marker"]
        s.commit()
    return world


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime)


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client without credentials; pass `headers=bearer(...)` per request."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://test") as client:
        yield client
