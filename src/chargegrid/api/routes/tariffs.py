"""Tariffs: CRUD, versions, assignments and the price in force at a station.

Thin over `services.tariffs`: overlapping versions are a 409 naming both versions; bad
prices, bands or time zones a 422 naming the field. Money is sent and returned as decimal
strings (never floats). The caller's organisation scopes everything.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from chargegrid.api.deps import Access, DbSession, RuntimeDep, require
from chargegrid.api.schemas.common import AwareUtcDatetime, UtcDatetime
from chargegrid.billing import tariff as domain
from chargegrid.domain.permissions import Action, Resource
from chargegrid.services import tariffs
from chargegrid.store.models.billing import Tariff, TariffAssignment

router = APIRouter(prefix="/tariffs", tags=["tariffs"])

IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
Price = Annotated[Decimal, Field(ge=0, le=10**6, decimal_places=4)]
# Tariffs are billing configuration: the billing resource's permissions apply.
CanRead = Annotated[Access, require(Resource.BILLING, Action.READ)]
CanCreate = Annotated[Access, require(Resource.BILLING, Action.CREATE)]
CanUpdate = Annotated[Access, require(Resource.BILLING, Action.UPDATE)]
CanDelete = Annotated[Access, require(Resource.BILLING, Action.DELETE)]


def organisation_of(access: Access) -> int:
    """The organisation the caller acts in: tariffs and billing are per organisation."""
    return access.principal.organisation_id


class PricesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    energy_per_kwh: Price = Decimal(0)
    time_per_hour: Price = Decimal(0)
    idle_per_hour: Price = Decimal(0)

    def to_domain(self) -> domain.Prices:
        return domain.Prices(self.energy_per_kwh, self.time_per_hour, self.idle_per_hour)


class BandIn(PricesIn):
    name: str = Field(min_length=1, max_length=32)
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        default=[0, 1, 2, 3, 4, 5, 6], min_length=1, description="0 = Monday … 6 = Sunday")
    start: time = Field(description="Local time of day, e.g. 07:00")
    end: time = Field(description="Local time of day; 00:00 = end of day; before start = "
                                  "wraps past midnight")


class VersionCreate(PricesIn):
    """A tariff version; prices are net of VAT, bands are in `timezone` local time."""

    valid_from: AwareUtcDatetime
    valid_to: AwareUtcDatetime | None = None
    timezone: str = Field(default="UTC", max_length=64, examples=["Europe/Paris"])
    bands: list[BandIn] = Field(default=[], max_length=48)
    session_fee: Price = Decimal(0)
    min_price: Price | None = None
    max_price: Price | None = None
    idle_grace_minutes: int = Field(default=0, ge=0, le=24 * 60)
    vat_rate: Annotated[Decimal, Field(ge=0, lt=1, decimal_places=4)] = Decimal(0)

    def to_domain(self) -> domain.TariffVersion:  # type: ignore[override]
        return domain.TariffVersion(
            id=0, valid_from=self.valid_from, valid_to=self.valid_to, timezone=self.timezone,
            base=PricesIn.to_domain(self),
            bands=tuple(domain.Band(b.name, b.start, b.end, b.to_domain(),
                                    frozenset(b.weekdays)) for b in self.bands),
            session_fee=self.session_fee, min_price=self.min_price, max_price=self.max_price,
            idle_grace=timedelta(minutes=self.idle_grace_minutes), vat_rate=self.vat_rate)


class VersionClose(BaseModel):
    model_config = ConfigDict(extra="forbid")
    valid_to: AwareUtcDatetime


class TariffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=128)
    currency: str = Field(min_length=3, max_length=3, examples=["EUR"])


class AssignmentCreate(BaseModel):
    """Where (a station, a site, or neither = the whole organisation) and to whom (a user
    group, a cost centre, or neither = anyone)."""

    model_config = ConfigDict(extra="forbid")
    tariff_id: int = Field(ge=1)
    site_id: int | None = Field(default=None, ge=1)
    station_id: str | None = Field(default=None, max_length=48)
    user_group_id: int | None = Field(default=None, ge=1)
    cost_centre_id: int | None = Field(default=None, ge=1)


class AssignmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    tariff_id: int
    site_id: int | None
    station_id: str | None
    user_group_id: int | None
    cost_centre_id: int | None
    created_at: UtcDatetime


class PriceSummaryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    tariff_id: int
    version_id: int
    band: str
    currency: str
    energy_per_kwh: Decimal
    time_per_hour: Decimal
    idle_per_hour: Decimal
    idle_grace_minutes: int
    session_fee: Decimal
    min_price: Decimal | None
    max_price: Decimal | None
    vat_rate: Decimal


def _read(db: DbSession, row: Tariff) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "currency": row.currency,
            "created_at": row.created_at, "updated_at": row.updated_at,
            "versions": [{"id": v.id, "valid_from": v.valid_from, "valid_to": v.valid_to,
                          "timezone": v.timezone, "energy_per_kwh": v.energy_per_kwh,
                          "time_per_hour": v.time_per_hour, "idle_per_hour": v.idle_per_hour,
                          "idle_grace_minutes": v.idle_grace_minutes,
                          "session_fee": v.session_fee, "min_price": v.min_price,
                          "max_price": v.max_price, "vat_rate": v.vat_rate, "bands": v.bands}
                         for v in tariffs.versions_of(db, tariff_id=row.id)]}


class VersionRead(BaseModel):
    id: int
    valid_from: UtcDatetime
    valid_to: UtcDatetime | None
    timezone: str
    energy_per_kwh: Decimal
    time_per_hour: Decimal
    idle_per_hour: Decimal
    idle_grace_minutes: int
    session_fee: Decimal
    min_price: Decimal | None
    max_price: Decimal | None
    vat_rate: Decimal
    bands: list[dict[str, Any]]


class TariffRead(BaseModel):
    id: int
    name: str
    currency: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
    versions: list[VersionRead]


@router.get("", response_model=list[TariffRead])
def list_tariffs(access: CanRead, db: DbSession) -> list[dict[str, Any]]:
    """The organisation's tariffs with their versions."""
    return [_read(db, t) for t in tariffs.list_tariffs(
        db, organisation_id=organisation_of(access))]


@router.post("", response_model=TariffRead, status_code=status.HTTP_201_CREATED)
def create_tariff(body: TariffCreate, access: CanCreate, db: DbSession,
                  runtime: RuntimeDep) -> dict[str, Any]:
    """Create a tariff (it prices nothing until a version is added and it is assigned)."""
    row = tariffs.create(db, organisation_id=organisation_of(access), name=body.name,
                         currency=body.currency, now=runtime.clock.now())
    return _read(db, row)


@router.get("/assignments", response_model=list[AssignmentRead])
def list_assignments(access: CanRead, db: DbSession) -> list[TariffAssignment]:
    """Which tariff applies where and to whom."""
    return tariffs.list_assignments(db, organisation_id=organisation_of(access))


@router.post("/assignments", response_model=AssignmentRead,
             status_code=status.HTTP_201_CREATED)
def create_assignment(body: AssignmentCreate, access: CanCreate, db: DbSession,
                      runtime: RuntimeDep) -> TariffAssignment:
    """Assign a tariff; the most specific assignment wins (docs/billing.md)."""
    return tariffs.assign(db, tariff_id=body.tariff_id, site_id=body.site_id,
                          station_id=body.station_id, user_group_id=body.user_group_id,
                          cost_centre_id=body.cost_centre_id, now=runtime.clock.now(),
                          organisation_id=organisation_of(access))


@router.delete("/assignments/{assignment_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_assignment(assignment_id: IdPath, access: CanDelete, db: DbSession) -> Response:
    """Remove an assignment (sessions already priced keep their price)."""
    tariffs.unassign(db, assignment_id=assignment_id,
                     organisation_id=organisation_of(access))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/price-summary", response_model=PriceSummaryRead | None)
def price_summary(_: CanRead, db: DbSession,
                  station_id: Annotated[str, Query(min_length=1, max_length=48)],
                  at: Annotated[AwareUtcDatetime, Query()]) -> tariffs.PriceSummary | None:
    """The prices an anonymous driver pays at a station at a moment (null: no tariff)."""
    return tariffs.price_summary_for(db, station_id, at)


@router.get("/{tariff_id}", response_model=TariffRead)
def get_tariff(tariff_id: IdPath, access: CanRead, db: DbSession) -> dict[str, Any]:
    """One tariff with its versions."""
    return _read(db, tariffs.get_or_raise(db, tariff_id=tariff_id,
                                          organisation_id=organisation_of(access)))


@router.delete("/{tariff_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_tariff(tariff_id: IdPath, access: CanDelete, db: DbSession) -> Response:
    """Delete a tariff that has priced nothing (409 otherwise)."""
    tariffs.delete(db, tariff_id=tariff_id, organisation_id=organisation_of(access))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{tariff_id}/versions", response_model=TariffRead,
             status_code=status.HTTP_201_CREATED)
def add_version(tariff_id: IdPath, body: VersionCreate, access: CanCreate, db: DbSession,
                runtime: RuntimeDep) -> dict[str, Any]:
    """Add a version; one overlapping another is a 409 (close the open one first)."""
    org = organisation_of(access)
    tariffs.add_version(db, tariff_id=tariff_id, version=body.to_domain(),
                        now=runtime.clock.now(), organisation_id=org)
    return _read(db, tariffs.get_or_raise(db, tariff_id=tariff_id, organisation_id=org))


@router.post("/{tariff_id}/versions/{version_id}/close", response_model=TariffRead)
def close_version(tariff_id: IdPath, version_id: IdPath, body: VersionClose, access: CanUpdate,
                  db: DbSession,
                  runtime: RuntimeDep) -> dict[str, Any]:
    """End a version at a future moment (the past is never rewritten)."""
    org = organisation_of(access)
    tariffs.close_version(db, version_id=version_id, valid_to=body.valid_to,
                          now=runtime.clock.now(), organisation_id=org, tariff_id=tariff_id)
    return _read(db, tariffs.get_or_raise(db, tariff_id=tariff_id, organisation_id=org))
