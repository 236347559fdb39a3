"""Stations: register, list, change, and the detail with each connector's live status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status

from chargegrid.api.deps import Access, DbSession, RuntimeDep, require
from chargegrid.api.schemas.common import Limit, Offset, StationIdPath
from chargegrid.api.schemas.stations import (
    StationCreate,
    StationDetail,
    StationRead,
    StationUpdate,
)
from chargegrid.domain.permissions import Action, Resource
from chargegrid.domain.stations import RegistrationStatus
from chargegrid.services import scoping, stations
from chargegrid.store.models import Station

router = APIRouter(prefix="/stations", tags=["stations"])

CanRead = Annotated[Access, require(Resource.STATION, Action.READ)]
CanCreate = Annotated[Access, require(Resource.STATION, Action.CREATE)]
CanUpdate = Annotated[Access, require(Resource.STATION, Action.UPDATE)]


def _detail(db: DbSession, station: Station) -> StationDetail:
    return StationDetail.of(station, stations.connectors_of(db, station_id=station.id))


@router.get("", response_model=list[StationRead])
def list_stations(db: DbSession, access: CanRead, limit: Limit = 100,
                  offset: Offset = 0) -> list[Station]:
    """The caller's stations by id, with whether each is connected right now."""
    return stations.list_paged(db, limit=limit, offset=offset,
                               where=scoping.stations_where(access.visibility))


@router.post("", response_model=StationDetail, status_code=status.HTTP_201_CREATED)
def create_station(body: StationCreate, db: DbSession, runtime: RuntimeDep,
                   access: CanCreate) -> StationDetail:
    """Register a station of the caller's organisation so that it may connect (unknown
    stations are refused by default)."""
    station = stations.create(db, station_id=body.id, now=runtime.clock.now(),
                              organisation_id=access.principal.organisation_id,
                              password=body.password,
                              registration_status=RegistrationStatus(body.registration_status))
    return _detail(db, station)


@router.get("/{station_id}", response_model=StationDetail)
def get_station(station_id: StationIdPath, db: DbSession, _: CanRead) -> StationDetail:
    """One station with its connectors' live status, connection, last contact and firmware."""
    return _detail(db, stations.get_or_raise(db, station_id=station_id))


@router.patch("/{station_id}", response_model=StationDetail)
def update_station(station_id: StationIdPath, body: StationUpdate, db: DbSession,
                   _: CanUpdate) -> StationDetail:
    """Accept, park (Pending) or reject a station, or change its Basic-auth password."""
    status_ = RegistrationStatus(body.registration_status) if body.registration_status else None
    station = stations.update(db, station_id=station_id, registration_status=status_,
                              password=body.password)
    return _detail(db, station)
