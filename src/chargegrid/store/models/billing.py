"""Tariffs, their versions and assignments, session prices, billing runs, statements,
invoices and credit notes.

Amounts are `Money` columns: NUMERIC on PostgreSQL, the exact decimal text on SQLite (whose
NUMERIC is a float), so a Decimal goes in and the same Decimal comes out on both. Invoices,
their lines and credit notes are write-once: services have no update path and the 0404
migration adds triggers that refuse UPDATE and DELETE on them in the database itself.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from chargegrid.store.models.base import Base
from chargegrid.store.models.organisations import organisation_fk
from chargegrid.store.types import UTCDateTime


class Money(TypeDecorator[Decimal]):
    """An exact decimal on both backends (scale 4 covers prices and line amounts)."""

    impl = Numeric(18, 4)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(18, 4, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise ValueError(f"money columns take Decimal, got {type(value).__name__}")
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        # PostgreSQL hands NUMERIC(18,4) back with 4 decimals; give SQLite the same scale.
        return Decimal(value).quantize(Decimal("0.0001"))


class Tariff(Base):
    __tablename__ = "tariffs"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = organisation_fk(default=True)
    name: Mapped[str] = mapped_column(String(128))
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TariffVersion(Base):
    """Prices valid over [valid_from, valid_to); bands are JSON (see billing/tariff.py)."""

    __tablename__ = "tariff_versions"
    __table_args__ = (Index("ix_tariff_versions_tariff_from", "tariff_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tariff_id: Mapped[int] = mapped_column(ForeignKey("tariffs.id", ondelete="CASCADE"))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64))
    energy_per_kwh: Mapped[Decimal] = mapped_column(Money())
    time_per_hour: Mapped[Decimal] = mapped_column(Money())
    idle_per_hour: Mapped[Decimal] = mapped_column(Money())
    idle_grace_minutes: Mapped[int] = mapped_column(default=0)
    session_fee: Mapped[Decimal] = mapped_column(Money())
    min_price: Mapped[Decimal | None] = mapped_column(Money())
    max_price: Mapped[Decimal | None] = mapped_column(Money())
    vat_rate: Mapped[Decimal] = mapped_column(Money())
    bands: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TariffAssignment(Base):
    """Which tariff applies where (station, site, or the whole organisation when both are
    null) and to whom (a user group, a cost centre, or anyone when both are null)."""

    __tablename__ = "tariff_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = organisation_fk(default=True)
    tariff_id: Mapped[int] = mapped_column(ForeignKey("tariffs.id", ondelete="CASCADE"),
                                           index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    station_id: Mapped[str | None] = mapped_column(
        ForeignKey("stations.id", ondelete="CASCADE"))
    user_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_groups.id", ondelete="CASCADE"))
    cost_centre_id: Mapped[int | None] = mapped_column(
        ForeignKey("cost_centres.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SessionPrice(Base):
    """The price of one finished transaction, with who pays (a snapshot taken when priced)
    and the full breakdown (chargegrid-price/1 JSON) it was computed as."""

    __tablename__ = "session_prices"
    __table_args__ = (Index("ix_session_prices_org_stopped", "organisation_id", "stopped_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("transactions.id", ondelete="CASCADE"), unique=True)
    tariff_id: Mapped[int] = mapped_column(ForeignKey("tariffs.id"))
    tariff_version_ids: Mapped[list[int]] = mapped_column(JSON)
    # The organisation that operates the station (the seller) and the payer's attribution.
    organisation_id: Mapped[int] = organisation_fk()
    payer_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cost_centre_id: Mapped[int | None] = mapped_column(
        ForeignKey("cost_centres.id", ondelete="SET NULL"))
    station_id: Mapped[str] = mapped_column(String(48))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime] = mapped_column(UTCDateTime())
    currency: Mapped[str] = mapped_column(String(3))
    energy_kwh: Mapped[Decimal] = mapped_column(Money())
    net: Mapped[Decimal] = mapped_column(Money())
    vat: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSON)
    priced_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BillingProfile(Base):
    """How a user is billed: `invoice` true for external drivers (employees reimbursed at
    home, tenants, guests) who get numbered invoices; others only appear on statements."""

    __tablename__ = "billing_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    invoice: Mapped[bool] = mapped_column(default=False)
    bill_to_name: Mapped[str] = mapped_column(String(255))
    bill_to_address: Mapped[str | None] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BillingRun(Base):
    """One run over a period that issued something (a run issuing nothing leaves no row)."""

    __tablename__ = "billing_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = organisation_fk()
    period: Mapped[str] = mapped_column(String(7))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    session_count: Mapped[int]
    statement_count: Mapped[int]
    invoice_count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Statement(Base):
    """What one subject owes for a run: kind user, cost_centre or organisation."""

    __tablename__ = "statements"
    __table_args__ = (UniqueConstraint("run_id", "kind", "subject_id", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("billing_runs.id"), index=True)
    organisation_id: Mapped[int] = organisation_fk()
    period: Mapped[str] = mapped_column(String(7), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    session_count: Mapped[int]
    energy_kwh: Mapped[Decimal] = mapped_column(Money())
    net: Mapped[Decimal] = mapped_column(Money())
    vat: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StatementItem(Base):
    """A session on a statement; unique per (kind, transaction): a session is billed once
    per statement kind, which is what makes a billing run idempotent."""

    __tablename__ = "statement_items"
    # Transaction first: the index also serves "is this session billed?" joins.
    __table_args__ = (UniqueConstraint("transaction_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    transaction_id: Mapped[int] = mapped_column(ForeignKey("transactions.id"))
    total: Mapped[Decimal] = mapped_column(Money())


class InvoiceSequence(Base):
    """The next number per organisation and document kind (gapless: taken inside the
    issuing transaction, under a row lock on PostgreSQL)."""

    __tablename__ = "invoice_sequences"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"),
                                                 primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    next_number: Mapped[int]


class Invoice(Base):
    """A numbered, immutable invoice to one user for one statement."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("organisation_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = organisation_fk()
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(32), unique=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    period: Mapped[str] = mapped_column(String(7))
    bill_to: Mapped[dict[str, Any]] = mapped_column(JSON)
    currency: Mapped[str] = mapped_column(String(3))
    net: Mapped[Decimal] = mapped_column(Money())
    vat: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InvoiceLine(Base):
    """One session on an invoice, copied at issue time (the invoice never changes)."""

    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("transactions.id"))
    station_id: Mapped[str] = mapped_column(String(48))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime] = mapped_column(UTCDateTime())
    energy_kwh: Mapped[Decimal] = mapped_column(Money())
    cost_centre: Mapped[str | None] = mapped_column(String(64))
    net: Mapped[Decimal] = mapped_column(Money())
    vat: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())


class CreditNote(Base):
    """A numbered, immutable correction of an invoice (never an edit of it): it credits
    whole sessions (`transaction_ids`) or, with none named, the whole invoice."""

    __tablename__ = "credit_notes"
    __table_args__ = (UniqueConstraint("organisation_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = organisation_fk()
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(32), unique=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    reason: Mapped[str] = mapped_column(String(1024))
    transaction_ids: Mapped[list[int]] = mapped_column(JSON)
    currency: Mapped[str] = mapped_column(String(3))
    net: Mapped[Decimal] = mapped_column(Money())
    vat: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
