"""Webhook endpoints (where to send which events) and deliveries (the outbox).

A delivery row is written before anything is sent, in the same transaction as the change it
reports where the caller has one; the worker only ever sends what is stored, so a restart
resumes where it stopped and nothing is sent that was not committed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models.base import Base
from chargegrid.store.types import UTCDateTime


class WebhookEndpoint(Base):
    """A receiver: its URL, the shared secret it verifies signatures with, what it wants."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Events of this organisation only; None: every organisation (operator-wide receivers).
    # No foreign key: this table's revision does not depend on the accounts revision.
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    url: Mapped[str] = mapped_column(String(2048))
    # Kept in clear: we need it to sign. Shown once at creation, rotated by an update.
    secret: Mapped[str] = mapped_column(String(128))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebhookDelivery(Base):
    """One event for one endpoint. `event_id` is the same for every endpoint receiving the
    event and across retries, so receivers can drop duplicates."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(64))
    # The exact bytes signed and sent (UTF-8 JSON), so every retry sends the same body.
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(512))
    last_response: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
