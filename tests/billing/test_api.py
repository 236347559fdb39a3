"""REST: tariffs CRUD, session price, billing run, invoices (JSON, PDF), CSV, credit notes."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from chargegrid.runtime import Runtime
from chargegrid.services import accounts
from chargegrid.store.models import IdToken, User
from chargegrid.store.models.billing import BillingProfile
from tests.api.conftest import app, bearer, client, reader, tokens  # noqa: F401  (fixtures)
from tests.billing.conftest import add_session, add_site_station, add_user, simple_tariff, utc

VERSION = {
    "valid_from": "2026-01-01T00:00:00Z", "valid_to": "2026-10-15T21:00:00Z",
    "timezone": "Europe/Paris", "energy_per_kwh": "0.20", "time_per_hour": "0.50",
    "session_fee": "0.50", "vat_rate": "0.20",
    "bands": [{"name": "peak", "start": "07:00", "end": "22:00", "energy_per_kwh": "0.30",
               "time_per_hour": "1.00"}],
}


def seed(runtime: Runtime) -> dict[str, int]:
    with runtime.sessions() as db:
        add_site_station(db)
        ann = add_user(db, "ann@example.com", "TAG-ANN", group="staff", centre="CC-42")
        tx = add_session(db, "CP1", "TAG-ANN", [
            (utc(2026, 10, 15, 19, 30), 1000), (utc(2026, 10, 15, 20, 10), 9000),
            (utc(2026, 10, 15, 20, 40), 15000), (utc(2026, 10, 15, 21, 30), 20000)])
        db.commit()
        return {"ann": ann.id, "tx": tx.id}


async def test_tariff_to_invoice_over_rest(client: httpx.AsyncClient,  # noqa: F811
                                           reader: httpx.AsyncClient,  # noqa: F811
                                           runtime: Runtime) -> None:
    ids = seed(runtime)
    r = await client.post("/api/v1/tariffs", json={"name": "staff", "currency": "EUR"})
    assert r.status_code == 201, r.text
    tariff_id = r.json()["id"]
    r = await client.post(f"/api/v1/tariffs/{tariff_id}/versions", json=VERSION)
    assert r.status_code == 201, r.text
    v2 = {**VERSION, "valid_from": "2026-10-15T21:00:00Z", "valid_to": None,
          "energy_per_kwh": "0.25"}
    assert (await client.post(f"/api/v1/tariffs/{tariff_id}/versions", json=v2)).status_code \
        == 201
    r = await client.post(f"/api/v1/tariffs/{tariff_id}/versions",
                          json={**v2, "valid_from": "2027-01-01T00:00:00Z"})
    assert r.status_code == 409 and r.json()["error"] == "conflict"
    assert "overlaps" in r.json()["message"]
    r = await client.post(f"/api/v1/tariffs/{tariff_id}/versions",
                          json={**v2, "valid_from": "2019-01-01T00:00:00Z",
                                "valid_to": "2019-02-01T00:00:00Z", "timezone": "Mars/Base"})
    assert r.status_code == 422 and "timezone" in r.json()["message"]
    r = await client.post(f"/api/v1/tariffs/{tariff_id}/versions",
                          json={**v2, "energy_per_kwh": "0.123456"})
    assert r.status_code == 422 and "energy_per_kwh" in r.json()["message"]
    r = await client.post("/api/v1/tariffs/assignments", json={"tariff_id": tariff_id})
    assert r.status_code == 201, r.text
    r = await client.get("/api/v1/tariffs/price-summary",
                         params={"station_id": "CP1", "at": "2026-06-01T12:00:00Z"})
    assert r.json()["band"] == "peak" and r.json()["energy_per_kwh"] == "0.3000"

    r = await client.post(f"/api/v1/billing/sessions/{ids['tx']}/price")
    assert r.status_code == 200, r.text
    assert (r.json()["net"], r.json()["vat"], r.json()["total"]) == ("6.30", "1.26",
                                                                    "7.56")
    assert len(r.json()["breakdown"]["lines"]) == 7

    r = await client.put(f"/api/v1/billing/profiles/{ids['ann']}",
                         json={"invoice": True, "bill_to_name": "Ann"})
    assert r.status_code == 200, r.text
    assert (await reader.post("/api/v1/billing/runs", json={"period": "2026-10"})
            ).status_code == 403
    r = await client.post("/api/v1/billing/runs", json={"period": "2026-10"})
    assert r.status_code == 200 and r.json()["invoices"] == 1, r.text
    r = await client.post("/api/v1/billing/runs", json={"period": "2026-10"})
    assert r.json()["run_id"] is None and r.json()["statements"] == 0
    assert (await client.post("/api/v1/billing/runs", json={"period": "2026-1"})
            ).status_code == 422

    (invoice,) = (await client.get("/api/v1/billing/invoices")).json()
    assert invoice["number"] == "INV-1-000001" and invoice["total"] == "7.56"
    r = await client.get(f"/api/v1/billing/invoices/{invoice['id']}/pdf")
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    r = await client.get("/api/v1/billing/export.csv", params={"period": "2026-10"})
    lines = r.text.strip().splitlines()
    assert len(lines) == 2 and "CC-42" in lines[1] and "INV-1-000001" in lines[1]
    r = await client.post(f"/api/v1/billing/invoices/{invoice['id']}/credit-notes",
                          json={"reason": "wrong tariff"})
    assert r.status_code == 201 and r.json()["number"] == "CN-1-000001", r.text
    r = await client.post(f"/api/v1/billing/invoices/{invoice['id']}/credit-notes",
                          json={"reason": "again"})
    assert r.status_code == 409
    detail = (await client.get(f"/api/v1/billing/invoices/{invoice['id']}")).json()
    assert detail["total"] == "7.56" and len(detail["credit_notes"]) == 1
    r = await client.delete(f"/api/v1/tariffs/{tariff_id}")
    assert r.status_code == 409  # it has priced sessions


async def test_a_driver_sees_only_their_own_billing(app: Any, runtime: Runtime,  # noqa: F811
                                                    client: httpx.AsyncClient) -> None:  # noqa: F811
    ids = seed(runtime)
    now = runtime.clock.now()
    with runtime.sessions() as db:
        simple_tariff(db)
        bob = add_user(db, "bob@example.com", "TAG-BOB")
        add_session(db, "CP1", "TAG-BOB", [(utc(2026, 10, 20, 8), 0),
                                           (utc(2026, 10, 20, 9), 1000)])
        for user in (db.get(User, ids["ann"]), bob):
            db.add(BillingProfile(user_id=user.id, invoice=True, bill_to_name=user.email,
                                  created_at=now))
        driver = accounts.create_user(db, email="driver@example.com", now=now, role="driver")
        db.flush()
        db.get(IdToken, db.scalar(select(IdToken.id).where(IdToken.token == "TAG-BOB"))
               ).user_id = driver.id
        db.get(BillingProfile, bob.id).invoice = False
        db.add(BillingProfile(user_id=driver.id, invoice=True, bill_to_name="Driver",
                              created_at=now))
        _, clear = accounts.issue_token(db, user=driver, name="t", now=now)
        db.commit()
    assert (await client.post("/api/v1/billing/runs", json={"period": "2026-10"})
            ).status_code == 200
    everything = (await client.get("/api/v1/billing/invoices")).json()
    assert len(everything) == 2
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://test", headers=bearer(clear)) as mine:
        own = (await mine.get("/api/v1/billing/invoices")).json()
        assert [i["user_id"] for i in own] == [driver.id]
        other = next(i for i in everything if i["user_id"] != driver.id)
        assert (await mine.get(f"/api/v1/billing/invoices/{other['id']}")).status_code == 404
        assert (await mine.get(f"/api/v1/billing/invoices/{own[0]['id']}/pdf")
                ).status_code == 200
        statements = (await mine.get("/api/v1/billing/statements")).json()
        assert {(s["kind"], s["subject_id"]) for s in statements} == {("user", driver.id)}
        assert (await mine.post("/api/v1/billing/runs", json={"period": "2026-10"})
                ).status_code == 403
        assert (await mine.get("/api/v1/billing/export.csv", params={"period": "2026-10"})
                ).status_code == 403
