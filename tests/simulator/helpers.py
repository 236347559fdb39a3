"""Fixture helpers shared by the 1.6 and 2.0.1 simulator tests.

Both versions' tests run a library-built central system on a free port and one station with
short intervals against it; the set-up and tear-down are the same, so they live here once.
Intervals are short (0.1 s meter interval, 50 ms back-off) so the tests are fast, and every
wait is on a condition with a timeout so they do not depend on timing luck.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol, TypeVar

from chargegrid.simulator import SimulatedStation

FAST: dict[str, Any] = dict(connectors=2, meter_interval=0.1, backoff_initial=0.05,
                            backoff_max=0.2, response_timeout=2)
"""SimulatedStation options for tests: two connectors, fast meter and back-off."""


class Server(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


S = TypeVar("S", bound=Server)


@asynccontextmanager
async def serving(server: S) -> AsyncIterator[S]:
    """A test central system, listening for the duration of the block."""
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@asynccontextmanager
async def online(station: SimulatedStation) -> AsyncIterator[SimulatedStation]:
    """`station` started and accepted by the central system for the duration of the block."""
    await station.start()
    await station.wait_online()
    try:
        yield station
    finally:
        await station.stop()


def fast_station(station_id: str, url: str, **kw: Any) -> SimulatedStation:
    """A station with the `FAST` options, overridden or extended by `kw`."""
    return SimulatedStation(station_id, url, **{**FAST, **kw})
