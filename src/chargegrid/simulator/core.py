"""The protocol-neutral station: connectors, vehicles, profiles and the charging loop.

A protocol adapter (e.g. `v16.adapter.V16Adapter`) turns central-system commands into calls
on `StationCore` and implements `StationEvents` to turn what happens here into messages.
Nothing in this module knows OCPP message shapes, so a 2.0.1 adapter reuses all of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import count
from typing import Protocol

from chargegrid.clock import Clock
from chargegrid.simulator.connector import (
    Connector,
    ConnectorStatus,
    Reservation,
    StopReason,
    Transaction,
)
from chargegrid.simulator.local_auth import LocalAuth
from chargegrid.simulator.profile_store import ProfileStore
from chargegrid.simulator.profiles import Limit
from chargegrid.simulator.smart_charging import TxContext, connector_limit, share_cap, station_cap
from chargegrid.simulator.vehicle import Vehicle


class StationEvents(Protocol):
    """What the core tells its protocol adapter."""

    def status_changed(self, connector_id: int, status: ConnectorStatus) -> None: ...

    def transaction_started(self, connector: Connector, tx: Transaction) -> None: ...

    def transaction_stopped(self, connector: Connector, tx: Transaction,
                            meter_stop_wh: int, when: datetime) -> None: ...

    async def authorize(self, id_tag: str) -> bool: ...


@dataclass(frozen=True)
class MeterSample:
    connector_id: int
    timestamp: datetime
    energy_wh: float
    currents: tuple[float, float, float]
    power_w: float
    soc: float | None


class StationCore:
    """All state of one simulated station; one instance per station, never shared."""

    def __init__(self, station_id: str, *, connectors: int, clock: Clock,
                 max_current: float = 32.0, events: StationEvents,
                 ignores_limits: bool = False) -> None:
        if connectors < 1:
            raise ValueError("a station needs at least one connector")
        self.station_id = station_id
        self.clock = clock
        self.ignores_limits = ignores_limits
        self.events = events
        self.connectors = {cid: Connector(cid, max_current, offered=Limit(max_current))
                           for cid in range(1, connectors + 1)}
        self.profiles = ProfileStore()
        self.auth = LocalAuth()
        self.operative = True
        self._reported: dict[int, ConnectorStatus] = {}
        self._last_update = clock.now()
        self._local_ids = count(1)

    def connector(self, connector_id: int) -> Connector:
        try:
            return self.connectors[connector_id]
        except KeyError:
            raise ValueError(f"no connector {connector_id}") from None

    def station_status(self) -> ConnectorStatus:
        return ConnectorStatus.AVAILABLE if self.operative else ConnectorStatus.UNAVAILABLE

    def statuses(self) -> Iterator[tuple[int, ConnectorStatus]]:
        """Connector 0 (the station) then every connector, for boot-time notifications."""
        yield 0, self.station_status()
        for cid, conn in self.connectors.items():
            yield cid, conn.status

    def tx_context(self, conn: Connector) -> TxContext:
        tx = conn.transaction
        return TxContext() if tx is None else TxContext(tx.transaction_id or -tx.local_id, tx.start)

    # -- the charging loop ------------------------------------------------------------------

    def update(self) -> None:
        """Integrate energy since the last update, re-apply profiles, report status changes."""
        now = self.clock.now()
        seconds = (now - self._last_update).total_seconds()
        self._last_update = now
        for conn in self.connectors.values():
            if conn.vehicle is not None and conn.transaction is not None:
                conn.energy_wh += conn.vehicle.charge(conn.currents, seconds)
        self._apply_limits(now)
        self.publish_statuses()

    def _apply_limits(self, now: datetime) -> None:
        pool = self.profiles.profiles
        demands: dict[int, float] = {}
        for conn in self.connectors.values():
            own = connector_limit(pool, conn.id, now, self.tx_context(conn))
            conn.offered = Limit(conn.max_current)
            if not self.ignores_limits:
                conn.offered = conn.offered.capped(own)
            if conn.vehicle is not None and conn.transaction is not None:
                demands[conn.id] = max(conn.vehicle.draw(conn.offered.amps, conn.offered.phases))
        cap = None if self.ignores_limits else station_cap(pool, now)
        if cap is not None:
            shares = share_cap(cap.amps, demands)
            for conn in self.connectors.values():
                share = shares.get(conn.id, cap.amps)
                conn.offered = conn.offered.capped(Limit(share, cap.phases))
        for conn in self.connectors.values():
            charging = conn.vehicle is not None and conn.transaction is not None
            conn.currents = (conn.vehicle.draw(conn.offered.amps, conn.offered.phases)
                             if charging and conn.vehicle is not None else (0.0, 0.0, 0.0))

    def publish_statuses(self) -> None:
        for cid, status in self.statuses():
            if self._reported.get(cid) != status:
                self._reported[cid] = status
                self.events.status_changed(cid, status)

    def sample(self, connector_id: int) -> MeterSample:
        conn = self.connector(connector_id)
        soc = conn.vehicle.soc if conn.vehicle is not None else None
        return MeterSample(connector_id, self.clock.now(), conn.energy_wh, conn.currents,
                           conn.power_w, soc)

    # -- driver actions ---------------------------------------------------------------------

    def plug_in(self, connector_id: int, vehicle: Vehicle) -> None:
        conn = self.connector(connector_id)
        if conn.vehicle is not None:
            raise ValueError(f"connector {connector_id} already has a vehicle")
        conn.vehicle = vehicle
        conn.finishing = False
        if conn.authorized_tag is not None and conn.transaction is None:
            self.start_transaction(connector_id, conn.authorized_tag)
        self.update()

    def unplug(self, connector_id: int) -> None:
        conn = self.connector(connector_id)
        self.update()
        conn.vehicle = None
        if conn.transaction is not None:
            self.stop_transaction(connector_id, StopReason.EV_DISCONNECTED)
        conn.finishing = False
        self._settle_availability(conn)
        self.update()

    async def present_tag(self, connector_id: int, id_tag: str) -> bool:
        """Swipe a card: stops the running transaction of that tag, else authorises and starts."""
        conn = self.connector(connector_id)
        if conn.transaction is not None:
            if conn.transaction.id_tag == id_tag:
                self.stop_transaction(connector_id, StopReason.LOCAL)
                return True
            return False
        if conn.reservation is not None and conn.reservation.id_tag != id_tag:
            return False
        if not await self.events.authorize(id_tag):
            return False
        conn.authorized_tag = id_tag
        if conn.vehicle is not None:
            self.start_transaction(connector_id, id_tag)
        self.update()
        return True

    def start_transaction(self, connector_id: int, id_tag: str) -> Transaction:
        conn = self.connector(connector_id)
        self.update()
        reservation_id = conn.reservation.id if conn.reservation is not None else None
        tx = Transaction(next(self._local_ids), id_tag, round(conn.energy_wh), self.clock.now(),
                         reservation_id=reservation_id)
        conn.transaction, conn.authorized_tag, conn.reservation = tx, None, None
        self.events.transaction_started(conn, tx)
        self.update()
        return tx

    def stop_transaction(self, connector_id: int, reason: StopReason) -> Transaction | None:
        conn = self.connector(connector_id)
        tx = conn.transaction
        if tx is None:
            return None
        self.update()
        tx.stop_reason = reason
        conn.transaction = None
        conn.currents = (0.0, 0.0, 0.0)
        conn.finishing = conn.vehicle is not None
        self.profiles.end_transaction(connector_id)
        self.events.transaction_stopped(conn, tx, round(conn.energy_wh), self.clock.now())
        self._settle_availability(conn)
        self.update()
        return tx

    # -- central-system requests (protocol-neutral form) -----------------------------------

    def free_connector(self) -> int | None:
        for cid, conn in self.connectors.items():
            if conn.status in (ConnectorStatus.AVAILABLE, ConnectorStatus.PREPARING) \
                    and conn.transaction is None and conn.reservation is None:
                return cid
        return None

    def remote_start(self, connector_id: int | None, id_tag: str) -> int | None:
        """Prepare (or start, if a car is plugged) a transaction; the connector used or None."""
        cid = connector_id if connector_id is not None else self.free_connector()
        if cid is None or cid not in self.connectors:
            return None
        conn = self.connectors[cid]
        if conn.transaction is not None or not conn.operative or conn.faulted:
            return None
        if conn.reservation is not None and conn.reservation.id_tag != id_tag:
            return None
        conn.authorized_tag = id_tag
        if conn.vehicle is not None:
            self.start_transaction(cid, id_tag)
        self.update()
        return cid

    def transaction_connector(self, transaction_id: int) -> int | None:
        for cid, conn in self.connectors.items():
            if conn.transaction is not None and conn.transaction.transaction_id == transaction_id:
                return cid
        return None

    def set_availability(self, connector_id: int, operative: bool) -> bool:
        """True if applied now, False if scheduled for the end of a running transaction."""
        targets = list(self.connectors.values()) if connector_id == 0 \
            else [self.connector(connector_id)]
        if connector_id == 0:
            self.operative = operative
        scheduled = False
        for conn in targets:
            if conn.transaction is not None and not operative:
                conn.inoperative_when_idle, scheduled = True, True
            else:
                conn.operative, conn.inoperative_when_idle = operative, False
        self.update()
        return not scheduled

    def _settle_availability(self, conn: Connector) -> None:
        if conn.inoperative_when_idle and conn.transaction is None:
            conn.operative, conn.inoperative_when_idle = False, False

    def reserve(self, connector_id: int, reservation: Reservation) -> str:
        """ReserveNow outcome: Accepted, Occupied, Faulted, Unavailable or Rejected."""
        targets = [self.connector(connector_id)] if connector_id else list(self.connectors.values())
        for conn in targets:
            if conn.faulted:
                return "Faulted"
            if not conn.operative:
                return "Unavailable"
            if conn.status is ConnectorStatus.AVAILABLE or (
                    conn.reservation is not None and conn.reservation.id == reservation.id):
                conn.reservation = reservation
                self.update()
                return "Accepted"
        return "Occupied"

    def cancel_reservation(self, reservation_id: int) -> bool:
        for conn in self.connectors.values():
            if conn.reservation is not None and conn.reservation.id == reservation_id:
                conn.reservation = None
                self.update()
                return True
        return False

    def expire_reservations(self) -> None:
        now = self.clock.now()
        for conn in self.connectors.values():
            if conn.reservation is not None and conn.reservation.expiry <= now:
                conn.reservation = None

    def reboot(self) -> None:
        """Forget what a reboot forgets: transactions are stopped by the caller first."""
        for conn in self.connectors.values():
            conn.authorized_tag = None
            conn.reservation = None
            conn.finishing = False
        self._reported.clear()
