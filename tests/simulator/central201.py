# mypy: disallow-untyped-decorators=False
"""A minimal OCPP 2.0.1 central system written with the `ocpp` library (v201 ChargePoint).

Like `central.py` for 1.6, and independent of ChargeGrid's own server, so the tests check
the simulator against the library's view (and JSON schemas) of OCPP 2.0.1. Everything a
station sends is recorded as (station, action, snake_case payload) in arrival order.
"""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v201 import ChargePoint, call_result
from ocpp.v201.enums import Action, AuthorizationStatusEnumType, RegistrationStatusEnumType
from websockets.asyncio.server import ServerConnection
from websockets.typing import Subprotocol

from tests.simulator.central import Central, RecordingPoint, _now


class CentralPoint201(RecordingPoint, ChargePoint):  # type: ignore[misc]
    central: Central201

    def _token_info(self, id_token: dict[str, Any]) -> dict[str, Any]:
        status = self.central.tags201.get(id_token["id_token"],
                                          AuthorizationStatusEnumType.invalid)
        return {"status": status}

    @on(Action.boot_notification)
    def on_boot(self, **kw: Any) -> call_result.BootNotification:
        self._log("BootNotification", kw)
        return call_result.BootNotification(current_time=_now(), interval=self.central.interval,
                                            status=self.central.boot_status201)

    @on(Action.authorize)
    def on_authorize(self, id_token: dict[str, Any], **kw: Any) -> call_result.Authorize:
        self._log("Authorize", {"id_token": id_token, **kw})
        return call_result.Authorize(id_token_info=self._token_info(id_token))

    @on(Action.transaction_event)
    def on_transaction_event(self, **kw: Any) -> call_result.TransactionEvent:
        self._log("TransactionEvent", kw)
        token = kw.get("id_token")
        if token is None:
            return call_result.TransactionEvent()
        return call_result.TransactionEvent(id_token_info=self._token_info(token))

    @on(Action.notify_report)
    def on_notify_report(self, **kw: Any) -> call_result.NotifyReport:
        self._log("NotifyReport", kw)
        return call_result.NotifyReport()

    @on(Action.report_charging_profiles)
    def on_report_profiles(self, **kw: Any) -> call_result.ReportChargingProfiles:
        self._log("ReportChargingProfiles", kw)
        return call_result.ReportChargingProfiles()

    @on(Action.log_status_notification)
    def on_log(self, **kw: Any) -> call_result.LogStatusNotification:
        self._log("LogStatusNotification", kw)
        return call_result.LogStatusNotification()

    @on(Action.security_event_notification)
    def on_security(self, **kw: Any) -> call_result.SecurityEventNotification:
        self._log("SecurityEventNotification", kw)
        return call_result.SecurityEventNotification()


class Central201(Central):
    """The 1.6 test central's server life cycle and helpers, speaking ocpp2.0.1."""

    subprotocol = Subprotocol("ocpp2.0.1")

    def __init__(self) -> None:
        super().__init__()
        self.boot_status201 = RegistrationStatusEnumType.accepted
        self.tags201 = {"TAG1": AuthorizationStatusEnumType.accepted,
                        "TAG2": AuthorizationStatusEnumType.accepted,
                        "BAD": AuthorizationStatusEnumType.blocked}
        self.points201: dict[str, CentralPoint201] = {}

    async def stop(self) -> None:
        await super().stop()
        self.points201.clear()

    def _attach(self, station_id: str, ws: ServerConnection) -> RecordingPoint:
        point = CentralPoint201(station_id, ws, self)
        self.points201[point.id] = point
        return point

    async def point201(self, station_id: str, timeout: float = 5.0) -> CentralPoint201:
        await self.wait(lambda: station_id in self.points201, timeout)
        return self.points201[station_id]

    def events(self, station: str | None = None) -> list[dict[str, Any]]:
        """TransactionEvent payloads in arrival order."""
        return self.record.of("TransactionEvent", station)
