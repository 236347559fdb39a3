"""External limits by MQTT: a grid operator's gateway (or any EMS above us) publishes
`{"node": "UV1", "limit_kw": 20, "start": "...Z", "end": "...Z", "reason": "..."}` on
`chargegrid/sites/{site_id}/limits`, and the limit is stored and applied like one posted to
the REST API (`services/external_limits.impose`, source "mqtt"), then the site's controller
is woken at once.

A message we cannot use (not JSON, a field missing or wrong, an unknown site or node, an
end before its start) is logged with the reason and dropped: it never stops the
subscription, and it never half-applies. The same limit delivered twice (a retained
message after a reconnect, QoS 1 redelivery) is stored once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import aiomqtt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.orm import Session, sessionmaker

from chargegrid.clock import Clock
from chargegrid.errors import ChargeGridError
from chargegrid.services import external_limits
from chargegrid.settings import Settings
from chargegrid.store.models import ExternalLimit

log = logging.getLogger(__name__)

SITE_PLACEHOLDER = "{site_id}"
STOP_TIMEOUT_S = 5.0

SiteWaker = Callable[[int], None]


class LimitMessage(BaseModel):
    """One limit as published; exactly one of `limit_a` / `limit_kw`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    node: str | None = Field(default=None, min_length=1, max_length=48)
    limit_a: float | None = Field(default=None, ge=0)
    limit_kw: float | None = Field(default=None, ge=0)
    start: datetime | None = None
    end: datetime
    reason: str | None = Field(default=None, max_length=255)

    @field_validator("limit_a", "limit_kw", mode="before")
    @classmethod
    def _finite_number(cls, value: object) -> object:
        # strict mode already refuses strings and booleans; ints are fine as amps/kW
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _aware_timestamp(cls, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError("must be an ISO 8601 string")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as err:
            raise ValueError(f"not an ISO 8601 timestamp: {value!r}") from err
        if parsed.tzinfo is None:
            raise ValueError("needs a UTC offset (e.g. 'Z')")
        return parsed


@dataclass(frozen=True, slots=True)
class LimitRequest:
    """A validated message, ready for `external_limits.impose`."""

    site_id: int
    node_id: str | None
    value: float
    unit: str
    starts_at: datetime | None
    ends_at: datetime
    reason: str | None


class TopicTemplate:
    """`chargegrid/sites/{site_id}/limits` → the wildcard to subscribe to and the site id
    of a concrete topic."""

    def __init__(self, template: str) -> None:
        if template.count(SITE_PLACEHOLDER) != 1:
            raise ValueError(f"external limits topic {template!r} needs exactly one "
                             f"{SITE_PLACEHOLDER} placeholder")
        before, after = template.split(SITE_PLACEHOLDER)
        if any(c in before + after for c in "+#"):
            raise ValueError(f"external limits topic {template!r}: no MQTT wildcards besides "
                             f"{SITE_PLACEHOLDER}")
        if (before and not before.endswith("/")) or (after and not after.startswith("/")):
            raise ValueError(f"external limits topic {template!r}: {SITE_PLACEHOLDER} must be "
                             "a whole topic level")
        self.template = template
        self.subscription = f"{before}+{after}"
        self._pattern = re.compile(f"^{re.escape(before)}([^/]+){re.escape(after)}$")

    def site_of(self, topic: str) -> int:
        """The site id in `topic`; ValueError when the topic does not name one."""
        match = self._pattern.match(topic)
        if match is None:
            raise ValueError(f"topic {topic!r} does not match {self.template!r}")
        text = match.group(1)
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"topic {topic!r}: site id {text!r} is not a positive integer")
        return int(text)


def parse_message(raw: bytes | str, site_id: int) -> LimitRequest:
    """Pure: payload → request; ValueError names what is wrong."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"not JSON: {err}") from err
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    try:
        message = LimitMessage.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'payload'}: {e['msg']}"
                             for e in err.errors())
        raise ValueError(problems) from None
    if (message.limit_a is None) == (message.limit_kw is None):
        raise ValueError("give exactly one of limit_a and limit_kw")
    value, unit = ((message.limit_a, "A") if message.limit_a is not None
                   else (message.limit_kw, "kW"))
    assert value is not None
    return LimitRequest(site_id, message.node, value, unit, message.start, message.end,
                        message.reason)


def store(session: Session, request: LimitRequest, *, now: datetime) -> ExternalLimit | None:
    """Impose the limit through the service (same checks and record as the API); None when
    the very same limit is already stored (a redelivered message)."""
    existing = external_limits.find_same(
        session, site_id=request.site_id, node_id=request.node_id, value=request.value,
        unit=request.unit, starts_at=request.starts_at, ends_at=request.ends_at,
        source="mqtt", now=now)
    if existing is not None:
        return None
    return external_limits.impose(
        session, site_id=request.site_id, value=request.value, unit=request.unit,
        ends_at=request.ends_at, now=now, node_id=request.node_id,
        starts_at=request.starts_at, source="mqtt", reason=request.reason,
        created_by="mqtt")


@dataclass(frozen=True, slots=True)
class LimitsMqttOptions:
    topic: str
    host: str = "127.0.0.1"
    port: int = 1883
    username: str | None = None
    password: str | None = None
    reconnect_s: float = 2.0


def limits_mqtt_options(settings: Settings) -> LimitsMqttOptions | None:
    """The subscription the settings ask for, or None when no topic is configured."""
    topic = settings.external_limits_mqtt_topic
    if not topic:
        return None
    TopicTemplate(topic)  # a wrong template fails at start-up, not at the first message
    return LimitsMqttOptions(topic=topic, host=settings.external_limits_mqtt_host,
                             port=settings.external_limits_mqtt_port,
                             username=settings.external_limits_mqtt_username,
                             password=settings.external_limits_mqtt_password)


class ExternalLimitsSubscriber:
    """Subscribes until stopped, reconnecting after broker failures; `wake(site_id)` is
    called after each stored limit so the controller applies it at once."""

    def __init__(self, options: LimitsMqttOptions, *, sessions: sessionmaker[Session],
                 clock: Clock, wake: SiteWaker) -> None:
        self._opts = options
        self._topics = TopicTemplate(options.topic)
        self._sessions = sessions
        self._clock = clock
        self._wake = wake
        self._task: asyncio.Task[None] | None = None
        self.subscribed = asyncio.Event()
        self.stored = 0
        self.rejected = 0
        self.duplicates = 0

    async def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="external-limits-mqtt")

    async def stop(self) -> None:
        """Cancel the subscription; shutdown never waits more than `STOP_TIMEOUT_S` on a
        broker that does not answer the disconnect."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=STOP_TIMEOUT_S)
            if not done:
                log.warning("external limits subscription did not stop in %.0f s; left behind",
                            STOP_TIMEOUT_S)
            elif not task.cancelled() and task.exception() is not None:
                log.error("external limits subscription had failed: %r", task.exception())
        self.subscribed.clear()

    async def handle(self, topic: str, raw: bytes | str) -> ExternalLimit | None:
        """Validate and store one message, or log why not (never raises)."""
        try:
            request = parse_message(raw, self._topics.site_of(topic))
        except ValueError as err:
            self._reject(topic, str(err))
            return None
        try:
            row = await asyncio.to_thread(self._store, request)
        except ChargeGridError as err:
            self._reject(topic, err.message)
            return None
        except Exception:
            self.rejected += 1
            log.exception("external limit on %r not stored", topic)
            return None
        if row is None:
            self.duplicates += 1
            log.info("external limit on %r already stored; duplicate ignored", topic)
            return None
        self.stored += 1
        self._wake(request.site_id)
        return row

    def _reject(self, topic: str, reason: str) -> None:
        self.rejected += 1
        log.warning("external limit on %r ignored: %s", topic, reason)

    def _store(self, request: LimitRequest) -> ExternalLimit | None:
        with self._sessions() as session:
            row = store(session, request, now=self._clock.now())
            session.commit()
            if row is not None:
                session.refresh(row)
                session.expunge(row)
            return row

    async def _run(self) -> None:
        while True:
            try:
                async with aiomqtt.Client(
                    self._opts.host, self._opts.port, username=self._opts.username,
                    password=self._opts.password,
                    identifier=f"chargegrid-limits-{uuid.uuid4().hex[:12]}",
                ) as client:
                    await client.subscribe(self._topics.subscription, qos=1)
                    self.subscribed.set()
                    async for message in client.messages:
                        payload = message.payload
                        if isinstance(payload, bytes | str):
                            await self.handle(str(message.topic), payload)
                        else:
                            self._reject(str(message.topic), "payload is not text")
            except aiomqtt.MqttError as err:
                log.warning("external limits: broker %s:%s: %s; retrying in %.1fs",
                            self._opts.host, self._opts.port, err, self._opts.reconnect_s)
            self.subscribed.clear()
            await asyncio.sleep(self._opts.reconnect_s)
