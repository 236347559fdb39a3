"""A meter reading that moves wakes the controller: `SiteMeters.on_change` fires on the first
reading and on a step larger than the threshold, not on noise nor on the poller
re-publishing the reading the push meter already delivered; the control service wires it to
the site's controller, so a step on the real MQTT broker starts a cycle long before the
controller's period."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import aiomqtt

from chargegrid.clock import SystemClock
from chargegrid.control.controller import ControllerOptions
from chargegrid.control.site_meters import SiteMeters
from chargegrid.meters.capabilities import MeterReading, PhaseValues
from chargegrid.meters.mqtt import MqttMeter
from chargegrid.runtime import Runtime
from chargegrid.store.models import Site

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _meters(changes: list[str], threshold: float = 1.0) -> SiteMeters:
    configs = [{"node": "HV", "type": "mqtt", "topic": "unused", "max_age_s": 10,
                "interval_s": 1, "id": "grid"}]
    return SiteMeters(configs, SystemClock(), on_change=changes.append,  # type: ignore[arg-type]
                      change_threshold_a=threshold)


def _reading(l1: float, at: datetime = T0) -> MeterReading:
    return MeterReading("grid", at, PhaseValues(l1, 10.0, 10.0))


def test_on_change_fires_on_first_reading_and_on_steps_only() -> None:
    changes: list[str] = []
    meters = _meters(changes)
    first = _reading(10.0)
    meters._on_reading(first)
    assert changes == ["HV"]
    meters._on_reading(first)  # the poller re-publishing the pushed reading
    meters._on_reading(_reading(10.9, T0 + timedelta(seconds=1)))  # noise
    assert changes == ["HV"]
    meters._on_reading(_reading(12.5, T0 + timedelta(seconds=2)))  # a step
    assert changes == ["HV", "HV"]
    assert meters.latest["HV"].currents_a.l1 == 12.5


def test_on_change_fires_when_the_meter_comes_back_from_stale() -> None:
    changes: list[str] = []
    meters = _meters(changes)
    meters._on_reading(_reading(10.0))
    meters._on_reading(_reading(10.0, T0 + timedelta(seconds=30)))  # same value, was stale
    assert changes == ["HV", "HV"]


def test_unknown_source_and_failing_listener_are_harmless() -> None:
    meters = _meters([])
    meters._on_reading(MeterReading("other", T0, PhaseValues(1.0, 1.0, 1.0)))
    assert meters.latest == {}

    def boom(_node: str) -> None:
        raise RuntimeError("listener bug")

    meters.on_change = boom
    meters._on_reading(_reading(10.0))
    assert meters.latest["HV"].currents_a.l1 == 10.0


async def test_mqtt_step_wakes_the_site_controller(runtime: Runtime) -> None:
    topic = f"chargegrid-test/{uuid.uuid4().hex}/grid"
    topology = {"format": "chargegrid-scenario/1", "nodes": [{"id": "HV", "limit_a": 100}],
                "meters": [{"node": "HV", "type": "mqtt", "topic": topic, "max_age_s": 60,
                            "interval_s": 30}]}
    now = datetime.now(UTC)
    with runtime.sessions() as s:
        s.add(Site(name="dynamic", topology=topology, mode="dynamic", created_at=now,
                   updated_at=now))
        s.commit()
    # A period far beyond the test: any cycle after the first comes from the meter.
    runtime.control._options = ControllerOptions(period_s=3600, debounce_s=0.01)
    await runtime.start_control()
    try:
        (controller,) = runtime.control.controllers.values()
        assert controller.meters is not None
        meter = controller.meters._pollers[0].meter
        assert isinstance(meter, MqttMeter)
        for _ in range(100):
            if controller.cycles >= 1 and meter.subscribed.is_set():
                break
            await asyncio.sleep(0.02)
        before = controller.cycles
        async with aiomqtt.Client("127.0.0.1", 1883) as client:
            await client.publish(topic, json.dumps({"L1": 40, "L2": 40, "L3": 40}))
            for _ in range(100):
                if controller.cycles > before:
                    break
                await asyncio.sleep(0.02)
        # Pushed at once (the poll interval is 30 s) and reallocated at once.
        assert controller.cycles > before
        assert controller.meters.latest["HV"].currents_a.l1 == 40.0
    finally:
        await runtime.control.stop()
