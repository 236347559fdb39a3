"""billing: tariffs, versions, assignments, session prices, billing runs, statements,
invoices (gapless numbers, immutable), credit notes

Revision ID: 0404_billing
Revises: 0401_accounts
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chargegrid.store.models.billing
import chargegrid.store.types

revision: str = "0404_billing"
down_revision: str | Sequence[str] | None = "0401_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DT = chargegrid.store.types.UTCDateTime
MONEY = chargegrid.store.models.billing.Money
IMMUTABLE = ("invoices", "invoice_lines", "credit_notes")


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _org(table: str, column: str = "organisation_id",
         nullable: bool = False) -> list[sa.schema.SchemaItem]:
    return [sa.Column(column, sa.Integer(), nullable=nullable),
            sa.ForeignKeyConstraint([column], ["organisations.id"],
                                    name=op.f(f"fk_{table}_{column}_organisations"))]


def _money(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, MONEY(), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str | None = None,
        target_column: str = "id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.{target_column}"],
                                   name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "tariffs", _id(), *_org("tariffs"),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", UTC_DT(), nullable=False),
        sa.Column("updated_at", UTC_DT(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariffs")),
        sa.UniqueConstraint("organisation_id", "name", name=op.f("uq_tariffs_organisation_id")),
    )
    op.create_index(op.f("ix_tariffs_organisation_id"), "tariffs", ["organisation_id"])
    op.create_table(
        "tariff_versions", _id(),
        sa.Column("tariff_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", UTC_DT(), nullable=False),
        sa.Column("valid_to", UTC_DT(), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        _money("energy_per_kwh"), _money("time_per_hour"), _money("idle_per_hour"),
        sa.Column("idle_grace_minutes", sa.Integer(), nullable=False),
        _money("session_fee"), _money("min_price", True), _money("max_price", True),
        _money("vat_rate"),
        sa.Column("bands", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_DT(), nullable=False),
        _fk("tariff_versions", "tariff_id", "tariffs", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariff_versions")),
    )
    op.create_index("ix_tariff_versions_tariff_from", "tariff_versions",
                    ["tariff_id", "valid_from"])
    op.create_table(
        "tariff_assignments", _id(), *_org("tariff_assignments"),
        sa.Column("tariff_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("station_id", sa.String(48), nullable=True),
        sa.Column("user_group_id", sa.Integer(), nullable=True),
        sa.Column("cost_centre_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_DT(), nullable=False),
        _fk("tariff_assignments", "tariff_id", "tariffs", "CASCADE"),
        _fk("tariff_assignments", "site_id", "sites", "CASCADE"),
        _fk("tariff_assignments", "station_id", "stations", "CASCADE"),
        _fk("tariff_assignments", "user_group_id", "user_groups", "CASCADE"),
        _fk("tariff_assignments", "cost_centre_id", "cost_centres", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariff_assignments")),
    )
    op.create_index(op.f("ix_tariff_assignments_organisation_id"), "tariff_assignments",
                    ["organisation_id"])
    op.create_index(op.f("ix_tariff_assignments_tariff_id"), "tariff_assignments",
                    ["tariff_id"])
    op.create_table(
        "session_prices", _id(),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("tariff_id", sa.Integer(), nullable=False),
        sa.Column("tariff_version_ids", sa.JSON(), nullable=False),
        *_org("session_prices"),
        *_org("session_prices", "payer_organisation_id", nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("cost_centre_id", sa.Integer(), nullable=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("started_at", UTC_DT(), nullable=False),
        sa.Column("stopped_at", UTC_DT(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        _money("energy_kwh"), _money("net"), _money("vat"), _money("total"),
        sa.Column("breakdown", sa.JSON(), nullable=False),
        sa.Column("priced_at", UTC_DT(), nullable=False),
        _fk("session_prices", "transaction_id", "transactions", "CASCADE"),
        _fk("session_prices", "tariff_id", "tariffs"),
        _fk("session_prices", "user_id", "users", "SET NULL"),
        _fk("session_prices", "cost_centre_id", "cost_centres", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_prices")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_session_prices_transaction_id")),
    )
    op.create_index(op.f("ix_session_prices_organisation_id"), "session_prices",
                    ["organisation_id"])
    op.create_index("ix_session_prices_org_stopped", "session_prices",
                    ["organisation_id", "stopped_at"])
    op.create_table(
        "billing_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("invoice", sa.Boolean(), nullable=False),
        sa.Column("bill_to_name", sa.String(255), nullable=False),
        sa.Column("bill_to_address", sa.String(1024), nullable=True),
        sa.Column("created_at", UTC_DT(), nullable=False),
        _fk("billing_profiles", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_billing_profiles")),
    )
    op.create_table(
        "billing_runs", _id(), *_org("billing_runs"),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("period_start", UTC_DT(), nullable=False),
        sa.Column("period_end", UTC_DT(), nullable=False),
        sa.Column("session_count", sa.Integer(), nullable=False),
        sa.Column("statement_count", sa.Integer(), nullable=False),
        sa.Column("invoice_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DT(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_runs")),
    )
    op.create_index(op.f("ix_billing_runs_organisation_id"), "billing_runs",
                    ["organisation_id"])
    op.create_table(
        "statements", _id(),
        sa.Column("run_id", sa.Integer(), nullable=False), *_org("statements"),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("session_count", sa.Integer(), nullable=False),
        _money("energy_kwh"), _money("net"), _money("vat"), _money("total"),
        sa.Column("created_at", UTC_DT(), nullable=False),
        _fk("statements", "run_id", "billing_runs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
        sa.UniqueConstraint("run_id", "kind", "subject_id", "currency",
                            name=op.f("uq_statements_run_id")),
    )
    for column in ("run_id", "organisation_id", "period"):
        op.create_index(op.f(f"ix_statements_{column}"), "statements", [column])
    op.create_table(
        "statement_items", _id(),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        _money("total"),
        _fk("statement_items", "statement_id", "statements"),
        _fk("statement_items", "transaction_id", "transactions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_items")),
        sa.UniqueConstraint("transaction_id", "kind",
                            name=op.f("uq_statement_items_transaction_id")),
    )
    op.create_index(op.f("ix_statement_items_statement_id"), "statement_items",
                    ["statement_id"])
    op.create_table(
        "invoice_sequences",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("next_number", sa.Integer(), nullable=False),
        _fk("invoice_sequences", "organisation_id", "organisations"),
        sa.PrimaryKeyConstraint("organisation_id", "kind", name=op.f("pk_invoice_sequences")),
    )
    op.create_table(
        "invoices", _id(), *_org("invoices"),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("bill_to", sa.JSON(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        _money("net"), _money("vat"), _money("total"),
        sa.Column("issued_at", UTC_DT(), nullable=False),
        _fk("invoices", "statement_id", "statements"),
        _fk("invoices", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("organisation_id", "seq", name=op.f("uq_invoices_organisation_id")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_invoices_statement_id")),
    )
    op.create_index(op.f("ix_invoices_organisation_id"), "invoices", ["organisation_id"])
    op.create_table(
        "invoice_lines", _id(),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("started_at", UTC_DT(), nullable=False),
        sa.Column("stopped_at", UTC_DT(), nullable=False),
        _money("energy_kwh"),
        sa.Column("cost_centre", sa.String(64), nullable=True),
        _money("net"), _money("vat"), _money("total"),
        _fk("invoice_lines", "invoice_id", "invoices"),
        _fk("invoice_lines", "transaction_id", "transactions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
    )
    op.create_index(op.f("ix_invoice_lines_invoice_id"), "invoice_lines", ["invoice_id"])
    op.create_table(
        "credit_notes", _id(), *_org("credit_notes"),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(1024), nullable=False),
        sa.Column("transaction_ids", sa.JSON(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        _money("net"), _money("vat"), _money("total"),
        sa.Column("issued_at", UTC_DT(), nullable=False),
        _fk("credit_notes", "invoice_id", "invoices"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_notes")),
        sa.UniqueConstraint("organisation_id", "seq",
                            name=op.f("uq_credit_notes_organisation_id")),
        sa.UniqueConstraint("number", name=op.f("uq_credit_notes_number")),
    )
    op.create_index(op.f("ix_credit_notes_organisation_id"), "credit_notes",
                    ["organisation_id"])
    op.create_index(op.f("ix_credit_notes_invoice_id"), "credit_notes", ["invoice_id"])
    _protect_issued_documents()


def _protect_issued_documents() -> None:
    """Issued invoices and credit notes are immutable: refuse UPDATE and DELETE in the
    database too, so no code path (or hand-written SQL) can edit one."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION chargegrid_refuse_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% rows are immutable (issue a credit note instead)',
                    TG_TABLE_NAME;
            END $$ LANGUAGE plpgsql""")
        for table in IMMUTABLE:
            op.execute(f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION chargegrid_refuse_change()")
    else:
        for table in IMMUTABLE:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} rows are immutable (issue a credit "
                    f"note instead)'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in IMMUTABLE:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
        op.execute("DROP FUNCTION IF EXISTS chargegrid_refuse_change()")
    for table in ("credit_notes", "invoice_lines", "invoices", "invoice_sequences",
                  "statement_items", "statements", "billing_runs", "billing_profiles",
                  "session_prices", "tariff_assignments", "tariff_versions", "tariffs"):
        op.drop_table(table)  # SQLite drops a table's triggers with it
