"""What the controller knows about each station right now, fed by domain events.

Pure bookkeeping with no I/O: the controller reads a consistent copy when it allocates.
EMS points are EVSEs: a two-connector station is two points on the same wiring.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chargegrid.bus.events import (
    Event,
    PhaseCurrents,
    StationConnected,
    StationDisconnected,
    StatusChanged,
    TransactionEnded,
    TransactionStarted,
)

# Statuses in which a vehicle is plugged in with a session that may draw current.
DRAWING_STATUSES = frozenset({"Charging", "SuspendedEV", "SuspendedEVSE", "Occupied"})


@dataclass(slots=True)
class EvseState:
    status: str | None = None
    transaction_id: int | None = None
    currents: dict[str, float] = field(default_factory=dict)
    currents_at: datetime | None = None

    @property
    def in_session(self) -> bool:
        return self.transaction_id is not None and (
            self.status is None or self.status in DRAWING_STATUSES)


@dataclass(slots=True)
class StationState:
    connected: bool = False
    evses: dict[int, EvseState] = field(default_factory=dict)

    def evse(self, evse_id: int) -> EvseState:
        return self.evses.setdefault(evse_id, EvseState())


class LiveState:
    """Station states by id; `apply` returns the station an event concerns (or None)."""

    def __init__(self) -> None:
        self.stations: dict[str, StationState] = {}

    def station(self, station_id: str) -> StationState:
        return self.stations.setdefault(station_id, StationState())

    def apply(self, event: Event) -> str | None:
        st = self.station(event.station_id)
        if isinstance(event, StationConnected):
            st.connected = True
        elif isinstance(event, StationDisconnected):
            st.connected = False
        elif isinstance(event, StatusChanged):
            if event.evse_id == 0:
                return event.station_id
            st.evse(event.evse_id).status = event.status
        elif isinstance(event, TransactionStarted):
            st.evse(event.evse_id).transaction_id = event.transaction_id
        elif isinstance(event, TransactionEnded):
            for evse in st.evses.values():
                if evse.transaction_id == event.transaction_id:
                    evse.transaction_id = None
                    evse.currents = {}
        elif isinstance(event, PhaseCurrents):
            evse = st.evse(event.evse_id)
            evse.currents = dict(event.currents_a)
            evse.currents_at = event.at
        return event.station_id
