"""Stations as the API shows them: registry standing, what the station told us, and the
live status of each connector."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field

from chargegrid.api.schemas.common import ReadModel, UtcDatetime, WriteModel
from chargegrid.services.stations import STATION_ID_MAX
from chargegrid.store.models import Connector, Station

RegistrationStatusName = Literal["Accepted", "Pending", "Rejected"]
# OCPP security profile 1 passwords (1.6 security whitepaper: 16..40 characters).
Password = Field(default=None, min_length=16, max_length=40,
                 description="Basic-auth password the station must present (16..40 chars).")


class StationCreate(WriteModel):
    """Register a station so it may connect."""

    id: str = Field(min_length=1, max_length=STATION_ID_MAX, pattern=r"^[^/?#\s]+$",
                    description="The id the station puts at the end of its OCPP URL.")
    password: str | None = Password
    registration_status: RegistrationStatusName = "Accepted"


class StationUpdate(WriteModel):
    """Change a station's standing or its password; absent fields stay as they are."""

    registration_status: RegistrationStatusName | None = None
    password: str | None = Password


class ConnectorRead(ReadModel):
    evse_id: int
    connector_id: int
    status: str | None
    error_code: str | None
    info: str | None
    status_at: UtcDatetime | None


class StationRead(ReadModel):
    id: str
    registration_status: str
    connected: bool
    last_seen: UtcDatetime | None = Field(
        validation_alias=AliasChoices("last_seen", "last_seen_at"))
    ocpp_version: str | None
    vendor: str | None
    model: str | None
    serial_number: str | None
    firmware_version: str | None
    status: str | None
    created_at: UtcDatetime


class StationDetail(StationRead):
    """A station with the live status of every connector it has reported."""

    error_code: str | None
    status_at: UtcDatetime | None
    last_boot_at: UtcDatetime | None
    firmware_status: str | None
    diagnostics_status: str | None
    local_list_version: int | None
    meter_type: str | None
    meter_serial_number: str | None
    connectors: list[ConnectorRead]

    @classmethod
    def of(cls, station: Station, connectors: list[Connector]) -> StationDetail:
        """Combine the station row with its connector rows."""
        fields = {name: getattr(station, name) for name in cls.model_fields
                  if name not in {"connectors", "last_seen"}}
        return cls(**fields, last_seen=station.last_seen_at,
                   connectors=[ConnectorRead.model_validate(c) for c in connectors])
