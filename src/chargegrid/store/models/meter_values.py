"""Every sampled value as received (raw), never rewritten: billing and ADVENIR rest on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models.base import Base
from chargegrid.store.types import UTCDateTime


class MeterValue(Base):
    __tablename__ = "meter_values"
    # Only the index a query uses: every read selects by transaction. A (station_id,
    # timestamp) index served no query and cost a third of each write batch (migration
    # 0501); add one back with the first query that needs it (or a station delete, whose
    # cascade would then scan the table).
    __table_args__ = (
        Index("ix_meter_values_tx_time", "transaction_id", "timestamp"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    evse_id: Mapped[int]
    connector_id: Mapped[int]
    transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("transactions.id", ondelete="SET NULL")
    )
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    value: Mapped[str] = mapped_column(Text)
    value_number: Mapped[float | None]
    measurand: Mapped[str] = mapped_column(String(48))
    phase: Mapped[str | None] = mapped_column(String(8))
    unit: Mapped[str | None] = mapped_column(String(16))
    context: Mapped[str] = mapped_column(String(32))
    location: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(16))
    signed_data: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
