"""A connector's state, and the status a real charger would report for it.

The status is derived from facts (vehicle plugged, transaction, offered current, availability,
reservation) instead of being set by hand, so every path through the code reports the same
status a real charger would and no transition can be forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from chargegrid.simulator.profiles import Limit
from chargegrid.simulator.vehicle import VOLTAGE, Vehicle


class ConnectorStatus(StrEnum):
    AVAILABLE = "Available"
    PREPARING = "Preparing"
    CHARGING = "Charging"
    SUSPENDED_EV = "SuspendedEV"
    SUSPENDED_EVSE = "SuspendedEVSE"
    FINISHING = "Finishing"
    RESERVED = "Reserved"
    UNAVAILABLE = "Unavailable"
    FAULTED = "Faulted"


class StopReason(StrEnum):
    """Why a transaction ended (the 1.6 names; 2.0.1 maps them onto its own)."""

    LOCAL = "Local"
    REMOTE = "Remote"
    EV_DISCONNECTED = "EVDisconnected"
    DEAUTHORIZED = "DeAuthorized"
    SOFT_RESET = "SoftReset"
    HARD_RESET = "HardReset"
    UNLOCK_COMMAND = "UnlockCommand"
    POWER_LOSS = "PowerLoss"
    REBOOT = "Reboot"
    OTHER = "Other"


@dataclass
class Transaction:
    """A charging session; `transaction_id` arrives from the central system (maybe later,
    when the StartTransaction was queued offline)."""

    local_id: int
    id_tag: str
    meter_start_wh: int
    start: datetime
    reservation_id: int | None = None
    transaction_id: int | None = None
    stop_reason: StopReason | None = None


@dataclass
class Reservation:
    id: int
    id_tag: str
    expiry: datetime
    parent_id_tag: str | None = None


@dataclass
class Connector:
    id: int
    max_current: float = 32.0
    vehicle: Vehicle | None = None
    transaction: Transaction | None = None
    reservation: Reservation | None = None
    authorized_tag: str | None = None
    operative: bool = True
    inoperative_when_idle: bool = False
    faulted: bool = False
    finishing: bool = False
    energy_wh: float = 0.0
    offered: Limit = field(default_factory=lambda: Limit(32.0))
    currents: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def power_w(self) -> float:
        return sum(self.currents) * VOLTAGE

    @property
    def status(self) -> ConnectorStatus:
        """The 1.6 §4.9 status for the current facts."""
        if self.faulted:
            return ConnectorStatus.FAULTED
        if self.transaction is not None:
            if self.vehicle is None:
                return ConnectorStatus.SUSPENDED_EV
            if self.vehicle.full:
                return ConnectorStatus.SUSPENDED_EV
            if self.offered.amps < self.vehicle.min_current or sum(self.currents) == 0:
                return ConnectorStatus.SUSPENDED_EVSE
            return ConnectorStatus.CHARGING
        if not self.operative:
            return ConnectorStatus.UNAVAILABLE
        if self.vehicle is not None:
            return ConnectorStatus.FINISHING if self.finishing else ConnectorStatus.PREPARING
        if self.authorized_tag is not None:
            return ConnectorStatus.PREPARING
        if self.reservation is not None:
            return ConnectorStatus.RESERVED
        return ConnectorStatus.AVAILABLE
