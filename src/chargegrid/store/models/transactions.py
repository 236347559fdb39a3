"""Transactions (sessions), the events that make them up, and reservations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models.base import Base
from chargegrid.store.types import UTCDateTime


class Transaction(Base):
    """A charging session. `id` is the integer id we issue (1.6 transactionId);
    `uid` is the protocol-neutral string id (2.0.1 transactionId, or str(id) for 1.6)."""

    __tablename__ = "transactions"
    __table_args__ = (
        UniqueConstraint("station_id", "uid"),
        Index("ix_transactions_station_state", "station_id", "state"),
        Index("ix_transactions_started_at", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(48))
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    evse_id: Mapped[int]
    connector_id: Mapped[int]
    id_tag: Mapped[str | None] = mapped_column(String(36))
    auth_status: Mapped[str | None] = mapped_column(String(16))
    stop_id_tag: Mapped[str | None] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(8), default="active")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    meter_start_wh: Mapped[int | None] = mapped_column(BigInteger)
    meter_stop_wh: Mapped[int | None] = mapped_column(BigInteger)
    energy_wh: Mapped[int | None] = mapped_column(BigInteger)
    # Energy seen in meter values (last register − first), to cross-check meterStop−meterStart.
    meter_values_energy_wh: Mapped[float | None]
    energy_mismatch: Mapped[bool] = mapped_column(default=False)
    stop_reason: Mapped[str | None] = mapped_column(String(32))
    reservation_id: Mapped[int | None]
    # Makes a retried StartTransaction (answer lost) return the same transaction.
    start_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TransactionEvent(Base):
    """One event of a transaction, in the station's own order (seq_no) and time."""

    __tablename__ = "transaction_events"
    __table_args__ = (
        UniqueConstraint("transaction_id", "seq_no"),
        Index("ix_transaction_events_tx_time", "transaction_id", "timestamp"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("transactions.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(8))
    seq_no: Mapped[int]
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    trigger_reason: Mapped[str | None] = mapped_column(String(32))
    offline: Mapped[bool] = mapped_column(default=False)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Reservation(Base):
    """A reservation we asked a station to hold."""

    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    evse_id: Mapped[int]
    id_tag: Mapped[str] = mapped_column(String(36))
    parent_id_tag: Mapped[str | None] = mapped_column(String(36))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="Requested")
    transaction_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
