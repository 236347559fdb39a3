"""Invoices and credit notes: numbered gaplessly per organisation, immutable once issued,
rendered as PDF (with the session list); and the accounting CSV (one row per session).

Numbers come from `invoice_sequences`, incremented inside the issuing transaction (a row
lock on PostgreSQL; SQLite has one writer at a time), so a rolled-back run gives its numbers
back and the issued sequence has no gaps. Nothing here updates an issued document — the
database refuses it too (0404 triggers); a correction is a credit note.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from chargegrid import webhooks
from chargegrid.billing import invoice_pdf
from chargegrid.errors import ConflictError, InvalidInputError, NotFoundError
from chargegrid.store.models import CostCentre, Organisation, User
from chargegrid.store.models.billing import (
    BillingProfile,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    SessionPrice,
    Statement,
)

PREFIX = {"invoice": "INV", "credit_note": "CN"}
CSV_COLUMNS = ("transaction_id", "station_id", "started_at", "stopped_at", "user_id",
               "user_email", "cost_centre", "payer_organisation_id", "currency",
               "energy_kwh", "net", "vat", "total", "tariff_id", "invoice_number")


def next_number(session: Session, *, organisation_id: int, kind: str) -> tuple[int, str]:
    """Take the next number of an organisation's sequence (inside the caller's transaction)."""
    row = session.scalar(select(InvoiceSequence).where(
        InvoiceSequence.organisation_id == organisation_id, InvoiceSequence.kind == kind)
        .with_for_update())
    if row is None:
        row = InvoiceSequence(organisation_id=organisation_id, kind=kind, next_number=1)
        session.add(row)
    seq = row.next_number
    row.next_number = seq + 1
    session.flush()
    return seq, f"{PREFIX[kind]}-{organisation_id}-{seq:06d}"


def _centre_codes(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {c.id: c.code for c in session.scalars(select(CostCentre).where(
        CostCentre.id.in_(ids)))}


def issue(session: Session, *, statement: Statement, sessions: Sequence[SessionPrice],
          now: datetime) -> Invoice:
    """Issue the invoice of a user statement, copying its sessions as lines."""
    if statement.kind != "user":
        raise InvalidInputError(f"statement {statement.id}: only user statements are invoiced")
    user = session.get(User, statement.subject_id)
    profile = session.get(BillingProfile, statement.subject_id)
    bill_to = {"name": profile.bill_to_name if profile else (user.name if user else None),
               "address": profile.bill_to_address if profile else None,
               "email": user.email if user else None}
    seq, number = next_number(session, organisation_id=statement.organisation_id,
                              kind="invoice")
    invoice = Invoice(organisation_id=statement.organisation_id, seq=seq, number=number,
                      statement_id=statement.id, user_id=statement.subject_id,
                      period=statement.period, bill_to=bill_to, currency=statement.currency,
                      net=statement.net, vat=statement.vat, total=statement.total,
                      issued_at=now)
    session.add(invoice)
    session.flush()
    codes = _centre_codes(session, {s.cost_centre_id for s in sessions if s.cost_centre_id})
    if sessions:  # one bulk insert: a driver's month can hold hundreds of sessions
        session.execute(insert(InvoiceLine), [dict(
            invoice_id=invoice.id, transaction_id=s.transaction_id, station_id=s.station_id,
            started_at=s.started_at, stopped_at=s.stopped_at, energy_kwh=s.energy_kwh,
            cost_centre=codes.get(s.cost_centre_id) if s.cost_centre_id else None,
            net=s.net, vat=s.vat, total=s.total) for s in sessions])
    # In the issuing transaction: the webhook is sent if and only if the invoice exists.
    webhooks.emit(session, "invoice.issued", {
        "invoice_id": invoice.id, "number": invoice.number,
        "organisation_id": invoice.organisation_id, "user_id": invoice.user_id,
        "period": invoice.period, "currency": invoice.currency, "net": invoice.net,
        "vat": invoice.vat, "total": invoice.total, "issued_at": invoice.issued_at,
        "transaction_ids": [s.transaction_id for s in sessions],
    }, now=now, organisation_id=invoice.organisation_id)
    return invoice


def get_or_raise(session: Session, *, invoice_id: int,
                 organisation_id: int | None = None) -> Invoice:
    """An invoice, or NotFoundError (also when it belongs to another organisation)."""
    row = session.get(Invoice, invoice_id)
    if row is None or (organisation_id is not None and row.organisation_id != organisation_id):
        raise NotFoundError(f"invoice {invoice_id} does not exist")
    return row


def list_invoices(session: Session, *, organisation_id: int, period: str | None = None,
                  user_id: int | None = None) -> list[Invoice]:
    """An organisation's invoices in number order (one user's only, if given)."""
    query = select(Invoice).where(Invoice.organisation_id == organisation_id)
    if user_id is not None:
        query = query.where(Invoice.user_id == user_id)
    if period is not None:
        query = query.where(Invoice.period == period)
    return list(session.scalars(query.order_by(Invoice.seq)))


def lines_of(session: Session, *, invoice_id: int) -> list[InvoiceLine]:
    """An invoice's session lines in stop order."""
    return list(session.scalars(select(InvoiceLine).where(
        InvoiceLine.invoice_id == invoice_id).order_by(InvoiceLine.stopped_at,
                                                       InvoiceLine.transaction_id)))


def credit_notes_of(session: Session, *, invoice_id: int) -> list[CreditNote]:
    """The credit notes issued against an invoice, oldest first."""
    return list(session.scalars(select(CreditNote).where(
        CreditNote.invoice_id == invoice_id).order_by(CreditNote.seq)))


def credit(session: Session, *, invoice_id: int, reason: str, now: datetime,
           transaction_ids: Sequence[int] | None = None,
           organisation_id: int | None = None) -> CreditNote:
    """Credit sessions of an invoice (all still uncredited ones when none are named); a
    session can be credited once, the invoice itself never changes."""
    invoice = get_or_raise(session, invoice_id=invoice_id, organisation_id=organisation_id)
    if not reason.strip():
        raise InvalidInputError("reason: a credit note must say why")
    lines = {line.transaction_id: line for line in lines_of(session, invoice_id=invoice.id)}
    done = {t for note in credit_notes_of(session, invoice_id=invoice.id)
            for t in note.transaction_ids}
    if transaction_ids is None:
        wanted = [t for t in lines if t not in done]
        if not wanted:
            raise ConflictError(f"invoice {invoice.number} is already fully credited")
    else:
        wanted = list(dict.fromkeys(transaction_ids))
        if not wanted:
            raise InvalidInputError("transaction_ids: name at least one session")
        unknown = [t for t in wanted if t not in lines]
        if unknown:
            raise InvalidInputError(f"transaction_ids: {unknown} are not on invoice "
                                    f"{invoice.number}")
        again = [t for t in wanted if t in done]
        if again:
            raise ConflictError(f"transaction_ids: {again} were already credited on invoice "
                                f"{invoice.number}")
    chosen = [lines[t] for t in wanted]
    seq, number = next_number(session, organisation_id=invoice.organisation_id,
                              kind="credit_note")
    note = CreditNote(
        organisation_id=invoice.organisation_id, seq=seq, number=number,
        invoice_id=invoice.id, reason=reason.strip(), transaction_ids=sorted(wanted),
        currency=invoice.currency, net=sum((x.net for x in chosen), Decimal(0)),
        vat=sum((x.vat for x in chosen), Decimal(0)),
        total=sum((x.total for x in chosen), Decimal(0)), issued_at=now)
    session.add(note)
    session.flush()
    return note


def accounting_csv(session: Session, *, organisation_id: int, start: datetime,
                   end: datetime) -> str:
    """One row per priced session stopped in [start, end), with its cost centre and, once
    invoiced, its invoice number — for import into an accounting system."""
    rows = session.execute(
        select(SessionPrice, User.email, CostCentre.code, Invoice.number)
        .outerjoin(User, User.id == SessionPrice.user_id)
        .outerjoin(CostCentre, CostCentre.id == SessionPrice.cost_centre_id)
        .outerjoin(InvoiceLine, InvoiceLine.transaction_id == SessionPrice.transaction_id)
        .outerjoin(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(SessionPrice.organisation_id == organisation_id,
               SessionPrice.stopped_at >= start, SessionPrice.stopped_at < end)
        .order_by(SessionPrice.stopped_at, SessionPrice.transaction_id)).all()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for price, email, code, number in rows:
        writer.writerow([
            price.transaction_id, price.station_id, price.started_at.isoformat(),
            price.stopped_at.isoformat(), price.user_id or "", email or "", code or "",
            price.payer_organisation_id or "", price.currency, price.energy_kwh,
            _money(price.net), _money(price.vat), _money(price.total), price.tariff_id,
            number or ""])
    return out.getvalue()


def _money(value: Decimal) -> str:
    """Amounts in cents print with two decimals (they are stored with four)."""
    return str(value.quantize(Decimal("0.01")))


def _rows(lines: Sequence[InvoiceLine]) -> tuple[invoice_pdf.SessionRow, ...]:
    return tuple(invoice_pdf.SessionRow(
        x.transaction_id, x.station_id, x.started_at, x.stopped_at, x.energy_kwh,
        x.cost_centre, x.net, x.vat, x.total) for x in lines)


def _seller(session: Session, organisation_id: int) -> str:
    org = session.get(Organisation, organisation_id)
    return org.name if org else f"organisation {organisation_id}"


def invoice_pdf_bytes(session: Session, *, invoice: Invoice) -> bytes:
    """The invoice as PDF with its session list (same bytes every time)."""
    return invoice_pdf.render(invoice_pdf.Document(
        kind="invoice", number=invoice.number, issued_at=invoice.issued_at,
        period=invoice.period, seller=_seller(session, invoice.organisation_id),
        bill_to=dict(invoice.bill_to), currency=invoice.currency,
        sessions=_rows(lines_of(session, invoice_id=invoice.id)), net=invoice.net,
        vat=invoice.vat, total=invoice.total))


def get_credit_note_or_raise(session: Session, *, credit_note_id: int,
                             organisation_id: int | None = None) -> CreditNote:
    """A credit note, or NotFoundError (also when it belongs to another organisation)."""
    row = session.get(CreditNote, credit_note_id)
    if row is None or (organisation_id is not None and row.organisation_id != organisation_id):
        raise NotFoundError(f"credit note {credit_note_id} does not exist")
    return row


def credit_note_pdf_bytes(session: Session, *, note: CreditNote) -> bytes:
    """The credit note as PDF, listing the credited sessions."""
    invoice = get_or_raise(session, invoice_id=note.invoice_id)
    credited = set(note.transaction_ids)
    lines = [x for x in lines_of(session, invoice_id=invoice.id)
             if x.transaction_id in credited]
    return invoice_pdf.render(invoice_pdf.Document(
        kind="credit_note", number=note.number, issued_at=note.issued_at,
        period=invoice.period, seller=_seller(session, note.organisation_id),
        bill_to=dict(invoice.bill_to), currency=note.currency, sessions=_rows(lines),
        net=note.net, vat=note.vat, total=note.total, reference=invoice.number,
        reason=note.reason))


def set_profile(session: Session, *, user_id: int, invoice: bool, bill_to_name: str,
                bill_to_address: str | None, now: datetime,
                organisation_id: int | None = None) -> BillingProfile:
    """Create or replace how a user is billed (invoices issued already keep their bill-to)."""
    user = session.get(User, user_id)
    if user is None or (organisation_id is not None and user.organisation_id != organisation_id):
        raise NotFoundError(f"user {user_id} does not exist")
    if not bill_to_name.strip():
        raise InvalidInputError("bill_to_name: must not be empty")
    row = session.get(BillingProfile, user_id)
    if row is None:
        row = BillingProfile(user_id=user_id, created_at=now, invoice=invoice,
                             bill_to_name=bill_to_name.strip(), bill_to_address=bill_to_address)
        session.add(row)
    else:
        row.invoice, row.bill_to_name = invoice, bill_to_name.strip()
        row.bill_to_address = bill_to_address
    session.flush()
    return row
