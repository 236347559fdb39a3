# mypy: disallow-untyped-decorators=False
"""A minimal central system written with the `ocpp` library, to drive simulated stations.

Deliberately independent of ChargeGrid's own server so these tests check the simulator
against the library's view of OCPP 1.6, not against our server's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from typing import Any

from ocpp.charge_point import ChargePoint as BaseChargePoint
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.typing import Subprotocol


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Record:
    """Everything a station sent, in arrival order."""

    messages: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def of(self, action: str, station: str | None = None) -> list[dict[str, Any]]:
        return [p for s, a, p in self.messages if a == action and station in (None, s)]


class RecordingPoint(BaseChargePoint):  # type: ignore[misc]
    """What the 1.6 and 2.0.1 test central points share: recording, and the messages that
    are only acknowledged (their action names and empty or time-only answers are the same in
    both versions; `_call_result` is the version's module, set by the library's class)."""

    def __init__(self, station_id: str, ws: ServerConnection, central: Any) -> None:
        super().__init__(station_id, ws, response_timeout=5)
        self.central = central

    def _log(self, action: str, payload: dict[str, Any]) -> None:
        self.central.record.messages.append((self.id, action, payload))

    @on("Heartbeat")
    def on_heartbeat(self, **kw: Any) -> Any:
        self._log("Heartbeat", kw)
        return self._call_result.Heartbeat(current_time=_now())

    @on("StatusNotification")
    def on_status(self, **kw: Any) -> Any:
        self._log("StatusNotification", kw)
        return self._call_result.StatusNotification()

    @on("MeterValues")
    def on_meter(self, **kw: Any) -> Any:
        self._log("MeterValues", kw)
        return self._call_result.MeterValues()

    @on("FirmwareStatusNotification")
    def on_fw(self, **kw: Any) -> Any:
        self._log("FirmwareStatusNotification", kw)
        return self._call_result.FirmwareStatusNotification()


class CentralPoint(RecordingPoint, ChargePoint):  # type: ignore[misc]
    central: Central

    @on(Action.boot_notification)
    def on_boot(self, **kw: Any) -> call_result.BootNotification:
        self._log("BootNotification", kw)
        status = self.central.boot_status
        return call_result.BootNotification(current_time=_now(), interval=self.central.interval,
                                            status=status)

    @on(Action.authorize)
    def on_authorize(self, id_tag: str, **kw: Any) -> call_result.Authorize:
        self._log("Authorize", {"id_tag": id_tag})
        return call_result.Authorize(id_tag_info={"status": self.central.tag_status(id_tag)})

    @on(Action.start_transaction)
    def on_start(self, **kw: Any) -> call_result.StartTransaction:
        self._log("StartTransaction", kw)
        tx_id = next(self.central.tx_ids)
        return call_result.StartTransaction(
            transaction_id=tx_id, id_tag_info={"status": self.central.tag_status(kw["id_tag"])})

    @on(Action.stop_transaction)
    def on_stop(self, **kw: Any) -> call_result.StopTransaction:
        self._log("StopTransaction", kw)
        return call_result.StopTransaction(id_tag_info={"status": "Accepted"})

    @on(Action.diagnostics_status_notification)
    def on_diag(self, **kw: Any) -> call_result.DiagnosticsStatusNotification:
        self._log("DiagnosticsStatusNotification", kw)
        return call_result.DiagnosticsStatusNotification()


class Central:
    """A WebSocket server on 127.0.0.1 that can be stopped and restarted on the same port.

    `Central201` reuses the life cycle with its own subprotocol and points (`_attach`)."""

    subprotocol = Subprotocol("ocpp1.6")

    def __init__(self) -> None:
        self.record = Record()
        self.points: dict[str, CentralPoint] = {}
        self.tx_ids = count(100)
        self.boot_status = RegistrationStatus.accepted
        self.interval = 300
        self.tags = {"TAG1": AuthorizationStatus.accepted, "TAG2": AuthorizationStatus.accepted,
                     "BAD": AuthorizationStatus.blocked}
        self.port = 0
        self.paths: list[str] = []
        self.auth_headers: list[str | None] = []
        self._server: Server | None = None

    def tag_status(self, tag: str) -> AuthorizationStatus:
        return self.tags.get(tag, AuthorizationStatus.invalid)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    async def start(self) -> None:
        self._server = await serve(self._handle, "127.0.0.1", self.port,
                                   subprotocols=[self.subprotocol])
        self.port = next(iter(self._server.sockets)).getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self.points.clear()

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        path = ws.request.path
        self.paths.append(path)
        self.auth_headers.append(ws.request.headers.get("Authorization"))
        point = self._attach(path.rsplit("/", 1)[-1], ws)
        try:
            await point.start()
        except Exception:  # connection closed: the station will reconnect
            pass

    def _attach(self, station_id: str, ws: ServerConnection) -> RecordingPoint:
        point = CentralPoint(station_id, ws, self)
        self.points[point.id] = point
        return point

    async def point(self, station_id: str, timeout: float = 5.0) -> CentralPoint:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while station_id not in self.points:
            if loop.time() > deadline:
                raise TimeoutError(f"{station_id} never connected")
            await asyncio.sleep(0.01)
        return self.points[station_id]

    async def wait(self, predicate: Any, timeout: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() > deadline:
                raise TimeoutError(f"central: condition not met; got {self.record.messages[-8:]}")
            await asyncio.sleep(0.01)
