"""Writing events to the outbox: one delivery row per subscribed, active endpoint.

`emit` runs in the caller's session, so the event is committed together with the change it
reports (an invoice issued and its `invoice.issued` delivery, or neither) and nothing is sent
before the commit: the worker only reads committed rows.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chargegrid.errors import InvalidInputError
from chargegrid.store.models import Organisation, WebhookDelivery, WebhookEndpoint
from chargegrid.webhooks.events import EVENT_TYPES, PING, envelope


def with_parents(session: Session, organisation_id: int) -> list[int]:
    """The organisation and its parents up the chain: a group's endpoint hears about its
    subsidiaries' sessions (the chain is short; a cycle stops at the first repeat)."""
    chain = [organisation_id]
    while len(chain) < 32:
        parent = session.scalar(select(Organisation.parent_id)
                                .where(Organisation.id == chain[-1]))
        if parent is None or parent in chain:
            break
        chain.append(parent)
    return chain


def emit(session: Session, event_type: str, payload: dict[str, Any], *,
         now: datetime | None = None, organisation_id: int | None = None,
         endpoint_id: int | None = None) -> str:
    """Queue `event_type` with `payload` (its `data`) for every endpoint subscribed to it
    (and, when `organisation_id` is given, belonging to that organisation, to one of its
    parents, or to none);
    returns the event id receivers see. Nothing is sent here."""
    if event_type not in EVENT_TYPES and event_type != PING:
        raise InvalidInputError(f"event_type: unknown webhook event {event_type!r}")
    now = now or datetime.now(UTC)
    event_id = str(uuid.uuid4())
    body = envelope(event_id=event_id, event_type=event_type, created_at=now, data=payload)
    query = select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))
    if endpoint_id is not None:
        query = query.where(WebhookEndpoint.id == endpoint_id)
    if organisation_id is not None:
        query = query.where(or_(
            WebhookEndpoint.organisation_id.is_(None),
            WebhookEndpoint.organisation_id.in_(with_parents(session, organisation_id))))
    for endpoint in session.scalars(query.order_by(WebhookEndpoint.id)):
        # The event list is JSON (portable across backends), so it is matched here.
        if event_type != PING and event_type not in endpoint.event_types:
            continue
        session.add(WebhookDelivery(
            endpoint_id=endpoint.id, event_id=event_id, event_type=event_type, body=body,
            status="pending", attempts=0, next_attempt_at=now, created_at=now))
    session.flush()
    return event_id
