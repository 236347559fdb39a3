"""EMS data: temporary limits imposed from outside, and the per-node load history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models.base import Base
from chargegrid.store.types import UTCDateTime


class ExternalLimit(Base):
    """A temporary limit on a site's node (grid operator signal, demand response)."""

    __tablename__ = "external_limits"
    __table_args__ = (Index("ix_external_limits_site_time", "site_id", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    node_id: Mapped[str] = mapped_column(String(48))
    limit_a: Mapped[float]
    requested_value: Mapped[float]
    requested_unit: Mapped[str] = mapped_column(String(2))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NodeLoadSample(Base):
    """Per-node, per-phase load (base + EV) in one-minute buckets: mean and max."""

    __tablename__ = "node_load_samples"
    __table_args__ = (UniqueConstraint("site_id", "node_id", "bucket"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    node_id: Mapped[str] = mapped_column(String(48))
    bucket: Mapped[datetime] = mapped_column(UTCDateTime())
    l1_mean: Mapped[float]
    l2_mean: Mapped[float]
    l3_mean: Mapped[float]
    l1_max: Mapped[float]
    l2_max: Mapped[float]
    l3_max: Mapped[float]
    samples: Mapped[int]
