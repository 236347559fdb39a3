"""Billing runs: statements per user / cost centre / organisation, invoices, idempotency,
reconciliation to the cent, immutable invoices, credit notes, PDF and CSV."""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pypdf
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from chargegrid.errors import ConflictError, InvalidInputError
from chargegrid.services import billing_runs, invoices
from chargegrid.store.models.billing import (
    BillingProfile,
    Invoice,
    SessionPrice,
    Statement,
    StatementItem,
)
from tests.billing.conftest import NOW, add_session, add_site_station, add_user, simple_tariff, utc

D = Decimal


def seed_october(db: Session) -> dict[str, int]:
    add_site_station(db)
    simple_tariff(db, energy="0.30", fee="0.50")  # net = 0.30/kWh + 0.50, VAT 20 %
    ann = add_user(db, "ann@example.com", "TAG-ANN", group="staff", centre="CC-42")
    bob = add_user(db, "bob@example.com", "TAG-BOB")
    db.add(BillingProfile(user_id=ann.id, invoice=True, bill_to_name="Ann & Co <home>",
                          bill_to_address="1 rue de la Paix, Paris", created_at=NOW))
    # ann: 10 kWh → 3.50 net, 0.70 VAT, 4.20; 5 kWh → 2.00, 0.40, 2.40
    t1 = add_session(db, "CP1", "TAG-ANN", [(utc(2026, 10, 2, 8), 0), (utc(2026, 10, 2, 10),
                                                                        10000)])
    t2 = add_session(db, "CP1", "TAG-ANN", [(utc(2026, 10, 3, 8), 10000),
                                            (utc(2026, 10, 3, 9), 15000)])
    # bob: 1 kWh → 0.80, 0.16, 0.96; anonymous: on no user/cost-centre statement
    add_session(db, "CP1", "TAG-BOB", [(utc(2026, 10, 4, 8), 0), (utc(2026, 10, 4, 9), 1000)])
    add_session(db, "CP1", "GUEST", [(utc(2026, 10, 5, 8), 0), (utc(2026, 10, 5, 9), 1000)])
    # November: not in the October run
    add_session(db, "CP1", "TAG-ANN", [(utc(2026, 11, 1, 8), 0), (utc(2026, 11, 1, 9), 1000)])
    db.commit()
    return {"ann": ann.id, "bob": bob.id, "t1": t1.id, "t2": t2.id}


def test_run_issues_statements_and_invoices_then_nothing_new(db: Session) -> None:
    ids = seed_october(db)
    result = billing_runs.run(db, organisation_id=1, period="2026-10", now=NOW)
    db.commit()
    assert result.run_id is not None and result.priced == 4  # November not yet
    assert (result.sessions, result.statements, result.invoices) == (3, 4, 1)
    by_kind = {(s.kind, s.subject_id): s for s in
               billing_runs.list_statements(db, organisation_id=1, period="2026-10")}
    ann = by_kind[("user", ids["ann"])]
    assert (ann.session_count, ann.net, ann.vat, ann.total) == (2, D("5.50"), D("1.10"),
                                                                D("6.60"))
    assert by_kind[("user", ids["bob"])].total == D("0.96")
    assert by_kind[("organisation", 1)].total == D("7.56")
    (cc,) = [s for (kind, _), s in by_kind.items() if kind == "cost_centre"]
    assert cc.total == D("6.60")
    (invoice,) = invoices.list_invoices(db, organisation_id=1)
    assert invoice.number == "INV-1-000001" and invoice.total == D("6.60")
    assert [x.transaction_id for x in invoices.lines_of(db, invoice_id=invoice.id)] == [
        ids["t1"], ids["t2"]]
    assert invoices.lines_of(db, invoice_id=invoice.id)[0].cost_centre == "CC-42"

    again = billing_runs.run(db, organisation_id=1, period="2026-10", now=NOW)
    db.commit()
    assert again.run_id is None and again.statements == again.invoices == 0
    assert db.scalar(select(func.count()).select_from(Statement)) == 4
    assert db.scalar(select(func.count()).select_from(Invoice)) == 1

    # A session delivered late for October goes on a new statement with the next number.
    add_session(db, "CP1", "TAG-ANN", [(utc(2026, 10, 30, 8), 0), (utc(2026, 10, 30, 9),
                                                                    2000)])
    late = billing_runs.run(db, organisation_id=1, period="2026-10", now=NOW)
    db.commit()
    assert (late.sessions, late.statements, late.invoices) == (1, 3, 1)
    assert [i.number for i in invoices.list_invoices(db, organisation_id=1)] == [
        "INV-1-000001", "INV-1-000002"]


def test_statements_reconcile_to_the_cent_with_session_prices(db: Session) -> None:
    add_site_station(db)
    simple_tariff(db, energy="0.3337", fee="0.19", vat="0.055")  # awkward prices on purpose
    users = [add_user(db, f"u{i}@example.com", f"TAG{i}", group=f"g{i % 3}",
                      centre=f"CC{i % 3}") for i in range(3)]
    users += [add_user(db, f"v{i}@example.com", f"TAGV{i}") for i in range(3)]
    rng = random.Random(4)
    for n in range(300):
        start = utc(2026, 10, 1) + timedelta(minutes=rng.randrange(0, 30 * 24 * 60 - 600))
        token = rng.choice([*(f"TAG{i}" for i in range(3)), *(f"TAGV{i}" for i in range(3)),
                            None])
        wh = rng.randrange(0, 60000)
        add_session(db, "CP1", token, [(start, n * 100000), (start + timedelta(minutes=90),
                                                             n * 100000 + wh)])
    db.commit()
    result = billing_runs.run(db, organisation_id=1, period="2026-10", now=NOW)
    db.commit()
    assert result.unpriceable == {}
    prices = list(db.scalars(select(SessionPrice)))
    assert len(prices) == 300
    expected: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for p in prices:
        for kind, subject in (("user", p.user_id), ("cost_centre", p.cost_centre_id),
                              ("organisation", p.payer_organisation_id)):
            if subject is not None:
                expected[(kind, subject)] += p.total
    got = {(s.kind, s.subject_id): s.total for s in
           billing_runs.list_statements(db, organisation_id=1)}
    assert got == dict(expected)
    for s in billing_runs.list_statements(db, organisation_id=1):
        items = sum((i.total for i in db.scalars(select(StatementItem).where(
            StatementItem.statement_id == s.id))), D(0))
        assert items == s.total and s.net + s.vat == s.total


def test_issued_invoices_cannot_be_changed_only_credited(db: Session) -> None:
    ids = seed_october(db)
    billing_runs.run(db, organisation_id=1, period="2026-10", now=NOW)
    db.commit()
    (invoice,) = invoices.list_invoices(db, organisation_id=1)
    for sql in ("UPDATE invoices SET total = 0", "DELETE FROM invoice_lines",
                "DELETE FROM invoices"):
        with pytest.raises(DBAPIError, match="immutable"):
            db.execute(text(sql))
        db.rollback()
    note = invoices.credit(db, invoice_id=invoice.id, reason="meter fault", now=NOW,
                           transaction_ids=[ids["t2"]])
    assert (note.number, note.total, note.transaction_ids) == ("CN-1-000001", D("2.40"),
                                                               [ids["t2"]])
    with pytest.raises(ConflictError, match="already credited"):
        invoices.credit(db, invoice_id=invoice.id, reason="again", now=NOW,
                        transaction_ids=[ids["t2"]])
    with pytest.raises(InvalidInputError, match="not on invoice"):
        invoices.credit(db, invoice_id=invoice.id, reason="x", now=NOW, transaction_ids=[999])
    rest = invoices.credit(db, invoice_id=invoice.id, reason="goodwill", now=NOW)
    assert (rest.number, rest.total, rest.transaction_ids) == ("CN-1-000002", D("4.20"),
                                                               [ids["t1"]])
    with pytest.raises(ConflictError, match="fully credited"):
        invoices.credit(db, invoice_id=invoice.id, reason="x", now=NOW)
    db.commit()
    assert invoices.get_or_raise(db, invoice_id=invoice.id).total == D("6.60")
    pdf = invoices.credit_note_pdf_bytes(db, note=note)
    assert "CN-1-000001" in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_invoice_pdf_lists_the_sessions_and_csv_has_one_row_per_session(db: Session) -> None:
    ids = seed_october(db)
    billing_runs.run(db, organisation_id=1, period="2026-10", now=NOW)
    db.commit()
    (invoice,) = invoices.list_invoices(db, organisation_id=1)
    pdf = invoices.invoice_pdf_bytes(db, invoice=invoice)
    assert pdf == invoices.invoice_pdf_bytes(db, invoice=invoice)  # reproducible bytes
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "INV-1-000001" in page and "Ann & Co <home>" in page and "6.60 EUR" in page
    assert str(ids["t1"]) in page and "CC-42" in page
    start, end = billing_runs.period_bounds("2026-10")
    rows = list(csv.DictReader(io.StringIO(invoices.accounting_csv(
        db, organisation_id=1, start=start, end=end))))
    assert len(rows) == 4
    first = rows[0]
    assert (first["transaction_id"], first["cost_centre"], first["total"],
            first["invoice_number"]) == (str(ids["t1"]), "CC-42", "4.20", "INV-1-000001")
    assert rows[3]["user_id"] == "" and rows[3]["total"] == "0.96"  # the guest


def test_period_bounds_and_bad_periods() -> None:
    start, end = billing_runs.period_bounds("2026-10", "Europe/Paris")
    assert (start, end) == (utc(2026, 9, 30, 22), utc(2026, 10, 31, 23))
    assert billing_runs.period_bounds("2026-12") == (utc(2026, 12, 1), utc(2027, 1, 1))
    for bad in ("2026-13", "2026/10", "26-10", "2026-1"):
        with pytest.raises(InvalidInputError, match="period"):
            billing_runs.period_bounds(bad)
