"""`chargegrid serve` runs on uvloop by default and on asyncio's loop on request."""

from __future__ import annotations

import asyncio

import pytest

from chargegrid import event_loop
from chargegrid.settings import Settings


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_uvloop_by_default() -> None:
    assert Settings().event_loop == "uvloop"
    assert event_loop.run(_loop_module()).startswith("uvloop")


def test_asyncio_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARGEGRID_EVENT_LOOP", "asyncio")
    kind = Settings().event_loop
    assert kind == "asyncio"
    assert event_loop.run(_loop_module(), kind=kind).startswith("asyncio")
