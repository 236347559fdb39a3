"""What the API takes and returns for webhook endpoints and their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

EventTypeName = Literal["session.started", "session.stopped", "invoice.issued"]
DeliveryStatus = Literal["pending", "delivered", "failed"]


class WebhookEndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2048, examples=["https://erp.example.org/hooks"])
    event_types: list[EventTypeName] = Field(min_length=1)
    secret: str | None = Field(default=None, min_length=16, max_length=128,
                               description="Shared secret; generated when omitted.")
    description: str | None = Field(default=None, max_length=255)
    active: bool = True


class WebhookEndpointUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=8, max_length=2048)
    event_types: list[EventTypeName] | None = Field(default=None, min_length=1)
    description: str | None = Field(default=None, max_length=255)
    active: bool | None = None


class WebhookEndpointRead(BaseModel):
    """An endpoint without its secret (shown only when created or rotated)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int | None
    url: str
    event_types: list[str]
    active: bool
    description: str | None
    created_at: datetime
    updated_at: datetime


class WebhookEndpointWithSecret(WebhookEndpointRead):
    secret: str


class WebhookDeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    last_response: str | None
    delivered_at: datetime | None
    created_at: datetime
    body: str
