"""A fleet of simulated stations with vehicles arriving and leaving, for demos and benchmarks.

Arrivals are random but seeded, so a benchmark run is repeatable. Each arrival plugs a
vehicle into a free connector and presents a tag; each departure unplugs after a dwell time.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chargegrid.simulator.connector import ConnectorStatus
from chargegrid.simulator.station import SimulatedStation
from chargegrid.simulator.vehicle import Vehicle


def random_vehicle(rng: random.Random) -> Vehicle:
    """A plausible mix: 1-phase 16 A / 32 A, 2-phase 16 A, 3-phase 16 A and 32 A."""
    phases, amps = rng.choice([(1, 16.0), (1, 32.0), (2, 16.0), (3, 16.0), (3, 32.0)])
    return Vehicle(phases=phases, max_current=amps, capacity_kwh=rng.choice([40.0, 60.0, 77.0]),
                   soc=rng.uniform(0.1, 0.7))


@dataclass(frozen=True)
class TrafficOptions:
    """Vehicle traffic: mean seconds between arrivals per station, and dwell time range."""

    mean_arrival: float = 30.0
    dwell: tuple[float, float] = (60.0, 300.0)
    tags: tuple[str, ...] = ("TAG1",)
    seed: int = 1


class Fleet:
    """N stations named `{prefix}{n:03d}` against one URL."""

    def __init__(self, url: str, count: int, *, prefix: str = "SIM",
                 vehicle_factory: Callable[[random.Random], Vehicle] = random_vehicle,
                 traffic: TrafficOptions | None = None, **station_options: Any) -> None:
        if count < 1:
            raise ValueError("a fleet needs at least one station")
        self.stations = [SimulatedStation(f"{prefix}{n:03d}", url, **station_options)
                         for n in range(1, count + 1)]
        self.traffic = traffic
        self._vehicle_factory = vehicle_factory
        self._rng = random.Random(traffic.seed if traffic else 1)
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Fleet:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def start(self) -> None:
        for station in self.stations:
            await station.start()
            if self.traffic is not None:
                self._tasks.append(asyncio.ensure_future(self._traffic(station, self.traffic)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await asyncio.gather(*(s.stop() for s in self.stations))

    async def wait_online(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        await asyncio.gather(*(s.wait_online(timeout) for s in self.stations))

    @property
    def online(self) -> int:
        return sum(1 for s in self.stations if s.online)

    def charging(self) -> int:
        return sum(1 for s in self.stations for cid in s.core.connectors
                   if s.status(cid) is ConnectorStatus.CHARGING)

    def power_w(self) -> float:
        return sum(c.power_w for s in self.stations for c in s.core.connectors.values())

    async def _traffic(self, station: SimulatedStation, traffic: TrafficOptions) -> None:
        """Forever: wait for an arrival, pick a free connector, charge, leave after the dwell."""
        while True:
            await asyncio.sleep(self._rng.expovariate(1.0 / traffic.mean_arrival))
            free = [cid for cid, conn in station.core.connectors.items()
                    if conn.vehicle is None and conn.status is ConnectorStatus.AVAILABLE]
            if not free:
                continue
            cid = self._rng.choice(free)
            dwell = self._rng.uniform(*traffic.dwell)
            vehicle = self._vehicle_factory(self._rng)
            tag = self._rng.choice(traffic.tags)
            self._tasks.append(asyncio.ensure_future(self._visit(station, cid, vehicle, tag,
                                                                 dwell)))

    @staticmethod
    async def _visit(station: SimulatedStation, cid: int, vehicle: Vehicle, tag: str,
                     dwell: float) -> None:
        await station.plug_in(cid, vehicle)
        await station.present_tag(cid, tag)
        await asyncio.sleep(dwell)
        await station.unplug(cid)
