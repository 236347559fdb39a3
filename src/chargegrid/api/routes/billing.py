"""Billing: session prices, billing runs, statements, invoices (JSON, PDF), credit notes,
billing profiles and the accounting CSV.

Thin over `services.{pricing,billing_runs,invoices}`. Issued invoices and credit notes have
no update or delete route: a correction is `POST /billing/invoices/{id}/credit-notes`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from chargegrid.api.deps import Access, DbSession, RuntimeDep, require
from chargegrid.api.routes.tariffs import organisation_of
from chargegrid.api.schemas.common import UtcDatetime
from chargegrid.domain.permissions import Action, Resource
from chargegrid.errors import NotFoundError
from chargegrid.services import billing_runs, invoices, pricing, transactions
from chargegrid.store.models import Station
from chargegrid.store.models.billing import (
    BillingProfile,
    BillingRun,
    CreditNote,
    Invoice,
    SessionPrice,
    Statement,
)

router = APIRouter(prefix="/billing", tags=["billing"])

IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
Period = Annotated[str, Field(pattern=r"^\d{4}-\d{2}$", examples=["2026-10"])]
PeriodQuery = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")]
PDF = "application/pdf"
CanRead = Annotated[Access, require(Resource.BILLING, Action.READ)]
CanCreate = Annotated[Access, require(Resource.BILLING, Action.CREATE)]
CanUpdate = Annotated[Access, require(Resource.BILLING, Action.UPDATE)]
CanExport = Annotated[Access, require(Resource.BILLING, Action.EXPORT)]
# Amounts are whole cents (stored at 4 decimals); quantities keep 4 decimals. Both as strings.
Cents = Annotated[Decimal, PlainSerializer(lambda v: str(v.quantize(Decimal("0.01"))),
                                           return_type=str)]
Quantity = Annotated[Decimal, PlainSerializer(lambda v: str(v.quantize(Decimal("0.0001"))),
                                              return_type=str)]


class SessionPriceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    transaction_id: int
    tariff_id: int
    tariff_version_ids: list[int]
    user_id: int | None
    cost_centre_id: int | None
    payer_organisation_id: int | None
    station_id: str
    started_at: UtcDatetime
    stopped_at: UtcDatetime
    currency: str
    energy_kwh: Quantity
    net: Cents
    vat: Cents
    total: Cents
    breakdown: dict[str, Any]
    priced_at: UtcDatetime


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: Period
    timezone: str = Field(default="UTC", max_length=64, examples=["Europe/Paris"])


class RunResultRead(BaseModel):
    run_id: int | None
    period: str
    sessions: int
    statements: int
    invoices: int
    priced: int
    unpriceable: dict[int, str]


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    period: str
    period_start: UtcDatetime
    period_end: UtcDatetime
    session_count: int
    statement_count: int
    invoice_count: int
    created_at: UtcDatetime


class StatementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    run_id: int
    period: str
    kind: str
    subject_id: int
    currency: str
    session_count: int
    energy_kwh: Quantity
    net: Cents
    vat: Cents
    total: Cents
    created_at: UtcDatetime


class StatementDetail(StatementRead):
    sessions: list[SessionPriceRead]


class InvoiceLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    transaction_id: int
    station_id: str
    started_at: UtcDatetime
    stopped_at: UtcDatetime
    energy_kwh: Quantity
    cost_centre: str | None
    net: Cents
    vat: Cents
    total: Cents


class CreditNoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    number: str
    invoice_id: int
    reason: str
    transaction_ids: list[int]
    currency: str
    net: Cents
    vat: Cents
    total: Cents
    issued_at: UtcDatetime


class InvoiceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    number: str
    statement_id: int
    user_id: int | None
    period: str
    bill_to: dict[str, Any]
    currency: str
    net: Cents
    vat: Cents
    total: Cents
    issued_at: UtcDatetime


class InvoiceDetail(InvoiceRead):
    lines: list[InvoiceLineRead]
    credit_notes: list[CreditNoteRead]


class CreditNoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=1024)
    transaction_ids: list[int] | None = Field(
        default=None, description="Sessions to credit; omitted = every uncredited one")


class ProfileWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    invoice: bool = Field(description="True for external drivers who get invoices")
    bill_to_name: str = Field(min_length=1, max_length=255)
    bill_to_address: str | None = Field(default=None, max_length=1024)


class ProfileRead(ProfileWrite):
    model_config = ConfigDict(from_attributes=True)
    user_id: int


def _own(access: Access) -> int | None:
    """The user a driver-scoped caller is limited to (None: the whole organisation)."""
    return access.visibility.own_user_id


def _check_owner(access: Access, user_id: int | None, what: str) -> None:
    """A driver reaching another user's document gets the same 404 as a missing one."""
    own = _own(access)
    if own is not None and user_id != own:
        raise NotFoundError(f"{what} does not exist")


def _own_price(db: DbSession, access: Access, transaction_id: int) -> None:
    tx = transactions.get_or_raise(db, transaction_id=transaction_id)
    station = db.get(Station, tx.station_id)
    if station is None or station.organisation_id != organisation_of(access):
        raise NotFoundError(f"transaction {transaction_id} does not exist")


@router.get("/sessions/{transaction_id}/price", response_model=SessionPriceRead)
def get_session_price(transaction_id: IdPath, access: CanRead, db: DbSession) -> SessionPrice:
    """The stored price of a finished session with its band-by-band breakdown."""
    _own_price(db, access, transaction_id)
    row = pricing.get_or_raise(db, transaction_id=transaction_id)
    _check_owner(access, row.user_id, f"price of transaction {transaction_id}")
    return row


@router.post("/sessions/{transaction_id}/price", response_model=SessionPriceRead)
def price_session(transaction_id: IdPath, access: CanUpdate, db: DbSession,
                  runtime: RuntimeDep) -> SessionPrice:
    """Price (or re-price, reproducibly) a finished session; a billed price is frozen."""
    _own_price(db, access, transaction_id)
    return pricing.price_transaction(db, transaction_id, now=runtime.clock.now())


@router.post("/runs", response_model=RunResultRead)
def run_billing(body: RunCreate, access: CanCreate, db: DbSession,
                runtime: RuntimeDep) -> billing_runs.RunResult:
    """Bill a month: statements and invoices for what is not billed yet (idempotent)."""
    return billing_runs.run(db, organisation_id=organisation_of(access),
                            period=body.period, timezone=body.timezone,
                            now=runtime.clock.now())


@router.get("/runs", response_model=list[RunRead])
def list_runs(access: CanRead, db: DbSession) -> list[BillingRun]:
    """Runs that issued something, newest first (none for a driver)."""
    if _own(access) is not None:
        return []
    return billing_runs.list_runs(db, organisation_id=organisation_of(access))


@router.get("/statements", response_model=list[StatementRead])
def list_statements(access: CanRead, db: DbSession, period: PeriodQuery = None,
                    kind: Annotated[str | None, Query(max_length=16)] = None,
                    ) -> list[Statement]:
    """Statements, optionally of one period and kind (user, cost_centre, organisation); a
    driver sees only their own user statements."""
    rows = billing_runs.list_statements(db, organisation_id=organisation_of(access),
                                        period=period, kind=kind)
    own = _own(access)
    return rows if own is None else [r for r in rows
                                     if r.kind == "user" and r.subject_id == own]


@router.get("/statements/{statement_id}", response_model=StatementDetail)
def get_statement(statement_id: IdPath, access: CanRead, db: DbSession) -> dict[str, Any]:
    """A statement with its priced sessions."""
    row = billing_runs.get_statement_or_raise(db, statement_id=statement_id,
                                              organisation_id=organisation_of(access))
    _check_owner(access, row.subject_id if row.kind == "user" else None,
                 f"statement {statement_id}")
    return {**StatementRead.model_validate(row).model_dump(),
            "sessions": billing_runs.statement_sessions(db, statement_id=row.id)}


@router.get("/invoices", response_model=list[InvoiceRead])
def list_invoices(access: CanRead, db: DbSession,
                  period: PeriodQuery = None) -> list[Invoice]:
    """Invoices in number order."""
    return invoices.list_invoices(db, organisation_id=organisation_of(access),
                                  period=period, user_id=_own(access))


@router.get("/invoices/{invoice_id}", response_model=InvoiceDetail)
def get_invoice(invoice_id: IdPath, access: CanRead, db: DbSession) -> dict[str, Any]:
    """An invoice with its session lines and the credit notes against it."""
    row = invoices.get_or_raise(db, invoice_id=invoice_id,
                                organisation_id=organisation_of(access))
    _check_owner(access, row.user_id, f"invoice {invoice_id}")
    return {**InvoiceRead.model_validate(row).model_dump(),
            "lines": invoices.lines_of(db, invoice_id=row.id),
            "credit_notes": invoices.credit_notes_of(db, invoice_id=row.id)}


@router.get("/invoices/{invoice_id}/pdf", response_class=Response,
            responses={200: {"content": {PDF: {}}}})
def invoice_pdf(invoice_id: IdPath, access: CanRead, db: DbSession) -> Response:
    """The invoice as PDF, listing its sessions."""
    row = invoices.get_or_raise(db, invoice_id=invoice_id,
                                organisation_id=organisation_of(access))
    _check_owner(access, row.user_id, f"invoice {invoice_id}")
    return Response(invoices.invoice_pdf_bytes(db, invoice=row), media_type=PDF, headers={
        "Content-Disposition": f'attachment; filename="{row.number}.pdf"'})


@router.post("/invoices/{invoice_id}/credit-notes", response_model=CreditNoteRead,
             status_code=status.HTTP_201_CREATED)
def create_credit_note(invoice_id: IdPath, body: CreditNoteCreate, access: CanCreate, db: DbSession,
                       runtime: RuntimeDep) -> CreditNote:
    """Correct an invoice by a numbered credit note (the invoice itself never changes)."""
    return invoices.credit(db, invoice_id=invoice_id, reason=body.reason,
                           transaction_ids=body.transaction_ids, now=runtime.clock.now(),
                           organisation_id=organisation_of(access))


@router.get("/credit-notes/{credit_note_id}/pdf", response_class=Response,
            responses={200: {"content": {PDF: {}}}})
def credit_note_pdf(credit_note_id: IdPath, access: CanRead, db: DbSession) -> Response:
    """The credit note as PDF."""
    note = invoices.get_credit_note_or_raise(db, credit_note_id=credit_note_id,
                                             organisation_id=organisation_of(access))
    owner = invoices.get_or_raise(db, invoice_id=note.invoice_id).user_id
    _check_owner(access, owner, f"credit note {credit_note_id}")
    return Response(invoices.credit_note_pdf_bytes(db, note=note), media_type=PDF, headers={
        "Content-Disposition": f'attachment; filename="{note.number}.pdf"'})


@router.get("/export.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def accounting_export(access: CanExport, db: DbSession,
                      period: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")],
                      timezone: Annotated[str, Query(max_length=64)] = "UTC") -> Response:
    """One row per priced session of the period, with cost centre and invoice number."""
    start, end = billing_runs.period_bounds(period, timezone)
    body = invoices.accounting_csv(db, organisation_id=organisation_of(access),
                                   start=start, end=end)
    return Response(body, media_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="sessions-{period}.csv"'})


@router.put("/profiles/{user_id}", response_model=ProfileRead)
def put_profile(user_id: IdPath, body: ProfileWrite, access: CanUpdate, db: DbSession,
                runtime: RuntimeDep) -> BillingProfile:
    """Say whether a user gets invoices (external driver) and whom to bill."""
    return invoices.set_profile(db, user_id=user_id, invoice=body.invoice,
                                bill_to_name=body.bill_to_name,
                                bill_to_address=body.bill_to_address, now=runtime.clock.now(),
                                organisation_id=organisation_of(access))


