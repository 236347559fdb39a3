"""The event types a receiver may subscribe to, and the JSON envelope they travel in."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

SESSION_STARTED = "session.started"
SESSION_STOPPED = "session.stopped"
INVOICE_ISSUED = "invoice.issued"
PING = "ping"
# What endpoints may subscribe to; `ping` is only ever sent by the test-ping route.
EVENT_TYPES: tuple[str, ...] = (SESSION_STARTED, SESSION_STOPPED, INVOICE_ISSUED)


def _json_default(value: Any) -> Any:
    """Money stays exact (a string, never a float); times are ISO 8601 UTC with `Z`."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime in a webhook payload: {value!r}")
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    raise TypeError(f"not JSON serialisable in a webhook payload: {type(value).__name__}")


def envelope(*, event_id: str, event_type: str, created_at: datetime,
             data: dict[str, Any]) -> str:
    """The body every delivery carries: `{"id", "type", "created_at", "data"}`, compact and
    with sorted keys so the same event always has the same bytes."""
    return json.dumps({"id": event_id, "type": event_type, "created_at": created_at,
                       "data": data}, default=_json_default, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)
