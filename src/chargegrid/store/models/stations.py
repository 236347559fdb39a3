"""Stations, EVSEs, connectors, their status history, configuration and reported events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models.base import Base
from chargegrid.store.models.organisations import organisation_fk
from chargegrid.store.types import UTCDateTime


class Station(Base):
    """A charging station as registered with us, and what it last told us about itself."""

    __tablename__ = "stations"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    organisation_id: Mapped[int] = organisation_fk(default=True)
    registration_status: Mapped[str] = mapped_column(String(16), default="Accepted")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    ocpp_version: Mapped[str | None] = mapped_column(String(8))
    vendor: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(64))
    serial_number: Mapped[str | None] = mapped_column(String(64))
    firmware_version: Mapped[str | None] = mapped_column(String(64))
    iccid: Mapped[str | None] = mapped_column(String(32))
    imsi: Mapped[str | None] = mapped_column(String(32))
    meter_type: Mapped[str | None] = mapped_column(String(64))
    meter_serial_number: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(24))
    error_code: Mapped[str | None] = mapped_column(String(48))
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_boot_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    connected: Mapped[bool] = mapped_column(default=False)
    local_list_version: Mapped[int | None] = mapped_column(Integer)
    firmware_status: Mapped[str | None] = mapped_column(String(32))
    diagnostics_status: Mapped[str | None] = mapped_column(String(32))
    # Where the station hangs in its site's distribution tree (the EMS's view of it).
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    node_id: Mapped[str | None] = mapped_column(String(48))
    phase_rotation: Mapped[str | None] = mapped_column(String(2))
    field_rotation: Mapped[str | None] = mapped_column(String(1))
    max_current_a: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Evse(Base):
    """An EVSE of a station (2.0.1 term); a 1.6 connector n is EVSE n."""

    __tablename__ = "evses"
    __table_args__ = (UniqueConstraint("station_id", "evse_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    evse_id: Mapped[int]
    status: Mapped[str | None] = mapped_column(String(24))
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Connector(Base):
    """A connector of an EVSE, with its live status."""

    __tablename__ = "connectors"
    __table_args__ = (UniqueConstraint("station_id", "evse_id", "connector_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    evse_id: Mapped[int]
    connector_id: Mapped[int]
    status: Mapped[str | None] = mapped_column(String(24))
    error_code: Mapped[str | None] = mapped_column(String(48))
    info: Mapped[str | None] = mapped_column(String(64))
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StatusRecord(Base):
    """Every status notification as received: the history behind the live status."""

    __tablename__ = "status_history"
    __table_args__ = (Index("ix_status_history_station_time", "station_id", "timestamp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    evse_id: Mapped[int]
    connector_id: Mapped[int]
    status: Mapped[str] = mapped_column(String(24))
    error_code: Mapped[str | None] = mapped_column(String(48))
    info: Mapped[str | None] = mapped_column(String(64))
    vendor_id: Mapped[str | None] = mapped_column(String(255))
    vendor_error_code: Mapped[str | None] = mapped_column(String(64))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StationConfigurationKey(Base):
    """A configuration key as last read from (or successfully written to) the station."""

    __tablename__ = "station_configuration"
    __table_args__ = (UniqueConstraint("station_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
    readonly: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StationEvent(Base):
    """Other station-initiated reports kept verbatim: data transfers, firmware and
    diagnostics status, security events."""

    __tablename__ = "station_events"
    __table_args__ = (Index("ix_station_events_station_time", "station_id", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(48))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
