"""A dynamic site measured by a grid meter over MQTT (the real Mosquitto on loopback): the
building load is subtracted from what charging may use; when the meter goes silent, the
controller falls back to static limits for that part of the tree within the configured
time — never to "no limit"."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiomqtt

from chargegrid.bus.events import PhaseCurrents, StationConnected, TransactionStarted
from chargegrid.clock import SystemClock
from chargegrid.control.controller import SiteController
from chargegrid.control.site_meters import SiteMeters
from chargegrid.domain.commands import Command, CommandResult
from chargegrid.runtime import Runtime
from chargegrid.services.commands import Delivery
from chargegrid.store.models import Site, Station
from tests.helpers import seed


class AcceptingCommands:
    """Stands in for the command path: every station accepts every profile."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Command]] = []

    async def send_many(self, requests: list[tuple[str, Command]], **_: Any) -> list[Delivery]:
        out = []
        for station_id, command in requests:
            self.sent.append((station_id, command))
            out.append(Delivery(station_id, command, len(self.sent), CommandResult("Accepted"),
                                None))
        return out


async def test_building_load_and_meter_silence(runtime: Runtime) -> None:
    topic = f"chargegrid-test/{uuid.uuid4().hex}/grid"
    topology = {"format": "chargegrid-scenario/1", "fallback": {"mode": "fair"},
                "static_limits_a": {"HV": 30},
                "nodes": [{"id": "HV", "limit_a": 100}],
                "meters": [{"node": "HV", "type": "mqtt", "topic": topic, "max_age_s": 1.0,
                            "interval_s": 0.1}]}
    seed(runtime, station_ids=("M1", "M2"))
    now = datetime.now(UTC)
    with runtime.sessions() as s:
        site = Site(name="dynamic", topology=topology, mode="dynamic", created_at=now,
                    updated_at=now)
        s.add(site)
        s.flush()
        site_id = site.id
        for sid in ("M1", "M2"):
            station = s.get(Station, sid)
            assert station is not None
            station.site_id, station.node_id, station.max_current_a = site_id, "HV", 32.0
            station.phase_rotation, station.field_rotation = "L1", "R"
        s.commit()
    meters = SiteMeters(topology["meters"], SystemClock())  # type: ignore[arg-type]
    commands = AcceptingCommands()
    controller = SiteController(site_id=site_id, sessions=runtime.sessions,
                                commands=commands, clock=SystemClock(), meters=meters)  # type: ignore[arg-type]
    for sid in ("M1", "M2"):
        controller.notify(StationConnected(sid, now))
        controller.notify(TransactionStarted(sid, 1, 1, now))
        # Drawing for a while already: the EV credit is taken as of (a margin before) the
        # meter reading, so a sample from just now would not count yet.
        controller.notify(PhaseCurrents(sid, 1, {"L1": 20.0, "L2": 20.0, "L3": 20.0},
                                        now - timedelta(seconds=10)))
    await meters.start()
    try:
        async with aiomqtt.Client("127.0.0.1", 1883) as client:
            # Grid meter: 80 A per phase in total, of which 2 × 20 A are the two cars.
            for _ in range(50):
                await client.publish(topic, json.dumps({"L1": 80, "L2": 80, "L3": 80}))
                await asyncio.sleep(0.05)
                if meters.latest:
                    break
            report = await controller.cycle()
            assert report is not None and report.stale_meters == ()
            # Where the cycle's time went, phase by phase, for the operator.
            assert list(report.timings_ms) == ["load", "fallbacks", "allocate", "lower",
                                               "raise", "history"]
            assert all(ms >= 0 for ms in report.timings_ms.values())
            limits = {k: v["limit_a"] for k, v in report.allocation["stations"].items()}
            # Base load 80 − 40 = 40 A leaves 60 A for two cars: 30 A each.
            assert limits == {"M1": 30.0, "M2": 30.0}
        # Silence for longer than max_age: static EV budget of 30 A for HV, not "no limit".
        await asyncio.sleep(1.3)
        report = await controller.cycle()
        assert report is not None and report.stale_meters == ("HV",)
        limits = {k: v["limit_a"] for k, v in report.allocation["stations"].items()}
        assert limits == {"M1": 15.0, "M2": 15.0}
    finally:
        await meters.stop()
