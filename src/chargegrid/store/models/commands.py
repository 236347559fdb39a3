"""The audit log of every command sent to a station, whoever asked, with its outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models.base import Base
from chargegrid.store.types import UTCDateTime


class CommandRecord(Base):
    __tablename__ = "command_log"
    __table_args__ = (Index("ix_command_log_station_time", "station_id", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(48))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending → accepted | rejected | error | timeout | offline
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str | None] = mapped_column(String(128))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
