"""Domain events other parts react to (the EMS controller, webhooks, the UI)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StationConnected:
    station_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class StationDisconnected:
    station_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class StatusChanged:
    station_id: str
    evse_id: int
    status: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TransactionStarted:
    station_id: str
    evse_id: int
    transaction_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class TransactionEnded:
    station_id: str
    evse_id: int
    transaction_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class PhaseCurrents:
    """A station's measured current per station phase (L1..L3 of the station, not the grid)."""

    station_id: str
    evse_id: int
    currents_a: dict[str, float]
    at: datetime


Event = (StationConnected | StationDisconnected | StatusChanged | TransactionStarted
         | TransactionEnded | PhaseCurrents)
