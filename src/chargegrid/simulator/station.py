"""`SimulatedStation`: the Python API tests, demos and benchmarks drive.

The facade is protocol-neutral: it picks an adapter by OCPP version ("1.6" → `v16`,
"2.0.1" → `v201`, both implementing the `StationAdapter` protocol) and exposes the driver's
view (plug in, swipe a tag, unplug) plus introspection for assertions.

Example::

    async with SimulatedStation("SIM1", "ws://127.0.0.1:9000/ocpp", meter_interval=0.1) as st:
        await st.wait_online()
        await st.plug_in(1, Vehicle(phases=3, max_current=16))
        await st.present_tag(1, "TAG1")
        await st.wait_for(lambda s: s.transaction_id(1) is not None)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from chargegrid.clock import Clock, SystemClock
from chargegrid.simulator.adapter_base import StationOptions
from chargegrid.simulator.connector import ConnectorStatus, StopReason
from chargegrid.simulator.core import StationCore
from chargegrid.simulator.link import ConnectionOptions
from chargegrid.simulator.profiles import ChargingProfile, Limit
from chargegrid.simulator.v16.adapter import V16Adapter
from chargegrid.simulator.v16.outbox import Outbox
from chargegrid.simulator.v201.adapter import V201Adapter
from chargegrid.simulator.vehicle import Vehicle

SUPPORTED_VERSIONS = ("1.6", "2.0.1")


class Settings(Protocol):
    """Configuration keys (1.6) or device-model variables (2.0.1, "Component.Variable")."""

    def get(self, key: str) -> str: ...


class StationAdapter(Protocol):
    """What a protocol version provides to the facade."""

    results: dict[str, Any]
    received: list[tuple[str, dict[str, Any]]]
    outbox: Outbox

    @property
    def core(self) -> StationCore: ...

    @property
    def config(self) -> Settings: ...

    @property
    def online(self) -> bool: ...

    @property
    def connections(self) -> int: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send_raw(self, text: str, wait: float) -> str: ...

    async def disconnect(self) -> None: ...


class SimulatedStation:
    """One simulated charging station with `connectors` connectors."""

    def __init__(self, station_id: str, url: str, connectors: int = 2,
                 password: str | None = None, *, ocpp: str = "1.6", clock: Clock | None = None,
                 meter_interval: float = 10.0, heartbeat_interval: int = 300,
                 max_current: float = 32.0, ca_file: str | None = None,
                 response_timeout: float = 30.0, backoff_initial: float = 1.0,
                 backoff_max: float = 60.0, vendor: str = "ChargeGrid",
                 model: str = "SimCharger",
                 reject_profile_purposes: tuple[str, ...] = (),
                 ignores_limits: bool = False) -> None:
        if ocpp not in SUPPORTED_VERSIONS:
            raise ValueError(f"OCPP {ocpp} is not supported by the simulator "
                             f"(use one of {', '.join(SUPPORTED_VERSIONS)})")
        if meter_interval <= 0:
            raise ValueError("meter_interval must be positive")
        self.station_id = station_id
        options = StationOptions(
            connectors=connectors, max_current=max_current,
            heartbeat_interval=heartbeat_interval, meter_interval=meter_interval,
            vendor=vendor, model=model, rejected_purposes=frozenset(reject_profile_purposes),
            ignores_limits=ignores_limits,
            connection=ConnectionOptions(password=password, ca_file=ca_file,
                                         response_timeout=response_timeout,
                                         backoff_initial=backoff_initial,
                                         backoff_max=backoff_max))
        self.ocpp = ocpp
        self.adapter: StationAdapter
        if ocpp == "2.0.1":
            self.adapter = V201Adapter(station_id, url, options, clock or SystemClock())
        else:
            self.adapter = V16Adapter(station_id, url, options, clock or SystemClock())
        self._started = False

    async def __aenter__(self) -> SimulatedStation:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    @property
    def core(self) -> StationCore:
        return self.adapter.core

    async def start(self) -> None:
        """Connect (in the background, with back-off) and keep charging."""
        if not self._started:
            self._started = True
            await self.adapter.start()

    async def stop(self) -> None:
        """Close the connection and stop all background work (transactions stay open)."""
        if self._started:
            self._started = False
            await self.adapter.stop()

    # -- driver actions ---------------------------------------------------------------------

    async def plug_in(self, connector_id: int, vehicle: Vehicle) -> None:
        self.core.plug_in(connector_id, vehicle)

    async def present_tag(self, connector_id: int, id_tag: str) -> bool:
        """Authorise `id_tag` and start (or, if it owns the transaction, stop) charging."""
        return await self.core.present_tag(connector_id, id_tag)

    async def unplug(self, connector_id: int) -> None:
        self.core.unplug(connector_id)

    async def stop_locally(self, connector_id: int,
                           reason: StopReason = StopReason.LOCAL) -> None:
        self.core.stop_transaction(connector_id, reason)

    def set_fault(self, connector_id: int, faulted: bool = True) -> None:
        self.core.connector(connector_id).faulted = faulted
        self.core.update()

    async def disconnect(self) -> None:
        """Drop the WebSocket as a network failure would; the station reconnects itself."""
        await self.adapter.disconnect()

    async def send_raw(self, text: str, timeout: float = 5.0) -> str:  # noqa: ASYNC109
        """Send a raw OCPP-J frame and return the raw reply frame."""
        return await self.adapter.send_raw(text, timeout)

    async def wait_for(self, predicate: Callable[[SimulatedStation], bool],
                       timeout: float = 5.0,  # noqa: ASYNC109 (a deadline per wait)
                       interval: float = 0.01) -> None:
        """Wait until `predicate(self)` holds; TimeoutError (with the station state) if not."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate(self):
            if loop.time() >= deadline:
                raise TimeoutError(f"{self.station_id}: condition not met in {timeout}s; "
                                   f"{self.describe()}")
            await asyncio.sleep(interval)

    async def wait_online(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        await self.wait_for(lambda s: s.online, timeout)

    # -- introspection ----------------------------------------------------------------------

    @property
    def online(self) -> bool:
        """Connected and accepted by the central system."""
        return self.adapter.online

    @property
    def connections(self) -> int:
        """How many times the station has connected (reconnects included)."""
        return self.adapter.connections

    @property
    def results(self) -> dict[str, Any]:
        """The last CALLRESULT payload received per action sent (e.g. 'BootNotification')."""
        return self.adapter.results

    @property
    def received_calls(self) -> list[tuple[str, dict[str, Any]]]:
        """Every CALL the central system sent, as (action, camelCase payload)."""
        return self.adapter.received

    @property
    def profiles(self) -> tuple[ChargingProfile, ...]:
        return self.core.profiles.profiles

    @property
    def queued(self) -> int:
        """Transaction messages waiting for delivery (offline queue)."""
        return self.adapter.outbox.pending_persistent

    def configuration(self, key: str) -> str:
        """A 1.6 configuration key, or a 2.0.1 variable as "Component.Variable"
        (e.g. "SampledDataCtrlr.TxUpdatedInterval", "EVSE[1].AvailabilityState")."""
        return self.adapter.config.get(key)

    def status(self, connector_id: int) -> ConnectorStatus:
        if connector_id == 0:
            return self.core.station_status()
        return self.core.connector(connector_id).status

    def transaction_id(self, connector_id: int) -> int | None:
        """The 1.6 transaction id the central system gave; always None under 2.0.1
        (see `transaction_uid`)."""
        tx = self.core.connector(connector_id).transaction
        return tx.transaction_id if tx is not None else None

    def transaction_uid(self, connector_id: int) -> str | None:
        """The 2.0.1 transactionId (generated by the station) of the connector's (EVSE's)
        running transaction; always None under 1.6 (see `transaction_id`)."""
        if isinstance(self.adapter, V201Adapter):
            return self.adapter.transaction_uid(connector_id)
        return None

    def has_transaction(self, connector_id: int) -> bool:
        """A transaction runs on the connector (either version; ids may still be pending)."""
        return self.core.connector(connector_id).transaction is not None

    def offered_limit(self, connector_id: int) -> Limit:
        return self.core.connector(connector_id).offered

    def currents(self, connector_id: int) -> tuple[float, float, float]:
        """Drawn current per phase L1, L2, L3 in A."""
        return self.core.connector(connector_id).currents

    def energy_wh(self, connector_id: int) -> float:
        return self.core.connector(connector_id).energy_wh

    def describe(self) -> str:
        parts = [f"online={self.online}"]
        for cid, conn in self.core.connectors.items():
            tx: int | str | None = conn.transaction.transaction_id if conn.transaction else None
            if tx is None:
                tx = self.transaction_uid(cid)
            parts.append(f"c{cid}={conn.status.value} tx={tx} "
                         f"A={tuple(round(a, 1) for a in conn.currents)}")
        return " ".join(parts)
