"""Handlers for the Core and Remote Trigger commands a central system sends (OCPP 1.6).

Handlers answer at once; state changes they make queue messages that the outbox sends only
after the answer (see `simulator/charge_point.py`). Long procedures (Reset) run as background
tasks.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ocpp.routing import on
from ocpp.v16 import call, call_result, enums
from ocpp.v16.enums import Action

from chargegrid.simulator.connector import StopReason
from chargegrid.simulator.profiles import Purpose
from chargegrid.simulator.v16.convert import profile_from_payload

if TYPE_CHECKING:
    from chargegrid.simulator.v16.adapter import V16Adapter

RSS = enums.RemoteStartStopStatus


class CoreHandlers:
    adapter: V16Adapter

    @on(Action.remote_start_transaction)
    def on_remote_start_transaction(self, id_tag: str, connector_id: int | None = None,
                                    charging_profile: dict[str, Any] | None = None,
                                    **_: Any) -> call_result.RemoteStartTransaction:
        core = self.adapter.core
        cid = connector_id if connector_id is not None else core.free_connector()
        if cid is None or cid not in core.connectors:
            return call_result.RemoteStartTransaction(status=RSS.rejected)
        conn = core.connectors[cid]
        if conn.transaction is not None or not conn.operative or conn.faulted or (
                conn.reservation is not None and conn.reservation.id_tag != id_tag):
            return call_result.RemoteStartTransaction(status=RSS.rejected)
        if charging_profile is not None:
            profile = profile_from_payload(charging_profile, cid)
            if profile.purpose is not Purpose.TX:
                return call_result.RemoteStartTransaction(status=RSS.rejected)
            self.adapter.pending_tx_profiles[cid] = profile
        if self.adapter.config.flag("AuthorizeRemoteTxRequests"):
            self.adapter.spawn(self._authorized_remote_start(cid, id_tag))
        else:
            core.remote_start(cid, id_tag)
        return call_result.RemoteStartTransaction(status=RSS.accepted)

    async def _authorized_remote_start(self, connector_id: int, id_tag: str) -> None:
        if await self.adapter.authorize(id_tag):
            self.adapter.core.remote_start(connector_id, id_tag)
        else:
            self.adapter.pending_tx_profiles.pop(connector_id, None)

    @on(Action.remote_stop_transaction)
    def on_remote_stop_transaction(self, transaction_id: int,
                                   **_: Any) -> call_result.RemoteStopTransaction:
        cid = self.adapter.core.transaction_connector(transaction_id)
        if cid is None:
            return call_result.RemoteStopTransaction(status=RSS.rejected)
        self.adapter.core.stop_transaction(cid, StopReason.REMOTE)
        return call_result.RemoteStopTransaction(status=RSS.accepted)

    @on(Action.reset)
    def on_reset(self, type: str, **_: Any) -> call_result.Reset:
        self.adapter.spawn(self._reset(enums.ResetType(type)))
        return call_result.Reset(status=enums.ResetStatus.accepted)

    async def _reset(self, kind: enums.ResetType) -> None:
        """Stop transactions, let their messages out, then drop the link and boot again."""
        core = self.adapter.core
        reason = StopReason.HARD_RESET if kind is enums.ResetType.hard else StopReason.SOFT_RESET
        for cid in list(core.connectors):
            core.stop_transaction(cid, reason)
        try:
            await asyncio.wait_for(self.adapter.outbox.wait_empty(), 5.0)
        except TimeoutError:
            pass
        core.reboot()
        self.adapter.reboots += 1
        await self.adapter.connection.drop(reconnect_now=True)

    @on(Action.unlock_connector)
    def on_unlock_connector(self, connector_id: int, **_: Any) -> call_result.UnlockConnector:
        if connector_id not in self.adapter.core.connectors:
            return call_result.UnlockConnector(status=enums.UnlockStatus.not_supported)
        self.adapter.core.stop_transaction(connector_id, StopReason.UNLOCK_COMMAND)
        return call_result.UnlockConnector(status=enums.UnlockStatus.unlocked)

    @on(Action.change_availability)
    def on_change_availability(self, connector_id: int, type: str,
                               **_: Any) -> call_result.ChangeAvailability:
        core = self.adapter.core
        if connector_id != 0 and connector_id not in core.connectors:
            return call_result.ChangeAvailability(status=enums.AvailabilityStatus.rejected)
        applied = core.set_availability(connector_id, type == enums.AvailabilityType.operative)
        status = enums.AvailabilityStatus.accepted if applied \
            else enums.AvailabilityStatus.scheduled
        return call_result.ChangeAvailability(status=status)

    @on(Action.get_configuration)
    def on_get_configuration(self, key: list[str] | None = None,
                             **_: Any) -> call_result.GetConfiguration:
        known, unknown = self.adapter.config.items(key)
        entries = [{"key": k, "readonly": ro, "value": v} for k, ro, v in known]
        return call_result.GetConfiguration(configuration_key=entries,
                                            unknown_key=unknown or None)

    @on(Action.change_configuration)
    def on_change_configuration(self, key: str, value: str,
                                **_: Any) -> call_result.ChangeConfiguration:
        outcome = self.adapter.config.change(key, value)
        return call_result.ChangeConfiguration(status=enums.ConfigurationStatus(outcome))

    @on(Action.clear_cache)
    def on_clear_cache(self, **_: Any) -> call_result.ClearCache:
        self.adapter.core.auth.clear_cache()
        return call_result.ClearCache(status=enums.ClearCacheStatus.accepted)

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id: str, message_id: str | None = None,
                         data: str | None = None, **_: Any) -> call_result.DataTransfer:
        """Our own vendor id echoes the data back; other vendors are unknown, as on real kit."""
        if vendor_id != self.adapter.options.vendor:
            return call_result.DataTransfer(status=enums.DataTransferStatus.unknown_vendor_id)
        return call_result.DataTransfer(status=enums.DataTransferStatus.accepted, data=data)

    @on(Action.trigger_message)
    def on_trigger_message(self, requested_message: str, connector_id: int | None = None,
                           **_: Any) -> call_result.TriggerMessage:
        adapter, core = self.adapter, self.adapter.core
        if connector_id is not None and connector_id != 0 and connector_id not in core.connectors:
            return call_result.TriggerMessage(status=enums.TriggerMessageStatus.rejected)
        trigger = enums.MessageTrigger(requested_message)
        if trigger is enums.MessageTrigger.boot_notification:
            adapter.send(call.BootNotification(
                charge_point_model=adapter.options.model,
                charge_point_vendor=adapter.options.vendor,
                firmware_version=adapter.options.firmware_version))
        elif trigger is enums.MessageTrigger.heartbeat:
            adapter.send(call.Heartbeat())
        elif trigger is enums.MessageTrigger.status_notification:
            for cid, status in core.statuses():
                if connector_id is None or cid == connector_id:
                    adapter.send(adapter.status_payload(cid, status))
        elif trigger is enums.MessageTrigger.meter_values:
            core.update()
            for cid, conn in core.connectors.items():
                if connector_id in (None, 0, cid):
                    adapter.meter_values(core.sample(cid), conn.transaction,
                                         enums.ReadingContext.trigger, persistent=False)
        elif trigger is enums.MessageTrigger.diagnostics_status_notification:
            adapter.send(call.DiagnosticsStatusNotification(
                status=enums.DiagnosticsStatus(adapter.diagnostics_status)))
        elif trigger is enums.MessageTrigger.firmware_status_notification:
            adapter.send(call.FirmwareStatusNotification(
                status=enums.FirmwareStatus(adapter.firmware_status)))
        else:
            return call_result.TriggerMessage(status=enums.TriggerMessageStatus.not_implemented)
        return call_result.TriggerMessage(status=enums.TriggerMessageStatus.accepted)
