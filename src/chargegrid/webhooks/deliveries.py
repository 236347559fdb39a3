"""The outbox's bookkeeping: claim due deliveries, record each attempt's outcome.

A claim moves `next_attempt_at` forward by a lease before anything is sent, so a second
worker (another node) does not send the same delivery at the same time, and a worker that
dies mid-send leaves the delivery to be retried when the lease runs out: delivery is at
least once, and receivers drop duplicates by event id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from chargegrid.store.models import WebhookDelivery, WebhookEndpoint

RESPONSE_KEEP_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Attempt:
    """Everything needed to send one delivery once, detached from the session."""

    delivery_id: int
    event_id: str
    event_type: str
    url: str
    secret: str
    body: str
    attempt: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt got: an HTTP status (and the start of the answer) or an error."""

    delivery_id: int
    status_code: int | None
    response: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential back-off: base, 2×base, 4×base... capped; gives up after `max_attempts`."""

    max_attempts: int = 10
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=6)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt."""
        return min(self.base * (1 << min(max(attempts - 1, 0), 30)), self.cap)


def any_due(session: Session, *, now: datetime) -> bool:
    """A cheap read that lets an idle worker skip the write path."""
    return bool(session.scalar(select(exists().where(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now))))


def claim_due(session: Session, *, now: datetime, limit: int,
              lease: timedelta) -> list[Attempt]:
    """Take up to `limit` due deliveries of active endpoints, oldest due first."""
    query = (select(WebhookDelivery, WebhookEndpoint)
             .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
             .where(WebhookDelivery.status == "pending",
                    WebhookDelivery.next_attempt_at <= now,
                    WebhookEndpoint.active.is_(True))
             .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
             .limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
    attempts = []
    for delivery, endpoint in session.execute(query):
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + lease
        attempts.append(Attempt(delivery.id, delivery.event_id, delivery.event_type,
                                endpoint.url, endpoint.secret, delivery.body,
                                delivery.attempts))
    session.flush()
    return attempts


def record(session: Session, *, outcomes: list[Outcome], now: datetime,
           policy: RetryPolicy) -> None:
    """Store each outcome: 2xx is delivered; otherwise retry later, or give up."""
    for outcome in outcomes:
        delivery = session.get(WebhookDelivery, outcome.delivery_id)
        if delivery is None:  # the endpoint was deleted while we were sending
            continue
        delivery.last_status_code = outcome.status_code
        delivery.last_response = (outcome.response or "")[:RESPONSE_KEEP_CHARS] or None
        delivery.last_error = outcome.error[:512] if outcome.error else None
        if outcome.ok:
            delivery.status = "delivered"
            delivery.delivered_at = now
        elif delivery.attempts >= policy.max_attempts:
            delivery.status = "failed"
        else:
            delivery.next_attempt_at = now + policy.delay(delivery.attempts)
    session.flush()
