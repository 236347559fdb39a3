"""Stations, EVSEs and connectors, modelled on OCPP 2.0.1 (station → EVSE → connector).

OCPP 1.6 maps onto it as: connector n of a 1.6 station is EVSE n with one connector (id 1);
1.6 connector 0 is the station itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RegistrationStatus(StrEnum):
    """What we answer a station's boot with; also its standing in the registry."""

    ACCEPTED = "Accepted"
    PENDING = "Pending"
    REJECTED = "Rejected"


class ConnectorStatus(StrEnum):
    """The union of 1.6 and 2.0.1 connector states; adapters map theirs onto it."""

    AVAILABLE = "Available"
    PREPARING = "Preparing"
    CHARGING = "Charging"
    SUSPENDED_EV = "SuspendedEV"
    SUSPENDED_EVSE = "SuspendedEVSE"
    FINISHING = "Finishing"
    RESERVED = "Reserved"
    UNAVAILABLE = "Unavailable"
    FAULTED = "Faulted"
    OCCUPIED = "Occupied"


@dataclass(frozen=True, slots=True)
class ConnectorRef:
    """Where on a station something happens; evse_id 0 means the station as a whole."""

    station_id: str
    evse_id: int
    connector_id: int = 1


@dataclass(frozen=True, slots=True)
class BootInfo:
    """What a station tells about itself when it boots (version-neutral)."""

    vendor: str
    model: str
    serial_number: str | None = None
    firmware_version: str | None = None
    iccid: str | None = None
    imsi: str | None = None
    meter_type: str | None = None
    meter_serial_number: str | None = None


@dataclass(frozen=True, slots=True)
class BootDecision:
    """The answer to a boot: the status and the heartbeat interval to use."""

    status: RegistrationStatus
    interval_s: int


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A connector (or the whole station, evse_id 0) changed state."""

    where: ConnectorRef
    status: ConnectorStatus
    error_code: str | None
    info: str | None
    vendor_id: str | None
    vendor_error_code: str | None
    timestamp_raw: str | None
