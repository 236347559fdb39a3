"""Handlers for Firmware Management (UpdateFirmware, GetDiagnostics) in OCPP 1.6.

Nothing is downloaded or uploaded: the station walks through the status notifications a
real charger sends, `step` seconds apart, so a central system's firmware and diagnostics
workflows can be exercised end to end.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ocpp.routing import on
from ocpp.v16 import call, call_result, enums
from ocpp.v16.enums import Action

from chargegrid.simulator.clock import iso_z, parse_iso

if TYPE_CHECKING:
    from chargegrid.simulator.v16.adapter import V16Adapter

FIRMWARE_STEPS = ("Downloading", "Downloaded", "Installing", "Installed")
DIAGNOSTICS_STEPS = ("Uploading", "Uploaded")
MAX_WAIT_FOR_RETRIEVE = 60.0
"""A simulator should not sit for hours waiting for a retrieveDate far in the future."""


class ManagementHandlers:
    adapter: V16Adapter

    @on(Action.update_firmware)
    def on_update_firmware(self, location: str, retrieve_date: str,
                           **_: Any) -> call_result.UpdateFirmware:
        self.adapter.spawn(self._update_firmware(retrieve_date))
        return call_result.UpdateFirmware()

    async def _update_firmware(self, retrieve_date: str) -> None:
        adapter = self.adapter
        wait = (parse_iso(retrieve_date) - adapter.core.clock.now()).total_seconds()
        await asyncio.sleep(min(max(0.0, wait), MAX_WAIT_FOR_RETRIEVE))
        for status in FIRMWARE_STEPS:
            await asyncio.sleep(adapter.options.status_step)
            adapter.firmware_status = status
            adapter.send(call.FirmwareStatusNotification(status=enums.FirmwareStatus(status)))
        adapter.firmware_status = "Idle"

    @on(Action.get_diagnostics)
    def on_get_diagnostics(self, location: str, **_: Any) -> call_result.GetDiagnostics:
        adapter = self.adapter
        stamp = iso_z(adapter.core.clock.now()).replace(":", "").replace("-", "")
        file_name = f"diagnostics-{adapter.station_id}-{stamp}.zip"
        adapter.spawn(self._upload_diagnostics())
        return call_result.GetDiagnostics(file_name=file_name)

    async def _upload_diagnostics(self) -> None:
        adapter = self.adapter
        for status in DIAGNOSTICS_STEPS:
            await asyncio.sleep(adapter.options.status_step)
            adapter.diagnostics_status = status
            adapter.send(call.DiagnosticsStatusNotification(
                status=enums.DiagnosticsStatus(status)))
        adapter.diagnostics_status = "Idle"
