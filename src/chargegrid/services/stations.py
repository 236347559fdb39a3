"""The station registry: who may connect, what they told us, and their live status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from chargegrid.domain.stations import (
    BootDecision,
    BootInfo,
    ConnectorStatus,
    RegistrationStatus,
    StatusReport,
)
from chargegrid.domain.timestamps import parse_timestamp
from chargegrid.errors import ConflictError, InvalidInputError, NotFoundError
from chargegrid.services.secrets import hash_password, verify_password
from chargegrid.store.models import Connector, Evse, Station, StationEvent, StatusRecord
from chargegrid.store.models.organisations import DEFAULT_ORGANISATION_ID

UnknownPolicy = Literal["reject", "pending", "accept"]
STATION_ID_MAX = 48


@dataclass(frozen=True, slots=True)
class AdmissionDecision:
    """Whether a WebSocket connection for a station id may be opened, and why not."""

    allowed: bool
    reason: str = ""
    http_status: int = 200


def validate_station_id(station_id: str) -> str:
    """Station ids travel in URLs and logs: printable, no slash, bounded length."""
    if not station_id or len(station_id) > STATION_ID_MAX:
        raise InvalidInputError(f"station_id: must be 1..{STATION_ID_MAX} characters")
    if any(c in station_id for c in "/?#") or not station_id.isprintable():
        raise InvalidInputError("station_id: must be printable and contain no '/', '?' or '#'")
    return station_id


def get(session: Session, *, station_id: str) -> Station | None:
    """Return the station or None."""
    return session.get(Station, station_id)


def get_or_raise(session: Session, *, station_id: str) -> Station:
    """Return the station or raise NotFoundError."""
    station = session.get(Station, station_id)
    if station is None:
        raise NotFoundError(f"station {station_id!r} is not registered")
    return station


def list_all(session: Session) -> list[Station]:
    """All stations, by id."""
    return list(session.scalars(select(Station).order_by(Station.id)))


def create(
    session: Session,
    *,
    station_id: str,
    now: datetime,
    password: str | None = None,
    registration_status: RegistrationStatus = RegistrationStatus.ACCEPTED,
    organisation_id: int = DEFAULT_ORGANISATION_ID,
) -> Station:
    """Register a station so it may connect; it belongs to `organisation_id`."""
    validate_station_id(station_id)
    if session.get(Station, station_id) is not None:
        raise ConflictError(f"station {station_id!r} is already registered")
    if password is not None and not 16 <= len(password) <= 40:
        raise InvalidInputError("password: must be 16 to 40 characters (OCPP security profile 1)")
    station = Station(
        id=station_id,
        registration_status=registration_status.value,
        password_hash=hash_password(password) if password else None,
        created_at=now,
        organisation_id=organisation_id,
    )
    session.add(station)
    session.flush()
    return station


def update(
    session: Session,
    *,
    station_id: str,
    registration_status: RegistrationStatus | None = None,
    password: str | None = None,
) -> Station:
    """Change a station's standing or its Basic-auth password."""
    station = get_or_raise(session, station_id=station_id)
    if registration_status is not None:
        station.registration_status = registration_status.value
    if password is not None:
        check_password(password)
        station.password_hash = hash_password(password)
    session.flush()
    return station


def check_password(password: str) -> None:
    """Security profiles 1-2: a Basic-auth password of 16 to 40 characters."""
    if not 16 <= len(password) <= 40:
        raise InvalidInputError("password: must be 16 to 40 characters")


def admit_connection(
    session: Session,
    *,
    station_id: str,
    password: str | None,
    policy: UnknownPolicy,
    require_auth: bool,
    now: datetime,
) -> AdmissionDecision:
    """Decide on a WebSocket upgrade: known station with the right password, or an unknown
    one under a commissioning policy (registered as pending, or accepted in a demo)."""
    try:
        validate_station_id(station_id)
    except InvalidInputError as err:
        return AdmissionDecision(False, err.message, 400)
    station = session.get(Station, station_id)
    if station is None:
        if policy == "reject":
            return AdmissionDecision(False, f"unknown station {station_id!r}", 404)
        status = RegistrationStatus.PENDING if policy == "pending" else RegistrationStatus.ACCEPTED
        session.add(Station(id=station_id, registration_status=status.value, created_at=now))
        session.flush()
        return AdmissionDecision(True)
    if station.password_hash is not None:
        if password is None or not verify_password(station.password_hash, password):
            return AdmissionDecision(False, "wrong or missing Basic auth credentials", 401)
    elif require_auth:
        return AdmissionDecision(False, "station has no password but Basic auth is required", 401)
    return AdmissionDecision(True)


def record_boot(
    session: Session, *, station_id: str, info: BootInfo, ocpp_version: str, now: datetime,
    interval_s: int,
) -> BootDecision:
    """Store what the station says about itself and answer with its registry standing."""
    station = get_or_raise(session, station_id=station_id)
    station.vendor = info.vendor
    station.model = info.model
    station.serial_number = info.serial_number
    station.firmware_version = info.firmware_version
    station.iccid = info.iccid
    station.imsi = info.imsi
    station.meter_type = info.meter_type
    station.meter_serial_number = info.meter_serial_number
    station.ocpp_version = ocpp_version
    station.last_boot_at = now
    station.last_seen_at = now
    return BootDecision(RegistrationStatus(station.registration_status), interval_s)


def record_heartbeat(session: Session, *, station_id: str, now: datetime) -> None:
    station = get_or_raise(session, station_id=station_id)
    station.last_seen_at = now


def set_connected(session: Session, *, station_id: str, connected: bool, now: datetime,
                  ocpp_version: str | None = None) -> None:
    """Mark the live link up or down (shown in the API, used by the command path)."""
    station = session.get(Station, station_id)
    if station is None:
        return
    station.connected = connected
    station.last_seen_at = now
    if ocpp_version:
        station.ocpp_version = ocpp_version


def record_status(session: Session, *, report: StatusReport, now: datetime) -> None:
    """Keep the history and update the live status of the station, EVSE and connector."""
    where = report.where
    station = get_or_raise(session, station_id=where.station_id)
    when = parse_timestamp(report.timestamp_raw) if report.timestamp_raw else now
    session.add(
        StatusRecord(
            station_id=where.station_id, evse_id=where.evse_id, connector_id=where.connector_id,
            status=report.status.value, error_code=report.error_code, info=report.info,
            vendor_id=report.vendor_id, vendor_error_code=report.vendor_error_code,
            timestamp=when, received_at=now,
        )
    )
    if where.evse_id == 0:
        if station.status_at is None or station.status_at <= when:
            station.status, station.error_code, station.status_at = (
                report.status.value, report.error_code, when
            )
        return
    evse = session.scalars(
        select(Evse).where(Evse.station_id == where.station_id, Evse.evse_id == where.evse_id)
    ).one_or_none()
    if evse is None:
        evse = Evse(station_id=where.station_id, evse_id=where.evse_id)
        session.add(evse)
    connector = session.scalars(
        select(Connector).where(
            Connector.station_id == where.station_id,
            Connector.evse_id == where.evse_id,
            Connector.connector_id == where.connector_id,
        )
    ).one_or_none()
    if connector is None:
        connector = Connector(
            station_id=where.station_id, evse_id=where.evse_id, connector_id=where.connector_id
        )
        session.add(connector)
    # A late (offline-buffered) notification must not overwrite a newer state.
    if connector.status_at is None or connector.status_at <= when:
        connector.status = report.status.value
        connector.error_code = report.error_code
        connector.info = report.info
        connector.status_at = when
        evse.status, evse.status_at = report.status.value, when


def record_event(
    session: Session, *, station_id: str, kind: str, payload: dict[str, Any], now: datetime
) -> None:
    """Keep a station-initiated report verbatim (DataTransfer, firmware/diagnostics status)."""
    station = get_or_raise(session, station_id=station_id)
    if kind == "FirmwareStatusNotification":
        station.firmware_status = str(payload.get("status"))
    elif kind == "DiagnosticsStatusNotification":
        station.diagnostics_status = str(payload.get("status"))
    session.add(StationEvent(station_id=station_id, kind=kind, payload=payload, received_at=now))


def connectors_of(session: Session, *, station_id: str) -> list[Connector]:
    return list(
        session.scalars(
            select(Connector)
            .where(Connector.station_id == station_id)
            .order_by(Connector.evse_id, Connector.connector_id)
        )
    )


def is_charging_status(status: str | None) -> bool:
    return status in {ConnectorStatus.CHARGING.value, ConnectorStatus.SUSPENDED_EV.value,
                      ConnectorStatus.SUSPENDED_EVSE.value}


def list_paged(session: Session, *, limit: int, offset: int = 0,
               where: ColumnElement[bool] | None = None) -> list[Station]:
    """One page of stations, by id (the REST list), restricted by `where` (the caller's
    scope, services.scoping)."""
    query = select(Station) if where is None else select(Station).where(where)
    return list(session.scalars(query.order_by(Station.id).limit(limit).offset(offset)))
