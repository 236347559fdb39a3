"""The device model a station reports (OCPP 2.0.1 NotifyReport, GetVariables results):
one row per component × variable × attribute type, as last reported."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models.base import Base
from chargegrid.store.types import UTCDateTime


class StationVariable(Base):
    """A variable attribute of a station component. Absent instance/EVSE/connector parts are
    stored as "" and 0 (not NULL) so the unique key holds on SQLite and PostgreSQL alike."""

    __tablename__ = "station_variables"
    __table_args__ = (
        UniqueConstraint("station_id", "component", "component_instance", "evse_id",
                         "connector_id", "variable", "variable_instance", "attribute_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"),
                                            index=True)
    component: Mapped[str] = mapped_column(String(50))
    component_instance: Mapped[str] = mapped_column(String(50), default="")
    evse_id: Mapped[int] = mapped_column(default=0)
    connector_id: Mapped[int] = mapped_column(default=0)
    variable: Mapped[str] = mapped_column(String(50))
    variable_instance: Mapped[str] = mapped_column(String(50), default="")
    attribute_type: Mapped[str] = mapped_column(String(8), default="Actual")
    value: Mapped[str | None] = mapped_column(Text)
    mutability: Mapped[str | None] = mapped_column(String(10))
    data_type: Mapped[str | None] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
