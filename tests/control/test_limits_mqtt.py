"""External limits by MQTT: the topic template, message validation, and the whole path on the
real Mosquitto (127.0.0.1:1883, a fresh topic per test): a published limit is stored like an
API one (source "mqtt"), wakes the controller, and a charging station follows it at once;
bad messages are logged and dropped without stopping the subscription."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiomqtt
import pytest
from sqlalchemy import select

from chargegrid.control.controller import ControllerOptions
from chargegrid.control.limits_mqtt import (
    TopicTemplate,
    limits_mqtt_options,
    parse_message,
)
from chargegrid.control.profile_plan import PlanOptions
from chargegrid.runtime import Runtime
from chargegrid.settings import Settings
from chargegrid.simulator import SimulatedStation, Vehicle
from chargegrid.store.models import ExternalLimit, Site, Station
from tests.helpers import seed

END = "2030-01-01T00:00:00Z"


def test_topic_template_subscription_and_site_id() -> None:
    topics = TopicTemplate("chargegrid/sites/{site_id}/limits")
    assert topics.subscription == "chargegrid/sites/+/limits"
    assert topics.site_of("chargegrid/sites/12/limits") == 12
    for wrong in ("chargegrid/sites/x/limits", "chargegrid/sites/0/limits",
                  "chargegrid/sites/12/other", "other/sites/12/limits"):
        with pytest.raises(ValueError):
            topics.site_of(wrong)


@pytest.mark.parametrize("template", ["chargegrid/limits", "a/{site_id}/{site_id}",
                                      "a/site{site_id}/limits", "a/+/{site_id}", "#/{site_id}"])
def test_bad_topic_templates_are_refused_at_start_up(template: str) -> None:
    with pytest.raises(ValueError, match="external limits topic"):
        TopicTemplate(template)
    with pytest.raises(ValueError, match="external limits topic"):
        limits_mqtt_options(Settings(external_limits_mqtt_topic=template))


def test_no_topic_means_no_subscription() -> None:
    assert limits_mqtt_options(Settings()) is None


def test_parse_amps_and_kilowatts() -> None:
    amps = parse_message(json.dumps({"node": "UV1", "limit_a": 16, "start": "2030-01-01T00:00"
                                     ":00+01:00", "end": END, "reason": "DSO"}), 3)
    assert (amps.site_id, amps.node_id, amps.value, amps.unit) == (3, "UV1", 16.0, "A")
    assert amps.starts_at == datetime(2029, 12, 31, 23, tzinfo=UTC)
    assert amps.ends_at == datetime(2030, 1, 1, tzinfo=UTC)
    kw = parse_message(json.dumps({"limit_kw": 11.5, "end": END}), 3)
    assert (kw.node_id, kw.value, kw.unit, kw.starts_at, kw.reason) == (None, 11.5, "kW",
                                                                        None, None)


@pytest.mark.parametrize("payload, reason", [
    (b"{nope", "not JSON"),
    (b"\xff", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (json.dumps({"limit_a": 10}), "end: Field required"),
    (json.dumps({"end": END}), "exactly one of limit_a and limit_kw"),
    (json.dumps({"limit_a": 10, "limit_kw": 5, "end": END}), "exactly one"),
    (json.dumps({"limit_a": -1, "end": END}), "limit_a: Input should be greater than or equal"),
    (json.dumps({"limit_a": "10", "end": END}), "limit_a"),
    (json.dumps({"limit_a": True, "end": END}), "limit_a"),
    (b'{"limit_a": NaN, "end": "2030-01-01T00:00:00Z"}', "finite"),
    (json.dumps({"limit_a": 10, "end": "2030-01-01T00:00:00"}), "needs a UTC offset"),
    (json.dumps({"limit_a": 10, "end": "tomorrow"}), "not an ISO 8601 timestamp"),
    (json.dumps({"limit_a": 10, "end": 1893456000}), "must be an ISO 8601 string"),
    (json.dumps({"limit_a": 10, "end": END, "nodes": "HV"}), "nodes: Extra inputs"),
    (json.dumps({"limit_a": 10, "end": END, "node": ""}), "node"),
])
def test_bad_messages_say_what_is_wrong(payload: bytes | str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_message(payload, 1)


@pytest.fixture
def topic_template() -> str:
    return f"chargegrid-test/{uuid.uuid4().hex}/sites/{{site_id}}/limits"


@pytest.fixture
def settings(database_url: str, topic_template: str) -> Settings:
    """The shared settings plus the limits topic (overrides tests/conftest.py's)."""
    return Settings(database_url=database_url, host="127.0.0.1", command_timeout_s=5.0,
                    heartbeat_interval_s=60, external_limits_mqtt_topic=topic_template)


@pytest.fixture
async def site_id(runtime: Runtime) -> AsyncIterator[int]:
    seed(runtime, station_ids=("LIM1",))
    now = datetime.now(UTC)
    with runtime.sessions() as s:
        site = Site(name="limited", mode="static", created_at=now, updated_at=now,
                    topology={"format": "chargegrid-scenario/1", "fallback": {"mode": "zero"},
                              "nodes": [{"id": "HV", "limit_a": 63},
                                        {"id": "UV1", "parent": "HV", "limit_a": 40}]})
        s.add(site)
        s.flush()
        station = s.get(Station, "LIM1")
        assert station is not None
        station.site_id, station.node_id, station.max_current_a = site.id, "UV1", 32.0
        s.commit()
        site_id = site.id
    runtime.control._options = ControllerOptions(period_s=3600, debounce_s=0.05,
                                                 plan=PlanOptions(step_a=0.5, validity_s=60))
    await runtime.start_control()
    subscriber = runtime.control.limits_subscriber
    assert subscriber is not None
    async with asyncio.timeout(20):
        await subscriber.subscribed.wait()
    yield site_id


def _limits(runtime: Runtime) -> list[ExternalLimit]:
    with runtime.sessions() as s:
        return list(s.scalars(select(ExternalLimit).order_by(ExternalLimit.id)))


async def _wait(predicate: object, timeout: float = 20.0) -> None:
    assert callable(predicate)
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


async def test_published_limit_is_stored_applied_and_bad_ones_dropped(
        runtime: Runtime, ocpp_url: str, site_id: int, topic_template: str,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    subscriber = runtime.control.limits_subscriber
    assert subscriber is not None
    topic = topic_template.replace("{site_id}", str(site_id))
    station = SimulatedStation("LIM1", ocpp_url, connectors=1, meter_interval=0.1,
                               backoff_initial=0.05, backoff_max=0.2)
    end = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    try:
        await station.start()
        await station.wait_online(timeout=20)
        await station.plug_in(1, Vehicle(phases=3, max_current=32, soc=0.2))
        assert await station.present_tag(1, "TAG1")
        await station.wait_for(lambda s: min(s.currents(1)) >= 31.9, timeout=20)

        async with aiomqtt.Client("127.0.0.1", 1883) as client:
            await client.publish(topic, json.dumps(
                {"node": "UV1", "limit_a": 10, "end": end, "reason": "DSO signal"}), qos=1)
            # Applied at once: the controller's period is an hour, so only the wake-up
            # from the stored limit can bring the station down.
            await station.wait_for(lambda s: 0 < max(s.currents(1)) <= 10.0, timeout=20)
            (row,) = _limits(runtime)
            assert (row.site_id, row.node_id, row.limit_a, row.source, row.reason) == (
                site_id, "UV1", 10.0, "mqtt", "DSO signal")
            assert row.requested_unit == "A" and row.created_by == "mqtt"
            assert any("external limit" in r.message and "imposed" in r.message
                       for r in caplog.records)

            # Bad messages: each logged with its reason, none stored, subscription alive.
            bad: list[bytes | str] = [b"{nope", json.dumps({"limit_a": 5}),
                   json.dumps({"node": "NOPE", "limit_a": 5, "end": end}),
                   json.dumps({"limit_a": 5, "start": end, "end": end}),
                   json.dumps({"limit_kw": 1, "end": "2099-01-01T00:00:00Z"})]
            for payload in bad:
                await client.publish(topic, payload, qos=1)
            await client.publish(topic.replace(f"/{site_id}/", "/999/"),
                                 json.dumps({"limit_a": 5, "end": end}), qos=1)
            await _wait(lambda: subscriber.rejected >= len(bad) + 1)
            assert subscriber.rejected == len(bad) + 1
            warnings = [r.message for r in caplog.records if r.levelno == logging.WARNING
                        and "external limit on" in r.message]
            assert any("'NOPE' is not a node" in w for w in warnings)
            assert any("site 999 does not exist" in w for w in warnings)
            assert any("at most 7 days" in w for w in warnings)
            assert len(_limits(runtime)) == 1

            # The same message again (redelivery): stored once.
            await client.publish(topic, json.dumps(
                {"node": "UV1", "limit_a": 10, "end": end, "reason": "DSO signal"}), qos=1)
            await _wait(lambda: subscriber.duplicates == 1)
            assert len(_limits(runtime)) == 1

            # A tighter site-wide limit in kW (6 A per phase) on the root node.
            await client.publish(topic, json.dumps(
                {"limit_kw": 4.14, "end": end, "reason": "peak"}), qos=1)
            await station.wait_for(lambda s: 0 < max(s.currents(1)) <= 6.0 + 1e-6, timeout=20)
            rows = _limits(runtime)
            assert len(rows) == 2 and rows[1].node_id == "HV"
            assert rows[1].limit_a == pytest.approx(6.0)
            assert subscriber.stored == 2
    finally:
        await station.stop()
