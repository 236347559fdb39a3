"""Charger-initiated OCPP 2.0.1 messages: each handler calls a service through the writer, so
the answer goes out only after what it acknowledges is committed."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v201 import call_result, datatypes
from ocpp.v201.enums import (
    Action,
    AuthorizationStatusEnumType,
    DataTransferStatusEnumType,
    IdTokenEnumType,
    RegistrationStatusEnumType,
)

from chargegrid.bus.events import PhaseCurrents, StatusChanged, TransactionEnded, TransactionStarted
from chargegrid.domain.id_tokens import AuthorizationResult
from chargegrid.domain.stations import BootInfo, ConnectorRef, ConnectorStatus, StatusReport
from chargegrid.domain.timestamps import format_timestamp, parse_timestamp
from chargegrid.domain.transactions import EventType
from chargegrid.errors import InvalidInputError
from chargegrid.ocpp.context import StationContext
from chargegrid.ocpp.errors import RpcError
from chargegrid.ocpp.handler_base import StationHandlers
from chargegrid.ocpp.registry import Encoder
from chargegrid.ocpp.v16.samples import phase_currents
from chargegrid.ocpp.v201.commands import CommandEncoder
from chargegrid.ocpp.v201.samples import parse_meter_values
from chargegrid.services import device_model, id_tokens, meter_values, stations, transaction_events
from chargegrid.services.device_model import VariableReport

# While Pending, a 2.0.1 station sends nothing unasked but its boot, and what the CSMS asks
# for (reports, triggered messages: B02); while Rejected, only its boot (B03.FR.?).
ALLOWED_BEFORE_ACCEPTED = {
    "Pending": {"BootNotification", "Heartbeat", "StatusNotification", "NotifyReport",
                "NotifyEvent", "SecurityEventNotification", "FirmwareStatusNotification",
                "LogStatusNotification", "DataTransfer"},
    "Rejected": {"BootNotification"},
}
# 2.0.1 log upload states in the 1.6 words the rest of the system knows.
LOG_STATUS = {"UploadFailure": "UploadFailed", "BadMessage": "UploadFailed",
              "PermissionDenied": "UploadFailed", "NotSupportedOperation": "UploadFailed"}


def _timestamp(value: str, field: str) -> Any:
    try:
        return parse_timestamp(value, field=field)
    except InvalidInputError as err:
        raise RpcError("PropertyConstraintViolation", err.message) from err


def _id_token_info(result: AuthorizationResult) -> datatypes.IdTokenInfoType:
    return datatypes.IdTokenInfoType(
        status=AuthorizationStatusEnumType(result.status.value),
        cache_expiry_date_time=format_timestamp(result.expiry) if result.expiry else None,
        group_id_token=(datatypes.IdTokenType(id_token=result.parent_id_tag,
                                              type=IdTokenEnumType.central)
                        if result.parent_id_tag else None),
    )


def _token_value(id_token: dict[str, Any] | None) -> str | None:
    """The token's value; NoAuthorization tokens (free vend) carry no identity."""
    if not id_token or id_token.get("type") == "NoAuthorization" or not id_token.get("idToken"):
        return None
    return str(id_token["idToken"])


def _variable_report(item: dict[str, Any], attribute: dict[str, Any],
                     characteristics: dict[str, Any] | None,
                     default_mutability: str | None = "ReadWrite") -> VariableReport:
    component, variable = item["component"], item["variable"]
    evse = component.get("evse") or {}
    chars = characteristics or {}
    return VariableReport(
        component=component["name"], variable=variable["name"], value=attribute.get("value"),
        attribute_type=attribute.get("type", "Actual"), evse_id=evse.get("id"),
        connector_id=evse.get("connectorId"), component_instance=component.get("instance"),
        variable_instance=variable.get("instance"),
        mutability=attribute.get("mutability", default_mutability), data_type=chars.get("dataType"),
        unit=chars.get("unit"))


class V201Handlers(StationHandlers):
    """The routes of one 2.0.1 connection; `routes()` gives them to the RPC endpoint, and
    `command_encoder()` the encoder bound to this station's running transactions."""

    allowed_before_accepted = ALLOWED_BEFORE_ACCEPTED

    def __init__(self, ctx: StationContext) -> None:
        super().__init__(ctx)
        # Our transaction id → the station's transactionId, for this station's running
        # transactions (loaded at connect, kept current by TransactionEvents).
        self.uids: dict[int, str] = {}

    async def command_encoder(self) -> Encoder:
        """Load the station's running transactions, then encode against them."""
        ctx = self.ctx
        self.uids.update(await ctx.writer.submit(
            lambda s: transaction_events.active_uids(s, station_id=ctx.station_id)))
        return CommandEncoder(self.uids.get)

    @on(Action.boot_notification)
    async def on_boot_notification(self, charging_station: dict[str, Any], reason: str,
                                   **_: Any) -> call_result.BootNotification:
        modem = charging_station.get("modem") or {}
        info = BootInfo(
            vendor=charging_station["vendorName"], model=charging_station["model"],
            serial_number=charging_station.get("serialNumber"),
            firmware_version=charging_station.get("firmwareVersion"),
            iccid=modem.get("iccid"), imsi=modem.get("imsi"))
        decision, current_time = await self._boot(info, "2.0.1")
        await self._record("BootNotification", {"reason": reason})
        return call_result.BootNotification(
            current_time=current_time, interval=decision.interval_s,
            status=RegistrationStatusEnumType(decision.status.value))

    @on(Action.heartbeat)
    async def on_heartbeat(self, **_: Any) -> call_result.Heartbeat:
        return call_result.Heartbeat(current_time=await self._heartbeat())

    @on(Action.status_notification)
    async def on_status_notification(self, timestamp: str, connector_status: str, evse_id: int,
                                     connector_id: int, **_: Any
                                     ) -> call_result.StatusNotification:
        ctx = self.ctx
        _timestamp(timestamp, "timestamp")
        report = StatusReport(
            where=ConnectorRef(ctx.station_id, evse_id, connector_id),
            status=ConnectorStatus(connector_status), error_code=None, info=None,
            vendor_id=None, vendor_error_code=None, timestamp_raw=timestamp)
        now = ctx.clock.now()
        await ctx.writer.submit(lambda s: stations.record_status(s, report=report, now=now))
        ctx.bus.publish(StatusChanged(ctx.station_id, evse_id, connector_status, now))
        return call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, id_token: dict[str, Any], **_: Any) -> call_result.Authorize:
        now = self.ctx.clock.now()
        token = _token_value(id_token)
        if token is None:
            return call_result.Authorize(id_token_info=datatypes.IdTokenInfoType(
                status=AuthorizationStatusEnumType.accepted))
        result = await self.ctx.writer.submit(
            lambda s: id_tokens.authorize(s, id_tag=token, now=now,
                                          station_id=self.ctx.station_id))
        return call_result.Authorize(id_token_info=_id_token_info(result))

    @on(Action.transaction_event)
    async def on_transaction_event(self, event_type: str, timestamp: str, trigger_reason: str,
                                   seq_no: int, transaction_info: dict[str, Any],
                                   **extra: Any) -> call_result.TransactionEvent:
        ctx = self.ctx
        when = _timestamp(timestamp, "timestamp")
        samples = parse_meter_values(extra.get("meter_value") or [])
        evse = extra.get("evse") or {}
        token = _token_value(extra.get("id_token"))
        uid = str(transaction_info["transactionId"])
        kept = {k: v for k, v in transaction_info.items() if k != "transactionId"}
        for key in ("number_of_phases_used", "cable_max_current"):
            if extra.get(key) is not None:
                kept[key] = extra[key]
        now = ctx.clock.now()
        result = await ctx.writer.submit(lambda s: transaction_events.record_event(
            s, station_id=ctx.station_id, uid=uid, event_type=EventType(event_type),
            seq_no=seq_no, timestamp=when, trigger_reason=trigger_reason,
            stopped_reason=transaction_info.get("stoppedReason"), id_tag=token,
            evse_id=evse.get("id"), connector_id=evse.get("connectorId"), samples=samples,
            offline=bool(extra.get("offline", False)), now=now,
            reservation_id=extra.get("reservation_id"), extra={"transactionInfo": kept}))
        if result.ended:
            self.uids.pop(result.transaction_id, None)
            ctx.bus.publish(TransactionEnded(ctx.station_id, result.evse_id,
                                             result.transaction_id, now))
        elif not result.duplicate and result.transaction_id not in self.uids:
            self.uids[result.transaction_id] = uid
            if result.created:
                ctx.bus.publish(TransactionStarted(ctx.station_id, result.evse_id,
                                                   result.transaction_id, now))
        currents = phase_currents(samples)
        if currents:
            ctx.bus.publish(PhaseCurrents(ctx.station_id, result.evse_id, currents, now))
        info = _id_token_info(result.authorization) if result.authorization else None
        return call_result.TransactionEvent(id_token_info=info)

    @on(Action.meter_values)
    async def on_meter_values(self, evse_id: int, meter_value: list[dict[str, Any]],
                              **_: Any) -> call_result.MeterValues:
        ctx = self.ctx
        samples = parse_meter_values(meter_value)
        now = ctx.clock.now()
        await ctx.writer.submit(lambda s: meter_values.store(
            s, station_id=ctx.station_id, evse_id=evse_id, connector_id=0, transaction_id=None,
            samples=samples, now=now, deferred=True))
        currents = phase_currents(samples)
        if currents:
            ctx.bus.publish(PhaseCurrents(ctx.station_id, evse_id, currents, now))
        return call_result.MeterValues()

    @on(Action.notify_report)
    async def on_notify_report(self, request_id: int, generated_at: str, seq_no: int,
                               **extra: Any) -> call_result.NotifyReport:
        ctx = self.ctx
        _timestamp(generated_at, "generatedAt")
        reports = [
            _variable_report(item, attribute, item.get("variableCharacteristics"))
            for item in extra.get("report_data") or []
            for attribute in item.get("variableAttribute") or []
        ]
        now = ctx.clock.now()
        await ctx.writer.submit(lambda s: device_model.record_report(
            s, station_id=ctx.station_id, reports=reports, now=now))
        await self._record("NotifyReport", {"requestId": request_id, "seqNo": seq_no,
                                            "tbc": bool(extra.get("tbc", False)),
                                            "variables": len(reports)})
        return call_result.NotifyReport()

    @on(Action.notify_event)
    async def on_notify_event(self, generated_at: str, seq_no: int,
                              event_data: list[dict[str, Any]], **extra: Any
                              ) -> call_result.NotifyEvent:
        ctx = self.ctx
        _timestamp(generated_at, "generatedAt")
        # An event reports a variable's new actual value: keep the device model current.
        reports = [_variable_report(e, {"value": e.get("actualValue")}, None, None)
                   for e in event_data]
        now = ctx.clock.now()
        await ctx.writer.submit(lambda s: device_model.record_report(
            s, station_id=ctx.station_id, reports=reports, now=now))
        await self._record("NotifyEvent", {"generatedAt": generated_at, "seqNo": seq_no,
                                           "tbc": bool(extra.get("tbc", False)),
                                           "eventData": event_data})
        return call_result.NotifyEvent()

    @on(Action.security_event_notification)
    async def on_security_event_notification(self, type: str, timestamp: str,
                                             **extra: Any
                                             ) -> call_result.SecurityEventNotification:
        _timestamp(timestamp, "timestamp")
        await self._record("SecurityEventNotification", {
            "type": type, "timestamp": timestamp, "techInfo": extra.get("tech_info")})
        return call_result.SecurityEventNotification()

    @on(Action.firmware_status_notification)
    async def on_firmware_status_notification(
        self, status: str, **extra: Any
    ) -> call_result.FirmwareStatusNotification:
        await self._record("FirmwareStatusNotification",
                           {"status": status, "requestId": extra.get("request_id")})
        return call_result.FirmwareStatusNotification()

    @on(Action.log_status_notification)
    async def on_log_status_notification(self, status: str, **extra: Any
                                         ) -> call_result.LogStatusNotification:
        # Kept under the neutral kind, so the station's diagnostics status reads the same.
        await self._record("DiagnosticsStatusNotification", {
            "status": LOG_STATUS.get(status, status), "logStatus": status,
            "requestId": extra.get("request_id")})
        return call_result.LogStatusNotification()

    @on(Action.notify_charging_limit)
    async def on_notify_charging_limit(self, charging_limit: dict[str, Any], **extra: Any
                                       ) -> call_result.NotifyChargingLimit:
        await self._record("NotifyChargingLimit", {
            "chargingLimit": charging_limit, "evseId": extra.get("evse_id"),
            "chargingSchedule": extra.get("charging_schedule")})
        return call_result.NotifyChargingLimit()

    @on(Action.report_charging_profiles)
    async def on_report_charging_profiles(
        self, request_id: int, charging_limit_source: str, charging_profile: list[Any],
        evse_id: int, **extra: Any
    ) -> call_result.ReportChargingProfiles:
        await self._record("ReportChargingProfiles", {
            "requestId": request_id, "chargingLimitSource": charging_limit_source,
            "evseId": evse_id, "chargingProfile": charging_profile,
            "tbc": bool(extra.get("tbc", False))})
        return call_result.ReportChargingProfiles()

    @on(Action.reservation_status_update)
    async def on_reservation_status_update(
        self, reservation_id: int, reservation_update_status: str, **_: Any
    ) -> call_result.ReservationStatusUpdate:
        await self._record("ReservationStatusUpdate", {
            "reservationId": reservation_id, "status": reservation_update_status})
        return call_result.ReservationStatusUpdate()

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id: str, **extra: Any) -> call_result.DataTransfer:
        await self._record("DataTransfer", {"vendorId": vendor_id,
                                            "messageId": extra.get("message_id"),
                                            "data": extra.get("data")})
        # No vendor extensions are implemented: the spec's answer for that is UnknownVendorId.
        return call_result.DataTransfer(status=DataTransferStatusEnumType.unknown_vendor_id)
