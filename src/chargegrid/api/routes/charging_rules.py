"""Charging rules: which user group may charge at which site/station and when (enforced at
Authorize and StartTransaction)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from chargegrid.api.deps import Access, DbSession, RuntimeDep, require
from chargegrid.api.schemas.accounts import ChargingRuleCreate, ChargingRuleRead
from chargegrid.domain.permissions import Action, Resource
from chargegrid.errors import InvalidInputError
from chargegrid.services import charging_rules, scoping
from chargegrid.store.models import ChargingRule, Site, Station, UserGroup

router = APIRouter(prefix="/charging-rules", tags=["charging rules"])

IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
CanRead = Annotated[Access, require(Resource.CHARGING_RULE, Action.READ)]
CanCreate = Annotated[Access, require(Resource.CHARGING_RULE, Action.CREATE)]
CanDelete = Annotated[Access, require(Resource.CHARGING_RULE, Action.DELETE)]


@router.get("", response_model=list[ChargingRuleRead])
def list_rules(db: DbSession, access: CanRead,
               group_id: Annotated[int | None, Query(ge=1)] = None) -> list[ChargingRule]:
    return charging_rules.list_visible(db, visibility=access.visibility, group_id=group_id)


@router.post("", response_model=ChargingRuleRead, status_code=status.HTTP_201_CREATED)
def create_rule(body: ChargingRuleCreate, db: DbSession, runtime: RuntimeDep,
                access: CanCreate) -> ChargingRule:
    """A rule of the group's organisation; group, site and station must all be the caller's."""
    v = access.visibility
    scoping.visible_or_404(db, param="group_id", value=body.group_id, v=v)
    if body.site_id is not None:
        scoping.visible_or_404(db, param="site_id", value=body.site_id, v=v)
    if body.station_id is not None:
        scoping.visible_or_404(db, param="station_id", value=body.station_id, v=v)
    group = db.get(UserGroup, body.group_id)
    assert group is not None  # checked just above
    # The rule lives with the group; its site/station must be of that same organisation.
    for owner, name in ((db.get(Site, body.site_id) if body.site_id else None, "site_id"),
                        (db.get(Station, body.station_id) if body.station_id else None,
                         "station_id")):
        if owner is not None and owner.organisation_id != group.organisation_id:
            raise InvalidInputError(f"{name}: not of the group's organisation")
    return charging_rules.create(
        db, organisation_id=group.organisation_id, group_id=body.group_id,
        site_id=body.site_id, station_id=body.station_id, weekdays=body.weekdays,
        start_time=body.start_time, end_time=body.end_time, now=runtime.clock.now())


@router.get("/{rule_id}", response_model=ChargingRuleRead)
def get_rule(rule_id: IdPath, db: DbSession, _: CanRead) -> ChargingRule | None:
    return db.get(ChargingRule, rule_id)


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(rule_id: IdPath, db: DbSession, _: CanDelete) -> Response:
    rule = db.get(ChargingRule, rule_id)
    if rule is not None:
        db.delete(rule)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
