"""Shutdown is bounded: one part that never finishes must not hang Ctrl-C or a test run."""

from __future__ import annotations

import asyncio

from chargegrid.runtime import Runtime
from chargegrid.settings import Settings


async def test_a_hanging_step_is_left_behind_and_the_rest_still_stops(settings: Settings) -> None:
    rt = Runtime.build(settings, run_migrations=False)
    await rt.start_ocpp("127.0.0.1", 0)
    rt.stop_step_timeout_s = 0.3

    async def never_stops() -> None:
        await asyncio.Event().wait()

    rt.control.stop = never_stops  # type: ignore[method-assign]
    async with asyncio.timeout(10):
        await rt.stop()
    assert len(rt.shutdown_overruns) == 1
    assert "EMS control did not finish" in rt.shutdown_overruns[0]
    assert "never_stops" in rt.shutdown_overruns[0]  # the stacks say where it waited
    assert not rt.writer.running  # later steps still ran: pending writes were finished


async def test_a_clean_stop_records_nothing(settings: Settings) -> None:
    rt = Runtime.build(settings, run_migrations=False)
    await rt.start_ocpp("127.0.0.1", 0)
    await rt.stop()
    assert rt.shutdown_overruns == []
    assert not rt.writer.running
