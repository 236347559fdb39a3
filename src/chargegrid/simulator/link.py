"""The station's WebSocket link, for either OCPP version: connect, boot, heartbeat, back-off.

Reconnection uses exponential back-off with jitter so a fleet does not hammer a restarted
server in lock-step. Every connection starts with a BootNotification (Pending/Rejected are
retried after the interval the server gives), then the station re-announces its connectors
and the outbox is drained in order beside the heartbeat.

That life cycle is the same in 1.6 and 2.0.1, so it lives here once. A version subclasses
`Link` and supplies only what differs: the subprotocol, its ChargePoint class, the boot and
heartbeat payloads, where the heartbeat interval is configured and how statuses are
announced. `password` is an attribute rather than read from the options because 2.0.1 can
change it at run time (SecurityCtrlr.BasicAuthPassword); it applies from the next connect.
"""

from __future__ import annotations

import asyncio
import base64
import random
import ssl
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Subprotocol

from chargegrid.simulator.charge_point import StationChargePointBase
from chargegrid.simulator.v16.outbox import Outbox

ACCEPTED = "Accepted"
"""RegistrationStatus Accepted: the same string in 1.6 and 2.0.1."""

CP = TypeVar("CP", bound=StationChargePointBase)


@dataclass(frozen=True)
class ConnectionOptions:
    password: str | None = None
    ca_file: str | None = None
    response_timeout: float = 30.0
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    boot_retry: float = 10.0


class LinkAdapter(Protocol):
    """The adapter as the link sees it."""

    @property
    def station_id(self) -> str: ...

    @property
    def outbox(self) -> Outbox: ...

    def record_result(self, action: str, result: Any) -> None: ...

    def send(self, payload: Any, *, persistent: bool = False) -> asyncio.Future[Any]: ...


class Link(ABC, Generic[CP]):
    """Keeps one station connected until `close()`; `accepted` is set while booted and online."""

    subprotocol: Subprotocol

    def __init__(self, adapter: LinkAdapter, url: str, options: ConnectionOptions) -> None:
        self.url = url.rstrip("/") + "/" + adapter.station_id
        self.options = options
        self.password = options.password
        self.accepted = asyncio.Event()
        self.connected = asyncio.Event()
        self.charge_point: CP | None = None
        self.connections = 0
        self.last_error: str | None = None
        self.registration: str | None = None
        self._link_adapter = adapter
        self._ws: ClientConnection | None = None
        self._closing = False
        self._skip_backoff = False

    # -- what a version supplies ------------------------------------------------------------

    @abstractmethod
    def make_charge_point(self, ws: ClientConnection) -> CP:
        """The version's ChargePoint on a freshly opened socket."""

    @abstractmethod
    def boot_request(self) -> Any:
        """The BootNotification payload sent at the start of every connection."""

    @abstractmethod
    def booted(self, result: Any) -> None:
        """Apply an accepted BootNotification's result (heartbeat interval...) before
        the station counts as online."""

    @abstractmethod
    def announce(self) -> None:
        """Queue the status notifications that follow every accepted boot."""

    @abstractmethod
    def heartbeat_interval(self) -> float:
        """The configured heartbeat interval in seconds (0 or less: no heartbeat)."""

    @abstractmethod
    def heartbeat_request(self) -> Any:
        """The Heartbeat payload."""

    # -- life cycle -------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        if self.password is None:
            return {}
        token = base64.b64encode(f"{self._link_adapter.station_id}:{self.password}".encode())
        return {"Authorization": "Basic " + token.decode()}

    def _ssl(self) -> ssl.SSLContext | None:
        if not self.url.startswith("wss://"):
            return None
        return ssl.create_default_context(cafile=self.options.ca_file)

    async def run(self) -> None:
        delay = self.options.backoff_initial
        while not self._closing:
            try:
                async with connect(self.url, subprotocols=[self.subprotocol],
                                   additional_headers=self._headers(), ssl=self._ssl(),
                                   open_timeout=10, ping_interval=None) as ws:
                    self._ws = ws
                    self.connections += 1
                    delay = self.options.backoff_initial
                    await self._session(ws)
            except (OSError, InvalidHandshake, ConnectionClosed, TimeoutError) as err:
                self.last_error = f"{type(err).__name__}: {err}"
            finally:
                self._went_offline()
            if self._closing:
                return
            if self._skip_backoff:
                self._skip_backoff = False
                continue
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.options.backoff_max)

    def _went_offline(self) -> None:
        self._ws = None
        self.charge_point = None
        self.accepted.clear()
        self.connected.clear()
        self._link_adapter.outbox.drop_volatile()

    async def drop(self, *, reconnect_now: bool = False) -> None:
        """Close the socket (a reset, or a test simulating a network failure)."""
        self._skip_backoff = reconnect_now
        if self._ws is not None:
            await self._ws.close()

    async def close(self) -> None:
        self._closing = True
        if self._ws is not None:
            await self._ws.close()

    async def _session(self, ws: ClientConnection) -> None:
        cp = self.make_charge_point(ws)
        self.charge_point = cp
        self.connected.set()
        tasks = {asyncio.ensure_future(cp.start()), asyncio.ensure_future(self._serve(cp))}
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def boot(self, cp: CP) -> Any:
        result = await cp.call(self.boot_request(), suppress=False)
        self._link_adapter.record_result("BootNotification", result)
        self.registration = str(result.status)
        return result

    async def _serve(self, cp: CP) -> None:
        while True:
            result = await self.boot(cp)
            if result.status == ACCEPTED:
                break
            await asyncio.sleep(result.interval if result.interval > 0 else self.options.boot_retry)
        self.booted(result)
        self.accepted.set()
        self.announce()
        await asyncio.gather(self._link_adapter.outbox.drain(cp.send_call), self._heartbeat())

    async def _heartbeat(self) -> None:
        while True:
            interval = self.heartbeat_interval()
            if interval <= 0:
                await asyncio.sleep(1.0)
                continue
            await asyncio.sleep(interval)
            self._link_adapter.send(self.heartbeat_request())
