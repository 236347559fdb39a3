"""MQTT driver against the real Mosquitto on 127.0.0.1:1883, one fresh topic per test.

Nothing is published retained, so no test leaves state on the broker.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import aiomqtt
import pytest

from chargegrid.clock import FixedClock
from chargegrid.meters import MeterReadError, MeterReading, PhaseValues, default_meter_registry
from chargegrid.meters.mqtt import MqttMeter, MqttPaths, parse_payload

from .conftest import free_port, wait_for

BROKER = ("127.0.0.1", 1883)


@pytest.fixture
def topic() -> str:
    return f"chargegrid-test/{uuid.uuid4().hex}/grid-meter"


@pytest.fixture
async def publisher() -> AsyncIterator[aiomqtt.Client]:
    async with aiomqtt.Client(*BROKER, identifier=f"cg-test-pub-{uuid.uuid4().hex[:8]}") as c:
        yield c


def make_meter(clock: FixedClock, topic: str, **extra: object) -> MqttMeter:
    meter = default_meter_registry(clock).create(
        "mqtt", {"id": "grid", "topic": topic, "host": BROKER[0], "port": BROKER[1], **extra})
    assert isinstance(meter, MqttMeter)
    return meter


async def test_readings_arrive_and_bad_payloads_are_ignored(
        clock: FixedClock, topic: str, publisher: aiomqtt.Client) -> None:
    meter = make_meter(clock, topic)
    published: list[MeterReading] = []
    meter.set_sink(published.append)
    await meter.start()
    try:
        await wait_for(meter.subscribed.is_set, what="subscription")
        with pytest.raises(MeterReadError, match="no valid message"):
            await meter.read()
        await publisher.publish(topic, json.dumps(
            {"L1": 12.3, "L2": 10.0, "L3": 9.1, "power_w": 7000, "energy_wh": 5e6}))
        await wait_for(lambda: meter.latest is not None, what="first reading")
        first = await meter.read()
        assert first.currents_a == PhaseValues(12.3, 10.0, 9.1)
        assert (first.power_w, first.energy_wh) == (7000.0, 5e6)
        assert first.timestamp == clock.now()

        clock.advance(1)
        for bad in (b"{not json", b"\xff\xfe", json.dumps({"L1": 1, "L2": 2}),
                    json.dumps({"L1": "12", "L2": 1, "L3": 1}),
                    json.dumps({"L1": True, "L2": 1, "L3": 1}), json.dumps([1, 2, 3]),
                    json.dumps({"L1": 1, "L2": 1, "L3": 1, "power_w": "lots"})):
            await publisher.publish(topic, bad)
        await publisher.publish(topic, json.dumps({"L1": 1.0, "L2": 2.0, "L3": 3.0}))
        await wait_for(lambda: len(published) == 2, what="second good reading")
        assert meter.rejected == 7
        assert published[0] == first
        assert published[1].currents_a == PhaseValues(1.0, 2.0, 3.0)
        assert published[1].power_w is None
        assert published[1].timestamp == clock.now()
    finally:
        await meter.close()
    assert not meter.subscribed.is_set()


async def test_configured_json_paths(clock: FixedClock, topic: str,
                                     publisher: aiomqtt.Client) -> None:
    paths = {"L1": "grid.i.0", "L2": "grid.i.1", "L3": "grid.i.2",
             "power_w": "grid.p", "energy_wh": None}
    meter = make_meter(clock, topic, paths=paths)
    await meter.start()
    try:
        await wait_for(meter.subscribed.is_set)
        await publisher.publish(topic, json.dumps(
            {"grid": {"i": [7.5, 8.5, 9.5], "p": 5500}, "energy_wh": 1}))
        await wait_for(lambda: meter.latest is not None)
        reading = await meter.read()
        assert reading.currents_a == PhaseValues(7.5, 8.5, 9.5)
        assert reading.power_w == 5500.0
        assert reading.energy_wh is None
    finally:
        await meter.close()


async def test_unreachable_broker_never_produces_a_reading(clock: FixedClock,
                                                           topic: str) -> None:
    meter = make_meter(clock, topic, port=free_port(), reconnect_s=0.05)
    await meter.start()
    try:
        with pytest.raises(MeterReadError):
            await meter.read()
        assert not meter.subscribed.is_set()
    finally:
        await meter.close()


@pytest.mark.parametrize("payload, reason", [
    (b"", "not JSON"),
    (b'{"L1": 1, "L2": 2, "L3": NaN}', "not finite"),
    (b'{"L1": 1, "L2": 2, "L3": null}', "L3 is not a number"),
    (b'{"L1": 1, "L2": 2}', "L3 missing"),
])
def test_parse_payload_rejects(payload: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_payload(payload, MqttPaths())


def test_parse_payload_optional_fields_absent_or_null() -> None:
    currents, power, energy = parse_payload(b'{"L1": 1, "L2": 2, "L3": 3, "power_w": null}',
                                            MqttPaths())
    assert currents == PhaseValues(1.0, 2.0, 3.0)
    assert power is None and energy is None
