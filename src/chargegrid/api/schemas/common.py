"""Types shared by every domain's schemas: UTC timestamps out, aware timestamps in, bounded
pagination."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    PlainSerializer,
    WithJsonSchema,
)

from chargegrid.domain.timestamps import format_timestamp
from chargegrid.services.stations import STATION_ID_MAX


def _to_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# Every timestamp we return is UTC ISO 8601 ending in Z, like the OCPP side sends.
UtcDatetime = Annotated[
    datetime, PlainSerializer(format_timestamp, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time", "example": "2026-01-01T10:00:00.000Z"},
                   mode="serialization"),
]
# Input timestamps must carry an offset (a naive one is ambiguous); stored as UTC.
AwareUtcDatetime = Annotated[
    AwareDatetime, AfterValidator(_to_utc),
    PlainSerializer(format_timestamp, return_type=str, when_used="json"),
]

Limit = Annotated[int, Query(ge=1, le=500, description="Page size (1..500).")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")]
StationIdPath = Annotated[str, Path(min_length=1, max_length=STATION_ID_MAX)]


class ReadModel(BaseModel):
    """Responses are read straight from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


class WriteModel(BaseModel):
    """Request bodies refuse unknown fields: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid")
