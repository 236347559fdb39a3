"""The poller: interval, back-off, publication of new readings only, clean stop."""

from __future__ import annotations

import asyncio

import pytest

from chargegrid.clock import FixedClock
from chargegrid.meters import MeterPoller, MeterReadError, MeterReading, PhaseValues

from .conftest import wait_for


class ScriptedMeter:
    """Plays a script of readings (floats = L1 current) and failures (None)."""

    def __init__(self, clock: FixedClock, script: list[float | Exception | None]) -> None:
        self.clock = clock
        self.script = script
        self.reads = 0
        self.started = self.closed = 0

    @property
    def source_id(self) -> str:
        return "scripted"

    async def read(self) -> MeterReading:
        step = self.script[min(self.reads, len(self.script) - 1)]
        self.reads += 1
        if step is None:
            raise MeterReadError("scripted meter: timeout")
        if isinstance(step, Exception):
            raise step
        return MeterReading("scripted", self.clock.now(), PhaseValues(step, 0.0, 0.0))

    async def start(self) -> None:
        self.started += 1

    async def close(self) -> None:
        self.closed += 1


class RecordingSleep:
    """Records requested delays and advances the fake clock instead of waiting."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.clock.advance(seconds)
        await asyncio.sleep(0)


async def test_backoff_doubles_caps_and_resets(clock: FixedClock) -> None:
    meter = ScriptedMeter(clock, [1.0, None, None, None, None, 2.0, 2.0])
    readings: list[MeterReading] = []
    errors: list[str] = []
    sleep = RecordingSleep(clock)
    poller = MeterPoller(meter, readings.append, interval_s=1.0, max_backoff_s=5.0,
                         on_error=lambda source, err: errors.append(source), sleep=sleep)
    async with poller:
        await wait_for(lambda: len(sleep.delays) >= 7)
    assert sleep.delays[:7] == [1.0, 2.0, 4.0, 5.0, 5.0, 1.0, 1.0]
    assert errors == ["scripted"] * 4
    assert [r.currents_a.l1 for r in readings][:3] == [1.0, 2.0, 2.0]
    assert meter.started == 1 and meter.closed == 1
    assert not poller.running


async def test_cached_reading_is_not_republished(clock: FixedClock) -> None:
    cached = MeterReading("push", clock.now(), PhaseValues(1.0, 1.0, 1.0))

    class PushLike(ScriptedMeter):
        async def read(self) -> MeterReading:
            self.reads += 1
            return cached

    meter = PushLike(clock, [])
    published: list[MeterReading] = []
    poller = MeterPoller(meter, published.append, interval_s=1.0, sleep=RecordingSleep(clock))
    for _ in range(3):
        assert await poller.poll_once() is cached
    assert published == [cached]


async def test_unexpected_driver_error_and_broken_sink_do_not_stop_polling(
        clock: FixedClock) -> None:
    meter = ScriptedMeter(clock, [RuntimeError("driver bug"), 3.0])

    def broken_sink(reading: MeterReading) -> None:
        raise RuntimeError("sink bug")

    poller = MeterPoller(meter, broken_sink, interval_s=0.5, sleep=RecordingSleep(clock))
    async with poller:
        await wait_for(lambda: meter.reads >= 4)
        assert poller.running
    assert poller.failures == 0


async def test_stop_with_real_sleep_is_prompt_and_idempotent(clock: FixedClock) -> None:
    meter = ScriptedMeter(clock, [1.0])
    poller = MeterPoller(meter, lambda r: None, interval_s=60.0)
    await poller.start()
    await poller.start()  # idempotent
    await wait_for(lambda: meter.reads == 1)
    async with asyncio.timeout(1):
        await poller.stop()
    await poller.stop()
    assert meter.started == 1 and meter.closed == 2


def test_interval_must_be_positive(clock: FixedClock) -> None:
    with pytest.raises(ValueError, match="positive"):
        MeterPoller(ScriptedMeter(clock, [1.0]), lambda r: None, interval_s=0)
