"""wait_event: a cancellation arriving as the event is set still cancels (the 3.11
asyncio.wait_for lost it, and shutdown hung on the task)."""

from __future__ import annotations

import asyncio

import pytest

from chargegrid.aio import wait_event


async def test_times_out_and_sees_the_event() -> None:
    event = asyncio.Event()
    assert await wait_event(event, 0.01) is False
    event.set()
    assert await wait_event(event, 0.01) is True


async def test_a_cancellation_that_races_the_event_is_not_lost() -> None:
    for _ in range(50):
        event = asyncio.Event()

        async def loop(event: asyncio.Event) -> None:
            while True:  # the shape of every long-running loop here
                await wait_event(event, 10)
                event.clear()

        task = asyncio.create_task(loop(event))
        await asyncio.sleep(0)
        event.set()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 2)
