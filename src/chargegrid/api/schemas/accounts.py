"""Bodies and responses of the accounts routes: organisations, users, groups, cost centres,
vehicles, access grants, charging rules and the audit log."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import Field

from chargegrid.api.schemas.common import ReadModel, UtcDatetime, WriteModel
from chargegrid.domain.permissions import Role

RoleName = Literal["operator_admin", "site_manager", "installer", "accountant", "driver",
                   "read_only"]
assert set(get_args(RoleName)) == {r.value for r in Role}  # one list of roles
GrantRole = Literal["site_manager", "installer", "read_only"]
Name = Field(min_length=1, max_length=255)
HHMM = Field(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$", examples=["07:00"])


class OrganisationCreate(WriteModel):
    name: str = Name
    parent_id: int | None = Field(default=None, ge=1,
                                  description="Default: the caller's organisation.")


class OrganisationUpdate(WriteModel):
    name: str = Name


class OrganisationRead(ReadModel):
    id: int
    name: str
    parent_id: int | None
    created_at: UtcDatetime


class UserCreate(WriteModel):
    email: str = Field(min_length=3, max_length=255, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str | None = Field(default=None, max_length=255)
    role: RoleName = "driver"
    organisation_id: int | None = Field(default=None, ge=1,
                                        description="Default: the caller's organisation.")


class UserUpdate(WriteModel):
    name: str | None = Field(default=None, max_length=255)
    role: RoleName | None = None
    active: bool | None = None


class UserRead(ReadModel):
    id: int
    email: str
    name: str | None
    role: str
    active: bool
    organisation_id: int
    created_at: UtcDatetime


class CostCentreCreate(WriteModel):
    code: str = Field(min_length=1, max_length=64)
    name: str = Name


class CostCentreRead(ReadModel):
    id: int
    organisation_id: int
    code: str
    name: str


class GroupCreate(WriteModel):
    name: str = Name
    cost_centre_id: int | None = Field(default=None, ge=1)


class GroupRead(ReadModel):
    id: int
    organisation_id: int
    name: str
    cost_centre_id: int | None


class VehicleCreate(WriteModel):
    label: str = Name
    user_id: int | None = Field(default=None, ge=1,
                                description="The driver; a driver's own vehicle is theirs.")
    licence_plate: str | None = Field(default=None, min_length=1, max_length=32)
    vin: str | None = Field(default=None, min_length=17, max_length=17)


class VehicleRead(ReadModel):
    id: int
    organisation_id: int
    user_id: int | None
    label: str
    licence_plate: str | None
    vin: str | None
    created_at: UtcDatetime


class GrantCreate(WriteModel):
    site_id: int = Field(ge=1)
    grantee_organisation_id: int = Field(ge=1)
    role: GrantRole = "installer"


class GrantRead(ReadModel):
    id: int
    organisation_id: int
    grantee_organisation_id: int
    site_id: int
    role: str
    created_at: UtcDatetime
    revoked_at: UtcDatetime | None


class ChargingRuleCreate(WriteModel):
    group_id: int = Field(ge=1)
    site_id: int | None = Field(default=None, ge=1)
    station_id: str | None = Field(default=None, min_length=1, max_length=48)
    weekdays: str = Field(default="1111111", pattern=r"^[01]{7}$",
                          description="Seven 0/1 flags, Monday first.")
    start_time: str = HHMM
    end_time: str = HHMM


class ChargingRuleRead(ReadModel):
    id: int
    organisation_id: int
    group_id: int
    site_id: int | None
    station_id: str | None
    weekdays: str
    start_time: str
    end_time: str
    created_at: UtcDatetime


class AuditEntryRead(ReadModel):
    id: int
    at: UtcDatetime
    organisation_id: int
    user_id: int | None
    actor: str
    action: str
    resource: str
    resource_id: str | None
    result: str
    detail: dict[str, Any] | None
