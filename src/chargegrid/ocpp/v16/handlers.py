"""Charger-initiated OCPP 1.6 messages: each handler calls a service through the writer, so
the answer goes out only after what it acknowledges is committed."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result, datatypes
from ocpp.v16.enums import Action, AuthorizationStatus, DataTransferStatus, RegistrationStatus

from chargegrid.bus.events import PhaseCurrents, StatusChanged, TransactionEnded, TransactionStarted
from chargegrid.domain.id_tokens import AuthorizationResult
from chargegrid.domain.stations import BootInfo, ConnectorRef, ConnectorStatus, StatusReport
from chargegrid.domain.timestamps import format_timestamp, parse_timestamp
from chargegrid.domain.transactions import StartRequest, StopRequest
from chargegrid.errors import InvalidInputError
from chargegrid.ocpp.context import StationContext
from chargegrid.ocpp.errors import RpcError
from chargegrid.ocpp.handler_base import StationHandlers
from chargegrid.ocpp.v16.samples import parse_meter_values, phase_currents
from chargegrid.services import id_tokens, meter_values, stations, transactions

# While not Accepted, a station may only introduce itself (OCPP 1.6 §4.2.1).
ALLOWED_BEFORE_ACCEPTED = {
    "Pending": {"BootNotification", "Heartbeat", "StatusNotification", "DataTransfer",
                "FirmwareStatusNotification", "DiagnosticsStatusNotification"},
    "Rejected": {"BootNotification"},
}


def _where(station_id: str, connector_id: int) -> ConnectorRef:
    """1.6 connector n is EVSE n with one connector; connector 0 is the station."""
    if connector_id == 0:
        return ConnectorRef(station_id, 0, 0)
    return ConnectorRef(station_id, connector_id, 1)


def _id_tag_info(result: AuthorizationResult) -> datatypes.IdTagInfo:
    return datatypes.IdTagInfo(
        status=AuthorizationStatus(result.status.value),
        expiry_date=format_timestamp(result.expiry) if result.expiry else None,
        parent_id_tag=result.parent_id_tag,
    )


def _timestamp(value: str, field: str) -> Any:
    try:
        return parse_timestamp(value, field=field)
    except InvalidInputError as err:
        raise RpcError("PropertyConstraintViolation", err.message) from err


class V16Handlers(StationHandlers):
    """The routes of one 1.6 connection; `routes()` gives them to the RPC endpoint."""

    allowed_before_accepted = ALLOWED_BEFORE_ACCEPTED

    def __init__(self, ctx: StationContext) -> None:
        super().__init__(ctx)
        # Transaction ids of this station known to exist, or known not to (we issue every id,
        # so one unknown now stays unknown): MeterValues skip the lookup for both.
        self._known_transactions: set[int] = set()
        self._unknown_transactions: set[int] = set()

    @on(Action.boot_notification)
    async def on_boot_notification(self, charge_point_vendor: str, charge_point_model: str,
                                   **extra: Any) -> call_result.BootNotification:
        info = BootInfo(
            vendor=charge_point_vendor, model=charge_point_model,
            serial_number=extra.get("charge_point_serial_number") or extra.get(
                "charge_box_serial_number"),
            firmware_version=extra.get("firmware_version"), iccid=extra.get("iccid"),
            imsi=extra.get("imsi"), meter_type=extra.get("meter_type"),
            meter_serial_number=extra.get("meter_serial_number"),
        )
        decision, current_time = await self._boot(info, "1.6")
        return call_result.BootNotification(
            current_time=current_time, interval=decision.interval_s,
            status=RegistrationStatus(decision.status.value))

    @on(Action.heartbeat)
    async def on_heartbeat(self, **_: Any) -> call_result.Heartbeat:
        return call_result.Heartbeat(current_time=await self._heartbeat())

    @on(Action.status_notification)
    async def on_status_notification(self, connector_id: int, error_code: str, status: str,
                                     **extra: Any) -> call_result.StatusNotification:
        ctx = self.ctx
        if extra.get("timestamp"):
            _timestamp(extra["timestamp"], "timestamp")
        report = StatusReport(
            where=_where(ctx.station_id, connector_id), status=ConnectorStatus(status),
            error_code=error_code, info=extra.get("info"), vendor_id=extra.get("vendor_id"),
            vendor_error_code=extra.get("vendor_error_code"), timestamp_raw=extra.get("timestamp"))
        now = ctx.clock.now()
        await ctx.writer.submit(lambda s: stations.record_status(s, report=report, now=now))
        ctx.bus.publish(StatusChanged(ctx.station_id, report.where.evse_id, status, now))
        return call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, id_tag: str, **_: Any) -> call_result.Authorize:
        now = self.ctx.clock.now()
        result = await self.ctx.writer.submit(
            lambda s: id_tokens.authorize(s, id_tag=id_tag, now=now,
                                          station_id=self.ctx.station_id))
        return call_result.Authorize(id_tag_info=_id_tag_info(result))

    @on(Action.start_transaction)
    async def on_start_transaction(self, connector_id: int, id_tag: str, meter_start: int,
                                   timestamp: str, **extra: Any
                                   ) -> call_result.StartTransaction:
        ctx = self.ctx
        if connector_id < 1:
            raise RpcError("PropertyConstraintViolation", "connectorId must be > 0")
        req = StartRequest(
            station_id=ctx.station_id, evse_id=connector_id, connector_id=1, id_tag=id_tag,
            meter_start_wh=meter_start, timestamp=_timestamp(timestamp, "timestamp"),
            reservation_id=extra.get("reservation_id"))
        now = ctx.clock.now()
        result = await ctx.writer.submit(lambda s: transactions.start(s, req=req, now=now))
        self._known_transactions.add(result.transaction_id)
        ctx.bus.publish(TransactionStarted(ctx.station_id, connector_id, result.transaction_id,
                                           now))
        return call_result.StartTransaction(transaction_id=result.transaction_id,
                                            id_tag_info=_id_tag_info(result.authorization))

    @on(Action.stop_transaction)
    async def on_stop_transaction(self, meter_stop: int, timestamp: str, transaction_id: int,
                                  **extra: Any) -> call_result.StopTransaction:
        ctx = self.ctx
        req = StopRequest(
            station_id=ctx.station_id, transaction_id=transaction_id, meter_stop_wh=meter_stop,
            timestamp=_timestamp(timestamp, "timestamp"), id_tag=extra.get("id_tag"),
            reason=extra.get("reason"),
            transaction_data=parse_meter_values(extra.get("transaction_data") or [],
                                                "transactionData"))
        now = ctx.clock.now()
        result = await ctx.writer.submit(lambda s: transactions.stop(s, req=req, now=now))
        if result.known:
            ctx.bus.publish(TransactionEnded(ctx.station_id, 0, transaction_id, now))
        info = _id_tag_info(result.authorization) if result.authorization else None
        return call_result.StopTransaction(id_tag_info=info)

    @on(Action.meter_values)
    async def on_meter_values(self, connector_id: int, meter_value: list[dict[str, Any]],
                              **extra: Any) -> call_result.MeterValues:
        ctx = self.ctx
        samples = parse_meter_values(meter_value)
        where = _where(ctx.station_id, connector_id)
        now = ctx.clock.now()
        tx_id = extra.get("transaction_id")
        if tx_id in self._unknown_transactions:
            tx_id = None
        known = tx_id is None or tx_id in self._known_transactions
        attached = await ctx.writer.submit(lambda s: meter_values.store(
            s, station_id=ctx.station_id, evse_id=where.evse_id,
            connector_id=where.connector_id, transaction_id=tx_id,
            samples=samples, now=now, transaction_known=known, deferred=True))
        if attached is not None:
            self._known_transactions.add(attached)
        elif tx_id is not None:
            self._unknown_transactions.add(tx_id)
        currents = phase_currents(samples)
        if currents:
            ctx.bus.publish(PhaseCurrents(ctx.station_id, where.evse_id, currents, now))
        return call_result.MeterValues()

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id: str, **extra: Any) -> call_result.DataTransfer:
        payload = {"vendorId": vendor_id, "messageId": extra.get("message_id"),
                   "data": extra.get("data")}
        await self._record("DataTransfer", payload)
        # No vendor extensions are implemented: the spec's answer for that is UnknownVendorId.
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)

    @on(Action.diagnostics_status_notification)
    async def on_diagnostics_status_notification(
        self, status: str, **_: Any
    ) -> call_result.DiagnosticsStatusNotification:
        await self._record("DiagnosticsStatusNotification", {"status": status})
        return call_result.DiagnosticsStatusNotification()

    @on(Action.firmware_status_notification)
    async def on_firmware_status_notification(
        self, status: str, **_: Any
    ) -> call_result.FirmwareStatusNotification:
        await self._record("FirmwareStatusNotification", {"status": status})
        return call_result.FirmwareStatusNotification()
