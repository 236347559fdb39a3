"""Polls a meter at an interval, backs off while it fails, publishes readings to a sink.

The poller owns the meter's lifecycle (`start()` starts the meter, `stop()` closes it)
so the controller wires one poller per configured meter and forgets about sockets.
Failures are logged and counted, never raised: a failing meter just stops producing
readings and goes stale, which is what makes the controller fall back to static limits.
Back-off doubles the wait after each consecutive failure (up to `max_backoff_s`) so a
dead gateway is not hammered; the first success resets it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType

from chargegrid.meters.capabilities import Meter, MeterReading, ReadingSink
from chargegrid.meters.errors import MeterReadError

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
ErrorSink = Callable[[str, Exception], None]


class MeterPoller:
    """One meter, one background task. Use `async with` or `start()` / `stop()`."""

    def __init__(
        self,
        meter: Meter,
        on_reading: ReadingSink,
        *,
        interval_s: float,
        max_backoff_s: float = 30.0,
        on_error: ErrorSink | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self.meter = meter
        self._on_reading = on_reading
        self._on_error = on_error
        self._interval = interval_s
        self._max_backoff = max(max_backoff_s, interval_s)
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None
        self._last_published: MeterReading | None = None
        self.failures = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def next_delay(self) -> float:
        """Seconds until the next poll: the interval, doubled per consecutive failure."""
        if self.failures == 0:
            return self._interval
        return float(min(self._interval * 2 ** min(self.failures, 30), self._max_backoff))

    async def poll_once(self) -> MeterReading | None:
        """Read once; publish a *new* reading (a cached one is not re-published)."""
        try:
            reading = await self.meter.read()
        except Exception as err:  # a driver bug must not kill the loop either
            self.failures += 1
            if isinstance(err, MeterReadError):
                log.warning("meter %r: %s (failure %d, next try in %.1fs)", self.meter.source_id,
                            err.message, self.failures, self.next_delay())
            else:
                log.exception("meter %r: unexpected error while reading", self.meter.source_id)
            self._report(err)
            return None
        self.failures = 0
        if reading != self._last_published:
            self._last_published = reading
            try:
                self._on_reading(reading)
            except Exception:
                log.exception("meter %r: reading sink failed", self.meter.source_id)
        return reading

    async def start(self) -> None:
        """Start the meter and the polling task (idempotent)."""
        if self.running:
            return
        await self.meter.start()
        self._task = asyncio.create_task(self._run(), name=f"meter-poller-{self.meter.source_id}")

    async def stop(self) -> None:
        """Cancel the task, wait for it, close the meter. Safe to call twice."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.meter.close()

    async def __aenter__(self) -> MeterPoller:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop()

    async def _run(self) -> None:
        while True:
            await self.poll_once()
            await self._sleep(self.next_delay())

    def _report(self, err: Exception) -> None:
        if self._on_error is None:
            return
        try:
            self._on_error(self.meter.source_id, err)
        except Exception:
            log.exception("meter %r: error sink failed", self.meter.source_id)
