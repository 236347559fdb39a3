"""After a raise the controller asks the raised EVSEs for a fresh sample (remeasure.py):
after the delay, bounded per cycle, never twice at once for a point, failures ignored."""

from __future__ import annotations

import asyncio
from typing import Any

from chargegrid.control.remeasure import Remeasure
from chargegrid.domain.commands import CommandResult, TriggerMessage
from chargegrid.errors import StationOfflineError
from chargegrid.services.commands import Delivery


class RecordingCommands:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any, str | None]] = []

    async def send_many(self, requests: list[tuple[str, Any]], *,
                        requested_by: str | None = None, **_: Any) -> list[Delivery]:
        out = []
        for station_id, command in requests:
            self.sent.append((station_id, command, requested_by))
            error = StationOfflineError("offline") if station_id == "OFF" else None
            out.append(Delivery(station_id, command, 1, None if error else CommandResult(
                "Accepted"), error))
        return out


async def test_triggers_meter_values_on_the_raised_evses_bounded_per_cycle() -> None:
    commands = RecordingCommands()
    remeasure = Remeasure(commands, delay_s=0.05, max_per_cycle=2,  # type: ignore[arg-type]
                          max_parallel=4)
    remeasure.after_raise([("A#2", "A", 2), ("OFF", "OFF", 1), ("C", "C", 1)])
    remeasure.after_raise([("A#2", "A", 2)])          # still waiting: not asked twice
    assert commands.sent == []                        # not before the delay
    await asyncio.sleep(0.2)
    assert commands.sent == [("A", TriggerMessage("MeterValues", 2), "ems-remeasure"),
                             ("OFF", TriggerMessage("MeterValues", 1), "ems-remeasure")]
    assert remeasure.requested == 1                   # the offline one is only logged
    remeasure.after_raise([("A#2", "A", 2)])          # done: may be asked again
    await asyncio.sleep(0.2)
    assert len(commands.sent) == 3
    await remeasure.close()


async def test_close_cancels_waiting_triggers_and_zero_disables() -> None:
    commands = RecordingCommands()
    remeasure = Remeasure(commands, delay_s=10, max_per_cycle=5,  # type: ignore[arg-type]
                          max_parallel=4)
    remeasure.after_raise([("A", "A", 1)])
    await remeasure.close()
    assert commands.sent == []
    off = Remeasure(commands, delay_s=0, max_per_cycle=0,  # type: ignore[arg-type]
                    max_parallel=4)
    off.after_raise([("A", "A", 1)])
    await asyncio.sleep(0.05)
    assert commands.sent == []
