"""MQTT meter: subscribes to a topic carrying JSON such as
{"L1": 12.3, "L2": 10.0, "L3": 9.1, "power_w": 6900, "energy_wh": 123456}, with a configurable
path per field for gateways that nest their values ("grid.currents.0").

A payload that is not JSON, lacks a phase, or carries a non-number is logged and
ignored: it never crashes the subscription and never becomes a reading, so a broken
gateway looks exactly like a silent one — stale — and the controller falls back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import uuid
from typing import Any

import aiomqtt
from pydantic import BaseModel, ConfigDict, Field

from chargegrid.clock import Clock
from chargegrid.meters.capabilities import PHASES, MeterReading, PhaseValues, ReadingSink
from chargegrid.meters.errors import MeterReadError
from chargegrid.meters.registry import Options, decode_options

log = logging.getLogger(__name__)

TYPE_NAME = "mqtt"


class MqttPaths(BaseModel):
    """Dotted JSON path of each field; integer segments index lists. None = not read."""

    model_config = ConfigDict(extra="forbid")

    L1: str = "L1"
    L2: str = "L2"
    L3: str = "L3"
    power_w: str | None = "power_w"
    energy_wh: str | None = "energy_wh"


class MqttOptions(BaseModel):
    """Options of a `type: mqtt` meter."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    topic: str = Field(min_length=1)
    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    username: str | None = None
    password: str | None = None
    paths: MqttPaths = Field(default_factory=MqttPaths)
    reconnect_s: float = Field(default=2.0, gt=0, le=300)


_MISSING = object()


def extract(payload: Any, path: str) -> Any:
    """Follow a dotted path into parsed JSON; returns `_MISSING` when any step is absent."""
    node = payload
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif (isinstance(node, list) and part.lstrip("-").isdigit()
              and -len(node) <= int(part) < len(node)):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{field} is not a number: {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{field} is not finite")
    return number


def parse_payload(
    raw: bytes | str, paths: MqttPaths
) -> tuple[PhaseValues, float | None, float | None]:
    """Pure: payload → (currents, power, energy); ValueError says why it was rejected."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"not JSON: {err}") from err
    currents: list[float] = []
    for phase in PHASES:
        value = extract(data, getattr(paths, phase))
        if value is _MISSING:
            raise ValueError(f"{phase} missing at path {getattr(paths, phase)!r}")
        currents.append(_number(value, phase))
    optional: list[float | None] = []
    for field in ("power_w", "energy_wh"):
        path = getattr(paths, field)
        value = _MISSING if path is None else extract(data, path)
        optional.append(None if value is _MISSING or value is None else _number(value, field))
    return PhaseValues(*currents), optional[0], optional[1]


class MqttMeter:
    """A push meter: a background task keeps the latest good reading; `read()` returns it.

    `read()` hands back the reading with the time it *arrived*, so the poller re-publishing
    it does not make it look fresher than it is.
    """

    def __init__(self, options: MqttOptions, clock: Clock, sink: ReadingSink | None = None) -> None:
        self._opts = options
        self._clock = clock
        self._sink = sink
        self._latest: MeterReading | None = None
        self._task: asyncio.Task[None] | None = None
        self.subscribed = asyncio.Event()
        self.rejected = 0

    @property
    def source_id(self) -> str:
        return self._opts.id

    @property
    def latest(self) -> MeterReading | None:
        return self._latest

    def set_sink(self, sink: ReadingSink | None) -> None:
        """Publish each good reading as it arrives (in addition to `read()`)."""
        self._sink = sink

    async def start(self) -> None:
        """Start the subscription task (idempotent); it reconnects until `close()`."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"mqtt-meter-{self.source_id}")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.subscribed.clear()

    async def read(self) -> MeterReading:
        if self._latest is None:
            raise MeterReadError(f"mqtt meter {self.source_id!r}: no valid message received yet")
        return self._latest

    async def currents(self) -> PhaseValues:
        return (await self.read()).currents_a

    def handle_payload(self, raw: bytes | str) -> MeterReading | None:
        """Turn one message into a reading, or log and ignore it (never raises)."""
        try:
            currents, power, energy = parse_payload(raw, self._opts.paths)
        except ValueError as err:
            self.rejected += 1
            log.warning("mqtt meter %r on %r: payload ignored: %s",
                        self.source_id, self._opts.topic, err)
            return None
        reading = MeterReading(self.source_id, self._clock.now(), currents, power, energy)
        self._latest = reading
        if self._sink is not None:
            try:
                self._sink(reading)
            except Exception:
                log.exception("mqtt meter %r: reading sink failed", self.source_id)
        return reading

    async def _run(self) -> None:
        while True:
            try:
                async with aiomqtt.Client(
                    self._opts.host, self._opts.port,
                    username=self._opts.username, password=self._opts.password,
                    identifier=f"chargegrid-meter-{uuid.uuid4().hex[:12]}",
                ) as client:
                    await client.subscribe(self._opts.topic, qos=0)
                    self.subscribed.set()
                    async for message in client.messages:
                        payload = message.payload
                        if isinstance(payload, bytes | str):
                            self.handle_payload(payload)
                        else:
                            self.rejected += 1
                            log.warning("mqtt meter %r: non-text payload ignored", self.source_id)
            except aiomqtt.MqttError as err:
                log.warning("mqtt meter %r: broker %s:%s: %s; retrying in %.1fs", self.source_id,
                            self._opts.host, self._opts.port, err, self._opts.reconnect_s)
            self.subscribed.clear()
            await asyncio.sleep(self._opts.reconnect_s)


def build_mqtt_meter(options: Options, clock: Clock) -> MqttMeter:
    """Factory for the registry."""
    return MqttMeter(decode_options(MqttOptions, options, driver=TYPE_NAME), clock)
