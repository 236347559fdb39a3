"""Webhook endpoints: register receivers, send a test ping, read the delivery log.

Thin over `chargegrid.webhooks`: the secret is returned when an endpoint is created or its
secret rotated, never again. Endpoints belong to the caller's organisation; another
organisation's endpoint is "not found".
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from sqlalchemy.orm import Session

from chargegrid.api.deps import AdminPrincipal, DbSession, RuntimeDep
from chargegrid.api.schemas.common import Limit, Offset
from chargegrid.errors import ConflictError, NotFoundError
from chargegrid.services.accounts import Principal
from chargegrid.store.models import WebhookDelivery, WebhookEndpoint
from chargegrid.webhooks import endpoints
from chargegrid.webhooks.events import PING
from chargegrid.webhooks.outbox import emit
from chargegrid.webhooks.schemas import (
    DeliveryStatus,
    WebhookDeliveryRead,
    WebhookEndpointCreate,
    WebhookEndpointRead,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

EndpointIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
DeliveryIdPath = Annotated[int, Path(ge=1, le=2**63 - 1)]


def caller_organisation(principal: Principal) -> int:
    """Endpoints belong to the organisation the caller's token acts in."""
    return principal.organisation_id


@router.get("/endpoints", response_model=list[WebhookEndpointRead])
def list_endpoints(db: DbSession, principal: AdminPrincipal) -> list[WebhookEndpoint]:
    """Every endpoint visible to the caller, in id order."""
    return endpoints.list_all(db, organisation_id=caller_organisation(principal))


@router.post("/endpoints", response_model=WebhookEndpointWithSecret,
             status_code=status.HTTP_201_CREATED)
def create_endpoint(body: WebhookEndpointCreate, db: DbSession, runtime: RuntimeDep,
                    principal: AdminPrincipal) -> WebhookEndpoint:
    """Register a receiver; the answer holds the signing secret, shown this once."""
    return endpoints.create(db, url=body.url, event_types=body.event_types,
                            secret=body.secret, description=body.description,
                            active=body.active, now=runtime.clock.now(),
                            organisation_id=caller_organisation(principal))


@router.get("/endpoints/{endpoint_id}", response_model=WebhookEndpointRead)
def get_endpoint(endpoint_id: EndpointIdPath, db: DbSession,
                 principal: AdminPrincipal) -> WebhookEndpoint:
    """One endpoint (without its secret)."""
    return endpoints.get_or_raise(db, endpoint_id=endpoint_id,
                                  organisation_id=caller_organisation(principal))


@router.patch("/endpoints/{endpoint_id}", response_model=WebhookEndpointRead)
def update_endpoint(endpoint_id: EndpointIdPath, body: WebhookEndpointUpdate, db: DbSession,
                    runtime: RuntimeDep, principal: AdminPrincipal) -> WebhookEndpoint:
    """Change the URL, events, description or activity (only what is given)."""
    endpoint = endpoints.get_or_raise(db, endpoint_id=endpoint_id,
                                      organisation_id=caller_organisation(principal))
    return endpoints.update(db, endpoint=endpoint, now=runtime.clock.now(), url=body.url,
                            event_types=body.event_types, active=body.active,
                            description=body.description)


@router.post("/endpoints/{endpoint_id}/rotate-secret", response_model=WebhookEndpointWithSecret)
def rotate_secret(endpoint_id: EndpointIdPath, db: DbSession, runtime: RuntimeDep,
                  principal: AdminPrincipal) -> WebhookEndpoint:
    """Issue a new signing secret, returned this once; the old one stops working at once."""
    endpoint = endpoints.get_or_raise(db, endpoint_id=endpoint_id,
                                      organisation_id=caller_organisation(principal))
    return endpoints.update(db, endpoint=endpoint, now=runtime.clock.now(), rotate_secret=True)


@router.delete("/endpoints/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_endpoint(endpoint_id: EndpointIdPath, db: DbSession,
                    principal: AdminPrincipal) -> Response:
    """Remove an endpoint and its delivery log."""
    endpoint = endpoints.get_or_raise(db, endpoint_id=endpoint_id,
                                      organisation_id=caller_organisation(principal))
    endpoints.delete(db, endpoint=endpoint)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/endpoints/{endpoint_id}/ping", response_model=WebhookDeliveryRead,
             status_code=status.HTTP_202_ACCEPTED)
async def ping_endpoint(endpoint_id: EndpointIdPath, runtime: RuntimeDep,
                        principal: AdminPrincipal) -> WebhookDeliveryRead:
    """Queue a signed `ping` event to this endpoint; watch its delivery in the log.

    Written through the batch writer, the same thread the delivery worker writes with, so
    on SQLite the two never race for the write lock."""
    organisation_id = caller_organisation(principal)
    now = runtime.clock.now()

    def job(session: Session) -> WebhookDeliveryRead:
        endpoint = endpoints.get_or_raise(session, endpoint_id=endpoint_id,
                                          organisation_id=organisation_id)
        if not endpoint.active:
            raise ConflictError(f"webhook endpoint {endpoint_id} is inactive; activate it first")
        emit(session, PING, {"endpoint_id": endpoint.id, "message": "ChargeGrid test ping"},
             now=now, endpoint_id=endpoint.id)
        delivery = endpoints.deliveries(session, endpoint_id=endpoint.id, limit=1)[0]
        return WebhookDeliveryRead.model_validate(delivery)

    result = await runtime.writer.submit(job)
    if runtime.webhooks is not None:
        runtime.webhooks.wake()
    return result


@router.get("/endpoints/{endpoint_id}/deliveries", response_model=list[WebhookDeliveryRead])
def list_deliveries(endpoint_id: EndpointIdPath, db: DbSession, principal: AdminPrincipal,
                    status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
                    limit: Limit = 100, offset: Offset = 0) -> list[WebhookDelivery]:
    """The endpoint's delivery log, newest first: attempts, last status and answer."""
    endpoints.get_or_raise(db, endpoint_id=endpoint_id,
                           organisation_id=caller_organisation(principal))
    return endpoints.deliveries(db, endpoint_id=endpoint_id, status=status_, limit=limit,
                                offset=offset)


@router.post("/deliveries/{delivery_id}/redeliver", response_model=WebhookDeliveryRead)
async def redeliver(delivery_id: DeliveryIdPath, runtime: RuntimeDep,
                    principal: AdminPrincipal) -> WebhookDeliveryRead:
    """Send a delivery again (same event id and body), e.g. after a receiver's outage."""
    organisation_id = caller_organisation(principal)
    now = runtime.clock.now()

    def job(session: Session) -> WebhookDeliveryRead:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            raise NotFoundError(f"webhook delivery {delivery_id} not found")
        endpoints.get_or_raise(session, endpoint_id=delivery.endpoint_id,
                               organisation_id=organisation_id)
        endpoints.redeliver(session, delivery=delivery, now=now)
        return WebhookDeliveryRead.model_validate(delivery)

    result = await runtime.writer.submit(job)
    if runtime.webhooks is not None:
        runtime.webhooks.wake()
    return result
