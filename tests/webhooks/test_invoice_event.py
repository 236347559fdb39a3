"""invoice.issued: queued in the billing run's own transaction, with exact amounts."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from chargegrid.services import billing_runs, invoices
from chargegrid.store.models import WebhookDelivery
from chargegrid.webhooks import endpoints
from tests.billing.conftest import NOW, db
from tests.billing.test_billing_runs import seed_october

__all__ = ["db"]


def test_issuing_an_invoice_queues_one_signed_event_per_endpoint(db: Session) -> None:
    ids = seed_october(db)
    hook = endpoints.create(db, url="https://erp.example.org/hooks",
                            event_types=["invoice.issued"], now=NOW)
    endpoints.create(db, url="https://other.example.org/hooks",
                     event_types=["session.stopped"], now=NOW)
    db.commit()
    billing_runs.run(db, organisation_id=1, period="2026-10", now=NOW)
    db.commit()
    (invoice,) = invoices.list_invoices(db, organisation_id=1)
    (delivery,) = db.scalars(select(WebhookDelivery)).all()
    assert (delivery.endpoint_id, delivery.event_type, delivery.status) == (
        hook.id, "invoice.issued", "pending")
    body = json.loads(delivery.body)
    assert body["id"] == delivery.event_id and body["type"] == "invoice.issued"
    assert body["data"] == {
        "invoice_id": invoice.id, "number": "INV-1-000001", "organisation_id": 1,
        "user_id": ids["ann"], "period": "2026-10", "currency": invoice.currency,
        "net": "5.5000", "vat": "1.1000", "total": "6.6000",
        "issued_at": body["data"]["issued_at"], "transaction_ids": [ids["t1"], ids["t2"]]}


def test_a_rolled_back_run_queues_nothing(db: Session) -> None:
    seed_october(db)
    endpoints.create(db, url="https://erp.example.org/hooks", event_types=["invoice.issued"],
                     now=NOW)
    db.commit()
    billing_runs.run(db, organisation_id=1, period="2026-10", now=NOW)
    db.rollback()
    assert db.scalars(select(WebhookDelivery)).all() == []
