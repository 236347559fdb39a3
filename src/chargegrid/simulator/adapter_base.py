"""What the 1.6 and 2.0.1 adapters have in common, so each keeps only its protocol's parts.

An adapter turns station-core events into OCPP messages and owns the core, the settings,
the outbox and the link. The plumbing around those is the same in both versions and is
kept here once: background tasks, start/stop, queueing a CALL, raw frames, the physics
loop that also paces the periodic meter messages, and the authorisation decision (local
pre-authorisation, asking the central system, offline policy). A version supplies its
settings' key names (`AuthKeys`) and the message payloads through the hooks below.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from chargegrid.simulator.connector import Connector, Transaction
from chargegrid.simulator.core import StationCore
from chargegrid.simulator.link import ConnectionOptions, Link
from chargegrid.simulator.local_auth import TagInfo
from chargegrid.simulator.v16.outbox import Outbox, Outgoing


@dataclass(frozen=True)
class StationOptions:
    """Everything that describes one simulated station besides its id and URL."""

    connectors: int = 2
    max_current: float = 32.0
    heartbeat_interval: int = 300
    meter_interval: float = 10.0
    vendor: str = "ChargeGrid"
    model: str = "SimCharger"
    firmware_version: str = "sim-1.0"
    status_step: float = 0.05
    # Profile purposes (1.6 names) this charger refuses, as some real ones refuse TxProfile.
    rejected_purposes: frozenset[str] = frozenset()
    # A faulty charger: it accepts charging profiles and lets the vehicle draw what it wants
    # up to the connector's rating (the controller must notice from its meter values).
    ignores_limits: bool = False
    connection: ConnectionOptions = field(default_factory=ConnectionOptions)


class Settings(Protocol):
    """1.6 configuration keys or 2.0.1 device-model variables ("Component.Variable")."""

    def get(self, key: str) -> str: ...

    def flag(self, key: str) -> bool: ...

    def number(self, key: str) -> float: ...


@dataclass(frozen=True)
class AuthKeys:
    """The names of the settings that steer `AdapterBase.authorize` in one version."""

    list_enabled: str
    pre_authorize: str
    cache_enabled: str
    authorize_offline: str
    unknown_offline: str


class AdapterBase(ABC):
    """The version-neutral half of an adapter; implements most of `station.StationAdapter`."""

    auth_keys: ClassVar[AuthKeys]
    core: StationCore
    config: Settings
    outbox: Outbox
    connection: Link[Any]

    def __init__(self, station_id: str, options: StationOptions) -> None:
        self.station_id = station_id
        self.options = options
        self.results: dict[str, Any] = {}
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.firmware_status = "Idle"
        self.reboots = 0
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- what a version supplies ------------------------------------------------------------

    @abstractmethod
    def authorize_request(self, id_tag: str) -> Any:
        """The Authorize payload for `id_tag`."""

    @abstractmethod
    def authorize_info(self, result: Any) -> TagInfo | None:
        """The tag information in an Authorize result."""

    @abstractmethod
    def meter_interval(self) -> float:
        """Seconds between periodic meter messages (read every tick: it may change)."""

    @abstractmethod
    def send_periodic(self, conn: Connector, tx: Transaction) -> None:
        """Queue the periodic meter message of a running transaction."""

    def ticked(self) -> None:
        """Called after every physics tick (2.0.1 checks for a pending OnIdle reset)."""
        return None

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def online(self) -> bool:
        return self.connection.accepted.is_set()

    @property
    def connections(self) -> int:
        return self.connection.connections

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run follow-up work in the background, keeping a reference so it is not lost."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def start(self) -> None:
        self.spawn(self.connection.run())
        self.spawn(self._meter_loop())

    async def stop(self) -> None:
        await self.connection.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def send(self, payload: Any, *, persistent: bool = False) -> asyncio.Future[Any]:
        """Queue a CALL built now; the future resolves to the CALLRESULT payload."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_observe)
        self.outbox.put(Outgoing(lambda: payload, persistent=persistent, future=future))
        return future

    async def send_raw(self, text: str, wait: float) -> str:
        cp = self.connection.charge_point
        if cp is None:
            raise ConnectionError(f"{self.station_id} is not connected")
        reply: str = await cp.send_raw(text, wait)
        return reply

    async def disconnect(self) -> None:
        await self.connection.drop()

    def record_result(self, action: str, result: Any) -> None:
        self.results[action] = result

    # -- authorisation ----------------------------------------------------------------------

    async def authorize(self, id_tag: str) -> bool:
        """Online: ask (unless LocalPreAuthorize knows the tag); offline: list, cache, policy."""
        keys = self.auth_keys
        known = self.core.auth.lookup(id_tag, use_list=self.config.flag(keys.list_enabled))
        now = self.core.clock.now()
        if known is not None and known.accepted_at(now) and self.config.flag(keys.pre_authorize):
            return True
        if self.online:
            try:
                result = await asyncio.wait_for(self.send(self.authorize_request(id_tag)),
                                                self.options.connection.response_timeout)
            except (ConnectionError, TimeoutError):
                pass
            else:
                self.record_result("Authorize", result)
                info = self.authorize_info(result)
                if info is not None and self.config.flag(keys.cache_enabled):
                    self.core.auth.remember(id_tag, info)
                return info is not None and info.status == "Accepted"
        if known is not None:
            return self.config.flag(keys.authorize_offline) and known.accepted_at(now)
        return self.config.flag(keys.unknown_offline)

    # -- physics ----------------------------------------------------------------------------

    async def _meter_loop(self) -> None:
        """Physics ticks often; periodic meter messages go out every `meter_interval()`."""
        loop = asyncio.get_running_loop()
        next_sample = loop.time() + self.meter_interval()
        while True:
            interval = self.meter_interval()
            await asyncio.sleep(max(0.01, min(interval, 1.0, next_sample - loop.time())))
            self.core.expire_reservations()
            self.core.update()
            self.ticked()
            if loop.time() >= next_sample - 1e-3:
                next_sample = loop.time() + interval
                for conn in self.core.connectors.values():
                    if conn.transaction is not None:
                        self.send_periodic(conn, conn.transaction)


def _observe(future: asyncio.Future[Any]) -> None:
    """Mark a fire-and-forget CALL's failure as seen (it is expected when going offline)."""
    if not future.cancelled():
        future.exception()
