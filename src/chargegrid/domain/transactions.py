"""Transactions (charging sessions) as a sequence of events, the 2.0.1 way.

A 1.6 StartTransaction is a `Started` event, MeterValues with a transactionId are `Updated`
events, StopTransaction is `Ended`; a 2.0.1 TransactionEvent maps one to one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from chargegrid.domain.id_tokens import AuthorizationResult
from chargegrid.domain.meter import Sample


class EventType(StrEnum):
    STARTED = "Started"
    UPDATED = "Updated"
    ENDED = "Ended"


class TransactionState(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class StartRequest:
    """A station says a transaction started (possibly long ago, if it was offline)."""

    station_id: str
    evse_id: int
    connector_id: int
    id_tag: str
    meter_start_wh: int
    timestamp: datetime
    reservation_id: int | None = None


@dataclass(frozen=True, slots=True)
class StartResult:
    transaction_id: int
    authorization: AuthorizationResult
    duplicate: bool


@dataclass(frozen=True, slots=True)
class StopRequest:
    """A station says a transaction ended; `transaction_data` are the samples it carried."""

    station_id: str
    transaction_id: int
    meter_stop_wh: int
    timestamp: datetime
    id_tag: str | None = None
    reason: str | None = None
    transaction_data: list[Sample] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StopResult:
    known: bool
    authorization: AuthorizationResult | None
    energy_wh: int | None
    meter_values_energy_wh: float | None


def energy_between(meter_start_wh: int, meter_stop_wh: int) -> int:
    """Energy of a session from its register readings; a register that went back is 0, not
    negative (meter swap or reset), and is flagged by the caller's cross-check."""
    return max(0, meter_stop_wh - meter_start_wh)
