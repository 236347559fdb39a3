"""The 2.0.1 station's link and ChargePoint: what the shared ones need to speak OCPP 2.0.1.

The connect/boot/heartbeat/back-off life cycle is `simulator/link.py` and the call ordering
is `simulator/charge_point.py`, both shared with 1.6. Here are only the 2.0.1 parts: the
"ocpp2.0.1" subprotocol, the ChargePoint with the 2.0.1 handlers, the BootNotification
payload with its reason (PowerUp again once a boot is accepted), the
OCPPCommCtrlr.HeartbeatInterval variable and one StatusNotification per EVSE connector.
The Basic auth password (`Link.password`) is changed by SetVariables of
SecurityCtrlr.BasicAuthPassword and used from the next (re)connect on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ocpp.v201 import ChargePoint, call, datatypes, enums
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from chargegrid.simulator.charge_point import StationChargePointBase
from chargegrid.simulator.link import ConnectionOptions, Link
from chargegrid.simulator.v201.handlers_core import CoreHandlers
from chargegrid.simulator.v201.handlers_device import DeviceModelHandlers
from chargegrid.simulator.v201.handlers_smart import SmartChargingHandlers

if TYPE_CHECKING:
    from chargegrid.simulator.v201.adapter import V201Adapter

SUBPROTOCOL = Subprotocol("ocpp2.0.1")


class StationChargePoint201(CoreHandlers, DeviceModelHandlers,
                            SmartChargingHandlers, StationChargePointBase, ChargePoint):  # type: ignore[misc]
    """The shared ChargePoint base with the 2.0.1 handlers and the library's v201 schemas."""

    adapter: V201Adapter


class Connection201(Link[StationChargePoint201]):
    """Keeps one 2.0.1 station connected until `close()` (see `Link`)."""

    subprotocol = SUBPROTOCOL

    def __init__(self, adapter: V201Adapter, url: str, options: ConnectionOptions) -> None:
        super().__init__(adapter, url, options)
        self.adapter = adapter

    def make_charge_point(self, ws: ClientConnection) -> StationChargePoint201:
        return StationChargePoint201(self.adapter, ws, self.options.response_timeout)

    def boot_payload(self, reason: enums.BootReasonEnumType) -> call.BootNotification:
        opts = self.adapter.options
        return call.BootNotification(
            charging_station=datatypes.ChargingStationType(
                model=opts.model, vendor_name=opts.vendor,
                serial_number=f"SN-{self.adapter.station_id}",
                firmware_version=opts.firmware_version),
            reason=reason)

    def boot_request(self) -> call.BootNotification:
        return self.boot_payload(self.adapter.boot_reason)

    def booted(self, result: Any) -> None:
        self.adapter.boot_reason = enums.BootReasonEnumType.power_up
        if result.interval > 0:
            heartbeat = self.adapter.config.find("OCPPCommCtrlr", "HeartbeatInterval")
            if heartbeat is not None:
                heartbeat.value = str(result.interval)

    def announce(self) -> None:
        self.adapter.announce_statuses()

    def heartbeat_interval(self) -> float:
        return self.adapter.config.number("OCPPCommCtrlr.HeartbeatInterval")

    def heartbeat_request(self) -> call.Heartbeat:
        return call.Heartbeat()
