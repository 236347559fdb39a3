"""Schemas for a site's live control: external limits and load history."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from chargegrid.domain.timestamps import format_timestamp


class ExternalLimitCreate(BaseModel):
    """A temporary limit; without `node_id` it applies at the connection point."""

    model_config = ConfigDict(extra="forbid")

    value: float = Field(ge=0, description="The limit, in `unit`.")
    unit: Literal["A", "kW"] = "A"
    node_id: str | None = Field(default=None, max_length=48)
    starts_at: datetime | None = None
    ends_at: datetime
    reason: str | None = Field(default=None, max_length=255)


class ExternalLimitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    node_id: str
    limit_a: float
    requested_value: float
    requested_unit: str
    starts_at: datetime
    ends_at: datetime
    source: str
    reason: str | None
    created_by: str | None
    created_at: datetime
    cancelled_at: datetime | None

    @field_serializer("starts_at", "ends_at", "created_at", "cancelled_at")
    def _utc(self, value: datetime | None) -> str | None:
        return format_timestamp(value) if value is not None else None


class NodeLoadRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    node_id: str
    bucket: datetime
    l1_mean: float
    l2_mean: float
    l3_mean: float
    l1_max: float
    l2_max: float
    l3_max: float
    samples: int

    @field_serializer("bucket")
    def _utc(self, value: datetime) -> str:
        return format_timestamp(value)


class ControlStatusRead(BaseModel):
    """What the site's controller did last: limits per point, why some are held."""

    running: bool
    cycles: int
    at: str | None
    limits_a: dict[str, float]
    offline: list[str]
    flagged: list[str]
    stale_meters: list[str]
    failed: dict[str, str]
