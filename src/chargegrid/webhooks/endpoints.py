"""Managing webhook endpoints: plain functions of a session; the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from chargegrid.errors import InvalidInputError, NotFoundError
from chargegrid.store.models import WebhookDelivery, WebhookEndpoint
from chargegrid.webhooks.events import EVENT_TYPES
from chargegrid.webhooks.signing import new_secret


def check_url(url: str) -> str:
    """Only absolute http(s) URLs with a host; anything else could never be delivered."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError("url: must be an absolute http:// or https:// URL")
    if len(url) > 2048:
        raise InvalidInputError("url: longer than 2048 characters")
    return url


def check_event_types(event_types: Sequence[str]) -> list[str]:
    """At least one known event type, each once, in a stable order."""
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise InvalidInputError(f"event_types: unknown {', '.join(unknown)} "
                                f"(known: {', '.join(EVENT_TYPES)})")
    if not event_types:
        raise InvalidInputError("event_types: subscribe to at least one event type")
    return [t for t in EVENT_TYPES if t in set(event_types)]


def create(session: Session, *, url: str, event_types: Sequence[str], now: datetime,
           secret: str | None = None, description: str | None = None,
           organisation_id: int | None = None, active: bool = True) -> WebhookEndpoint:
    """Register an endpoint; without a secret one is generated (returned once by the API)."""
    if secret is not None and len(secret) < 16:
        raise InvalidInputError("secret: at least 16 characters")
    endpoint = WebhookEndpoint(
        url=check_url(url), event_types=check_event_types(event_types),
        secret=secret or new_secret(), description=description, active=active,
        organisation_id=organisation_id, created_at=now, updated_at=now)
    session.add(endpoint)
    session.flush()
    return endpoint


def get_or_raise(session: Session, *, endpoint_id: int,
                 organisation_id: int | None = None) -> WebhookEndpoint:
    """One endpoint; another organisation's endpoint is reported as not found."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or (organisation_id is not None
                            and endpoint.organisation_id != organisation_id):
        raise NotFoundError(f"webhook endpoint {endpoint_id} not found")
    return endpoint


def list_all(session: Session, *, organisation_id: int | None = None) -> list[WebhookEndpoint]:
    """Endpoints in id order (only those of `organisation_id` when given)."""
    query = select(WebhookEndpoint).order_by(WebhookEndpoint.id)
    if organisation_id is not None:
        query = query.where(WebhookEndpoint.organisation_id == organisation_id)
    return list(session.scalars(query))


def update(session: Session, *, endpoint: WebhookEndpoint, now: datetime,
           url: str | None = None, event_types: Sequence[str] | None = None,
           active: bool | None = None, description: str | None = None,
           rotate_secret: bool = False) -> WebhookEndpoint:
    """Change what is given; all checks pass before anything is changed."""
    new_url = check_url(url) if url is not None else endpoint.url
    new_types = check_event_types(event_types) if event_types is not None else None
    endpoint.url = new_url
    if new_types is not None:
        endpoint.event_types = new_types
    if active is not None:
        endpoint.active = active
    if description is not None:
        endpoint.description = description
    if rotate_secret:
        endpoint.secret = new_secret()
    endpoint.updated_at = now
    session.flush()
    return endpoint


def delete(session: Session, *, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint and its delivery log (pending deliveries are dropped with it)."""
    session.delete(endpoint)
    session.flush()


def deliveries(session: Session, *, endpoint_id: int, status: str | None = None,
               limit: int = 100, offset: int = 0) -> list[WebhookDelivery]:
    """An endpoint's delivery log, newest first."""
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    query = query.order_by(WebhookDelivery.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


def redeliver(session: Session, *, delivery: WebhookDelivery, now: datetime) -> None:
    """Put a failed (or delivered) delivery back in the queue, same event id and body."""
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = now
    session.flush()
