"""ADVENIR (France) export: accounts, funded charge points, derived charging operations and
the log of what was sent.

Operations are derived once from an ended transaction and then frozen: their row id is the
`TransactionID` ADVENIR sees, so a re-send after an error carries the same key and values.
Organisations do not exist yet; every table is reached through `advenir_accounts`, so an
`organisation_id` column on that one table is enough to scope everything later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models.base import Base
from chargegrid.store.types import UTCDateTime


class AdvenirAccount(Base):
    """One ADVENIR UserID with the credentials to post to its web service.

    `basic_password` is stored as given (Basic auth needs it in clear) unless it is an
    `env:NAME` reference, resolved at send time; protect the database accordingly.
    """

    __tablename__ = "advenir_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    user_id: Mapped[str] = mapped_column(String(64))
    auth_mode: Mapped[str] = mapped_column(String(16), default="basic")  # basic | certificate
    basic_user: Mapped[str | None] = mapped_column(String(255))
    basic_password: Mapped[str | None] = mapped_column(String(255))
    client_cert_path: Mapped[str | None] = mapped_column(String(1024))
    client_key_path: Mapped[str | None] = mapped_column(String(1024))
    base_url: Mapped[str] = mapped_column(String(255))
    # auto: a load curve where a charge has ≥ 3 register points, operations otherwise.
    format: Mapped[str] = mapped_column(String(16), default="auto")  # auto | operation
    enabled: Mapped[bool] = mapped_column(default=True)
    batch_size: Mapped[int] = mapped_column(Integer, default=500)
    timeout_s: Mapped[float] = mapped_column(default=60.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AdvenirStation(Base):
    """A funded charge point: our station (and EVSE, or all EVSEs when None) → the
    StationID declared to ADVENIR at installation."""

    __tablename__ = "advenir_stations"
    __table_args__ = (UniqueConstraint("station_id", "evse_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("advenir_accounts.id", ondelete="CASCADE"), index=True
    )
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    evse_id: Mapped[int | None]
    advenir_station_id: Mapped[str] = mapped_column(String(64))
    funded: Mapped[bool] = mapped_column(default=True)
    # Charges that started before this (commissioning of the funded point) are not owed.
    funded_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AdvenirSession(Base):
    """A transaction whose operations were derived (even none): derivation happens once."""

    __tablename__ = "advenir_sessions"

    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("transactions.id"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("advenir_accounts.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[str] = mapped_column(String(16))  # meter_values | start_stop | none
    operations: Mapped[int] = mapped_column(Integer)
    energy_wh: Mapped[int] = mapped_column(BigInteger)
    derived_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AdvenirOperation(Base):
    """One charging operation (a period that delivered energy) and its delivery state.

    `id` is the ADVENIR TransactionID. `state` is pending until the web service answered
    OK to a request carrying it; `format` is the format it was acknowledged (or last tried)
    in: ADVENIR counts a charge once, so it is acknowledged in one format only.
    """

    __tablename__ = "advenir_operations"
    __table_args__ = (
        UniqueConstraint("transaction_id", "seq"),
        Index("ix_advenir_operations_pending", "account_id", "state", "id"),
        Index("ix_advenir_operations_station", "account_id", "advenir_station_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("advenir_accounts.id", ondelete="CASCADE")
    )
    transaction_id: Mapped[int] = mapped_column(ForeignKey("transactions.id"))
    seq: Mapped[int] = mapped_column(Integer)
    station_id: Mapped[str] = mapped_column(String(48))
    evse_id: Mapped[int]
    advenir_station_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime] = mapped_column(UTCDateTime())
    start_wh: Mapped[int] = mapped_column(BigInteger)
    stop_wh: Mapped[int] = mapped_column(BigInteger)
    # [[unix_seconds, register_wh], ...] when the operation has ≥ 3 distinct points.
    curve: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    format: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    batch_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AdvenirBatch(Base):
    """One request to the web service, whatever came of it: the audit trail of exports."""

    __tablename__ = "advenir_batches"
    __table_args__ = (Index("ix_advenir_batches_account_time", "account_id", "sent_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("advenir_accounts.id", ondelete="CASCADE")
    )
    format: Mapped[str] = mapped_column(String(16))
    operations: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))  # ok | echec | http_error | transport
    http_status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
