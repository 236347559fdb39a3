"""What the controller knows about each station right now, fed by domain events.

Pure bookkeeping with no I/O: the controller reads a consistent copy when it allocates.
EMS points are EVSEs: a two-connector station is two points on the same wiring.
"""

from __future__ import annotations

from collections import deque
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

# Recent samples kept per EVSE, to line them up with meter readings taken at other instants.
HISTORY_SAMPLES = 64

# A phase carrying more than this is one the vehicle charges on.
PHASE_DRAW_A = 1.0

# Statuses in which a vehicle is plugged in with a session that may draw current.
DRAWING_STATUSES = frozenset({"Charging", "SuspendedEV", "SuspendedEVSE", "Occupied"})


@dataclass(slots=True)
class EvseState:
    status: str | None = None
    transaction_id: int | None = None
    currents: dict[str, float] = field(default_factory=dict)
    currents_at: datetime | None = None
    history: deque[tuple[datetime, dict[str, float]]] = field(
        default_factory=lambda: deque(maxlen=HISTORY_SAMPLES))
    # Phases the session's vehicle was last seen charging on (1..3), kept while it is
    # paused: a paused 1-phase car taken for 3-phase gets a share, draws it on one phase,
    # is paused again for the unbalance, and so on, every cycle.
    phases_seen: int | None = None

    def least_between(self, start: datetime, end: datetime) -> dict[str, float]:
        """Per phase, the least of the sample in force at `start` and every later one
        stamped up to `end` ({} when none is known at `start`): a draw that dipped and came
        back within the window is not missed, one that changed after it does not count."""
        least: dict[str, float] | None = None
        later: list[dict[str, float]] = []
        # Newest first, stopping at the sample in force at `start`: every cycle does this
        # for every point, and the window is a few seconds of a history of many.
        for when, currents in reversed(self.history):
            if when <= start:
                least = dict(currents)
                break
            if when <= end:
                later.append(currents)
        if not least:
            return {}
        for currents in later:
            for phase in list(least):
                least[phase] = min(least[phase], currents.get(phase, 0.0))
        return least

    def currents_as_of(self, at: datetime) -> dict[str, float]:
        """The last sample taken at or before `at` ({} when none is known: a session that
        started since, or history too short)."""
        for when, currents in reversed(self.history):
            if when <= at:
                return currents
        return {}

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
                    evse.history.clear()
                    evse.phases_seen = None
        elif isinstance(event, PhaseCurrents):
            evse = st.evse(event.evse_id)
            evse.currents = dict(event.currents_a)
            evse.currents_at = event.at
            evse.history.append((event.at, evse.currents))
            drawing = [k for k, p in enumerate(("L1", "L2", "L3"))
                       if evse.currents.get(p, 0.0) > PHASE_DRAW_A]
            if drawing:
                evse.phases_seen = max(drawing) + 1
        return event.station_id
