"""Handlers for transactions, availability, reset, triggers, firmware and logs (OCPP 2.0.1).

Handlers answer at once; state changes they make queue messages that the outbox sends only
after the answer (see `simulator/charge_point.py`). Long procedures (Reset, firmware, log
upload) run as background tasks. Nothing is downloaded or uploaded: firmware and log requests walk
through the status notifications a real charger sends, `status_step` seconds apart.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ocpp.routing import on
from ocpp.v201 import call, call_result, enums
from ocpp.v201.enums import Action

from chargegrid.simulator.clock import iso_z, parse_iso
from chargegrid.simulator.connector import StopReason
from chargegrid.simulator.profiles import Purpose
from chargegrid.simulator.v201.convert import (
    CONNECTOR_ON_EVSE,
    ProfileError,
    connector_status,
    profile_from_payload,
)

if TYPE_CHECKING:
    from chargegrid.simulator.v201.adapter import V201Adapter

RSS = enums.RequestStartStopStatusEnumType
FIRMWARE_STEPS = ("Downloading", "Downloaded", "Installing", "Installed")
LOG_STEPS = ("Uploading", "Uploaded")
MAX_WAIT_FOR_RETRIEVE = 60.0
"""A simulator should not sit for hours waiting for a retrieveDateTime far in the future."""


class CoreHandlers:
    adapter: V201Adapter

    # -- transactions -----------------------------------------------------------------------

    @on(Action.request_start_transaction)
    def on_request_start_transaction(self, id_token: dict[str, Any], remote_start_id: int,
                                     evse_id: int | None = None,
                                     charging_profile: dict[str, Any] | None = None,
                                     **_: Any) -> call_result.RequestStartTransaction:
        adapter, core = self.adapter, self.adapter.core
        tag = str(id_token["id_token"])
        cid = evse_id if evse_id is not None else core.free_connector()
        if cid is None or cid not in core.connectors:
            return call_result.RequestStartTransaction(status=RSS.rejected)
        conn = core.connectors[cid]
        if conn.transaction is not None:
            return call_result.RequestStartTransaction(
                status=RSS.rejected, transaction_id=adapter.transaction_uid(cid))
        if not conn.operative or conn.faulted or (
                conn.reservation is not None and conn.reservation.id_tag != tag):
            return call_result.RequestStartTransaction(status=RSS.rejected)
        if charging_profile is not None:
            try:
                profile = profile_from_payload(charging_profile, cid, adapter.transaction_number)
            except (ProfileError, KeyError, ValueError):
                return call_result.RequestStartTransaction(status=RSS.rejected)
            if profile.purpose is not Purpose.TX:
                return call_result.RequestStartTransaction(status=RSS.rejected)
            adapter.pending_tx_profiles[cid] = profile
            adapter.profile_payloads[profile.id] = charging_profile
        adapter.pending_remote[cid] = remote_start_id
        if adapter.config.flag("AuthCtrlr.AuthorizeRemoteStart"):
            adapter.spawn(self._authorized_remote_start(cid, tag))
        else:
            core.remote_start(cid, tag)
        return call_result.RequestStartTransaction(status=RSS.accepted)

    async def _authorized_remote_start(self, evse_id: int, tag: str) -> None:
        if await self.adapter.authorize(tag):
            self.adapter.core.remote_start(evse_id, tag)
        else:
            self.adapter.pending_tx_profiles.pop(evse_id, None)
            self.adapter.pending_remote.pop(evse_id, None)

    @on(Action.request_stop_transaction)
    def on_request_stop_transaction(self, transaction_id: str,
                                    **_: Any) -> call_result.RequestStopTransaction:
        cid = self.adapter.transaction_evse(transaction_id)
        if cid is None:
            return call_result.RequestStopTransaction(status=RSS.rejected)
        self.adapter.core.stop_transaction(cid, StopReason.REMOTE)
        return call_result.RequestStopTransaction(status=RSS.accepted)

    # -- reset, unlock, availability --------------------------------------------------------

    @on(Action.reset)
    def on_reset(self, type: str, evse_id: int | None = None, **_: Any) -> call_result.Reset:
        if evse_id is not None:  # resetting a single EVSE is optional; not supported here
            return call_result.Reset(status=enums.ResetStatusEnumType.rejected)
        busy = any(c.transaction is not None for c in self.adapter.core.connectors.values())
        if type == enums.ResetEnumType.on_idle and busy:
            self.adapter.reset_when_idle = True
            return call_result.Reset(status=enums.ResetStatusEnumType.scheduled)
        self.adapter.spawn(self.adapter.reset(immediate=type == enums.ResetEnumType.immediate))
        return call_result.Reset(status=enums.ResetStatusEnumType.accepted)

    @on(Action.unlock_connector)
    def on_unlock_connector(self, evse_id: int, connector_id: int,
                            **_: Any) -> call_result.UnlockConnector:
        core = self.adapter.core
        if evse_id not in core.connectors or connector_id != CONNECTOR_ON_EVSE:
            return call_result.UnlockConnector(status=enums.UnlockStatusEnumType.unknown_connector)
        if core.connectors[evse_id].transaction is not None:
            return call_result.UnlockConnector(
                status=enums.UnlockStatusEnumType.ongoing_authorized_transaction)
        return call_result.UnlockConnector(status=enums.UnlockStatusEnumType.unlocked)

    @on(Action.change_availability)
    def on_change_availability(self, operational_status: str,
                               evse: dict[str, Any] | None = None,
                               **_: Any) -> call_result.ChangeAvailability:
        core = self.adapter.core
        evse_id = int(evse["id"]) if evse else 0
        connector_id = evse.get("connector_id") if evse else None
        if (evse_id != 0 and evse_id not in core.connectors) or \
                connector_id not in (None, CONNECTOR_ON_EVSE):
            return call_result.ChangeAvailability(
                status=enums.ChangeAvailabilityStatusEnumType.rejected)
        applied = core.set_availability(
            evse_id, operational_status == enums.OperationalStatusEnumType.operative)
        status = enums.ChangeAvailabilityStatusEnumType.accepted if applied \
            else enums.ChangeAvailabilityStatusEnumType.scheduled
        return call_result.ChangeAvailability(status=status)

    # -- misc -------------------------------------------------------------------------------

    @on(Action.clear_cache)
    def on_clear_cache(self, **_: Any) -> call_result.ClearCache:
        self.adapter.core.auth.clear_cache()
        return call_result.ClearCache(status=enums.ClearCacheStatusEnumType.accepted)

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id: str, message_id: str | None = None,
                         data: Any = None, **_: Any) -> call_result.DataTransfer:
        """Our own vendor id echoes the data back; other vendors are unknown, as on real kit."""
        if vendor_id != self.adapter.options.vendor:
            return call_result.DataTransfer(
                status=enums.DataTransferStatusEnumType.unknown_vendor_id)
        return call_result.DataTransfer(status=enums.DataTransferStatusEnumType.accepted,
                                        data=data)

    @on(Action.trigger_message)
    def on_trigger_message(self, requested_message: str, evse: dict[str, Any] | None = None,
                           **_: Any) -> call_result.TriggerMessage:
        adapter, core = self.adapter, self.adapter.core
        evse_id = int(evse["id"]) if evse else None
        if evse_id is not None and evse_id != 0 and evse_id not in core.connectors:
            return call_result.TriggerMessage(status=enums.TriggerMessageStatusEnumType.rejected)
        wanted = [cid for cid in core.connectors if evse_id in (None, 0, cid)]
        trigger = enums.MessageTriggerEnumType(requested_message)
        T = enums.MessageTriggerEnumType
        if trigger is T.boot_notification:
            adapter.send(adapter.connection.boot_payload(enums.BootReasonEnumType.triggered))
        elif trigger is T.heartbeat:
            adapter.send(call.Heartbeat())
        elif trigger is T.status_notification:
            for cid in wanted:
                adapter.send(adapter.status_payload(cid, connector_status(core.connectors[cid])))
        elif trigger is T.meter_values:
            core.update()
            for cid in wanted:
                adapter.meter_values(cid)
        elif trigger is T.transaction_event:
            core.update()
            for cid in wanted:
                conn = core.connectors[cid]
                if conn.transaction is not None:
                    adapter.periodic_update(conn, conn.transaction,
                                            enums.TriggerReasonEnumType.trigger,
                                            enums.ReadingContextEnumType.trigger)
        elif trigger is T.firmware_status_notification:
            adapter.send(call.FirmwareStatusNotification(
                status=enums.FirmwareStatusEnumType(adapter.firmware_status)))
        elif trigger is T.log_status_notification:
            adapter.send(call.LogStatusNotification(
                status=enums.UploadLogStatusEnumType(adapter.log_status)))
        else:
            return call_result.TriggerMessage(
                status=enums.TriggerMessageStatusEnumType.not_implemented)
        return call_result.TriggerMessage(status=enums.TriggerMessageStatusEnumType.accepted)

    # -- firmware and logs ------------------------------------------------------------------

    @on(Action.update_firmware)
    def on_update_firmware(self, request_id: int, firmware: dict[str, Any],
                           **_: Any) -> call_result.UpdateFirmware:
        self.adapter.spawn(self._update_firmware(request_id,
                                                 str(firmware["retrieve_date_time"])))
        return call_result.UpdateFirmware(status=enums.UpdateFirmwareStatusEnumType.accepted)

    async def _update_firmware(self, request_id: int, retrieve: str) -> None:
        adapter = self.adapter
        wait = (parse_iso(retrieve) - adapter.core.clock.now()).total_seconds()
        await asyncio.sleep(min(max(0.0, wait), MAX_WAIT_FOR_RETRIEVE))
        for status in FIRMWARE_STEPS:
            await asyncio.sleep(adapter.options.status_step)
            adapter.firmware_status = status
            adapter.send(call.FirmwareStatusNotification(
                status=enums.FirmwareStatusEnumType(status), request_id=request_id))
        adapter.firmware_status = "Idle"

    @on(Action.get_log)
    def on_get_log(self, log: dict[str, Any], log_type: str, request_id: int,
                   **_: Any) -> call_result.GetLog:
        adapter = self.adapter
        stamp = iso_z(adapter.core.clock.now()).replace(":", "").replace("-", "")
        kind = "security" if log_type == enums.LogEnumType.security_log else "diagnostics"
        adapter.spawn(self._upload_log(request_id))
        return call_result.GetLog(status=enums.LogStatusEnumType.accepted,
                                  filename=f"{kind}-{adapter.station_id}-{stamp}.zip")

    async def _upload_log(self, request_id: int) -> None:
        adapter = self.adapter
        for status in LOG_STEPS:
            await asyncio.sleep(adapter.options.status_step)
            adapter.log_status = status
            adapter.send(call.LogStatusNotification(
                status=enums.UploadLogStatusEnumType(status), request_id=request_id))
        adapter.log_status = "Idle"
