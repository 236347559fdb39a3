"""Vehicles: an organisation's fleet, or a driver's own car."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from sqlalchemy import select

from chargegrid.api.deps import Access, DbSession, RuntimeDep, require
from chargegrid.api.schemas.accounts import VehicleCreate, VehicleRead
from chargegrid.domain.permissions import Action, Resource
from chargegrid.services import scoping, users
from chargegrid.store.models import Vehicle

router = APIRouter(prefix="/vehicles", tags=["vehicles"])

IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
CanRead = Annotated[Access, require(Resource.VEHICLE, Action.READ)]
CanCreate = Annotated[Access, require(Resource.VEHICLE, Action.CREATE)]
CanDelete = Annotated[Access, require(Resource.VEHICLE, Action.DELETE)]


@router.get("", response_model=list[VehicleRead])
def list_vehicles(db: DbSession, access: CanRead) -> list[Vehicle]:
    return list(db.scalars(select(Vehicle).where(
        scoping.where(Vehicle, access.visibility)).order_by(Vehicle.id)))


@router.post("", response_model=VehicleRead, status_code=status.HTTP_201_CREATED)
def create_vehicle(body: VehicleCreate, db: DbSession, runtime: RuntimeDep,
                   access: CanCreate) -> Vehicle:
    """A driver's vehicle is always their own; others may name the driver."""
    own = access.visibility.own_user_id
    user_id = own if own is not None else body.user_id
    if user_id is not None and own is None:
        scoping.visible_or_404(db, param="user_id", value=user_id, v=access.visibility)
    return users.create_vehicle(db, organisation_id=access.principal.organisation_id,
                                user_id=user_id, label=body.label,
                                licence_plate=body.licence_plate, vin=body.vin,
                                now=runtime.clock.now())


@router.get("/{vehicle_id}", response_model=VehicleRead)
def get_vehicle(vehicle_id: IdPath, db: DbSession, _: CanRead) -> Vehicle | None:
    return db.get(Vehicle, vehicle_id)


@router.delete("/{vehicle_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_vehicle(vehicle_id: IdPath, db: DbSession, _: CanDelete) -> Response:
    vehicle = db.get(Vehicle, vehicle_id)
    if vehicle is not None:
        db.delete(vehicle)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
