"""The 1.6 station's link and ChargePoint: what the shared ones need to speak OCPP 1.6J.

The connect/boot/heartbeat/back-off life cycle is `simulator/link.py` and the call ordering
is `simulator/charge_point.py`, both shared with 2.0.1. Here are only the 1.6 parts: the
"ocpp1.6" subprotocol, the ChargePoint with the 1.6 handlers, the BootNotification payload,
the HeartbeatInterval configuration key and a StatusNotification for connector 0 and each
connector after every boot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ocpp.v16 import ChargePoint, call
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from chargegrid.simulator.charge_point import StationChargePointBase
from chargegrid.simulator.link import ConnectionOptions, Link
from chargegrid.simulator.v16.handlers_core import CoreHandlers
from chargegrid.simulator.v16.handlers_management import ManagementHandlers
from chargegrid.simulator.v16.handlers_smart import SmartChargingHandlers

if TYPE_CHECKING:
    from chargegrid.simulator.v16.adapter import V16Adapter

__all__ = ["Connection", "ConnectionOptions", "StationChargePoint"]


class StationChargePoint(CoreHandlers, SmartChargingHandlers, ManagementHandlers,
                         StationChargePointBase, ChargePoint):  # type: ignore[misc]
    """The shared ChargePoint base with the 1.6 handlers and the library's 1.6 schemas."""

    adapter: V16Adapter


class Connection(Link[StationChargePoint]):
    """Keeps one 1.6 station connected until `close()` (see `Link`)."""

    subprotocol = Subprotocol("ocpp1.6")

    def __init__(self, adapter: V16Adapter, url: str, options: ConnectionOptions) -> None:
        super().__init__(adapter, url, options)
        self.adapter = adapter

    def make_charge_point(self, ws: ClientConnection) -> StationChargePoint:
        return StationChargePoint(self.adapter, ws, self.options.response_timeout)

    def boot_request(self) -> call.BootNotification:
        opts = self.adapter.options
        return call.BootNotification(
            charge_point_model=opts.model, charge_point_vendor=opts.vendor,
            charge_point_serial_number=f"SN-{self.adapter.station_id}",
            firmware_version=opts.firmware_version)

    def booted(self, result: Any) -> None:
        if result.interval > 0:
            self.adapter.config.change("HeartbeatInterval", str(result.interval))

    def announce(self) -> None:
        for cid, status in self.adapter.core.statuses():
            self.adapter.send(self.adapter.status_payload(cid, status))

    def heartbeat_interval(self) -> float:
        return self.adapter.config.number("HeartbeatInterval")

    def heartbeat_request(self) -> call.Heartbeat:
        return call.Heartbeat()
