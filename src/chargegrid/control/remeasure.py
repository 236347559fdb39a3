"""After a raise, ask the raised stations for a fresh sample.

The EV credit may never exceed what a point drew when the meter read (ev_credit.py). After a
raise the meter sees the vehicles take it at once, but their last MeterValues still show
the old current until their next periodic sample (10 s or more): for that long the raise
looks like base load, the next cycle lowers, then raises again when the samples arrive.
A triggered sample (TriggerMessage MeterValues on the raised EVSE, OCPP 1.6 and 2.0.1)
ends that ambiguity after `delay_s` instead of a whole MeterValues interval. The safety
rule is unchanged: only what a sample showed is ever credited.

Bounded: at most `max_per_cycle` stations per raise cycle, none already waiting for one.
A station that rejects or ignores the trigger simply keeps its periodic samples.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from chargegrid.domain.commands import TriggerMessage
from chargegrid.services.commands import CommandService

log = logging.getLogger(__name__)

Target = tuple[str, str, int]  # point id, station id, EVSE id


class Remeasure:
    """Schedules the triggers; `close()` cancels those still waiting."""

    def __init__(self, commands: CommandService, *, delay_s: float, max_per_cycle: int,
                 max_parallel: int) -> None:
        self._commands = commands
        self._delay_s = delay_s
        self._max_per_cycle = max_per_cycle
        self._max_parallel = max(1, max_parallel)
        self._pending: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.requested = 0

    def after_raise(self, targets: Iterable[Target]) -> None:
        """Ask these raised points for a sample `delay_s` from now (the vehicles need a
        moment to follow the new limit)."""
        if self._max_per_cycle <= 0:
            return
        chosen: list[Target] = []
        for target in targets:
            if len(chosen) >= self._max_per_cycle:
                break
            if target[0] not in self._pending:
                chosen.append(target)
                self._pending.add(target[0])
        if chosen:
            task = asyncio.create_task(self._trigger(chosen))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _trigger(self, targets: list[Target]) -> None:
        try:
            await asyncio.sleep(self._delay_s)
            deliveries = await self._commands.send_many(
                [(station_id, TriggerMessage("MeterValues", evse_id))
                 for _, station_id, evse_id in targets],
                requested_by="ems-remeasure", max_parallel=self._max_parallel)
            for (pid, _, _), delivery in zip(targets, deliveries, strict=True):
                if delivery.error is not None:
                    log.debug("no fresh sample asked of %s: %s", pid, delivery.error.message)
                else:
                    self.requested += 1
        finally:
            for pid, _, _ in targets:
                self._pending.discard(pid)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
