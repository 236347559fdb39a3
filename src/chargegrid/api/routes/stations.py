"""Stations: register, list, change, and the detail with each connector's live status."""

from __future__ import annotations

from fastapi import APIRouter, status

from chargegrid.api.deps import AdminPrincipal, DbSession, RuntimeDep
from chargegrid.api.schemas.common import Limit, Offset, StationIdPath
from chargegrid.api.schemas.stations import (
    StationCreate,
    StationDetail,
    StationRead,
    StationUpdate,
)
from chargegrid.domain.stations import RegistrationStatus
from chargegrid.services import stations
from chargegrid.store.models import Station

router = APIRouter(prefix="/stations", tags=["stations"])


def _detail(db: DbSession, station: Station) -> StationDetail:
    return StationDetail.of(station, stations.connectors_of(db, station_id=station.id))


@router.get("", response_model=list[StationRead])
def list_stations(db: DbSession, limit: Limit = 100, offset: Offset = 0) -> list[Station]:
    """Registered stations by id, with whether each is connected right now."""
    return stations.list_paged(db, limit=limit, offset=offset)


@router.post("", response_model=StationDetail, status_code=status.HTTP_201_CREATED)
def create_station(body: StationCreate, db: DbSession, runtime: RuntimeDep,
                   _: AdminPrincipal) -> StationDetail:
    """Register a station so that it may connect (unknown stations are refused by default)."""
    station = stations.create(db, station_id=body.id, now=runtime.clock.now(),
                              password=body.password,
                              registration_status=RegistrationStatus(body.registration_status))
    return _detail(db, station)


@router.get("/{station_id}", response_model=StationDetail)
def get_station(station_id: StationIdPath, db: DbSession) -> StationDetail:
    """One station with its connectors' live status, connection, last contact and firmware."""
    return _detail(db, stations.get_or_raise(db, station_id=station_id))


@router.patch("/{station_id}", response_model=StationDetail)
def update_station(station_id: StationIdPath, body: StationUpdate, db: DbSession,
                   _: AdminPrincipal) -> StationDetail:
    """Accept, park (Pending) or reject a station, or change its Basic-auth password."""
    status_ = RegistrationStatus(body.registration_status) if body.registration_status else None
    station = stations.update(db, station_id=station_id, registration_status=status_,
                              password=body.password)
    return _detail(db, station)
