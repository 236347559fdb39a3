"""Ad-hoc sessions (QR-code charging paid by card)

Revision ID: 0405_adhoc
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chargegrid.store.types

revision: str = "0405_adhoc"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    utc = chargegrid.store.types.UTCDateTime
    op.create_table(
        "adhoc_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("failure", sa.String(length=255), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("price", sa.JSON(), nullable=False),
        sa.Column("amount_held", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("amount_captured", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("vat_amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("payment_provider", sa.String(length=32), nullable=False),
        sa.Column("payment_reference", sa.String(length=128), nullable=True),
        sa.Column("payment_status", sa.String(length=32), nullable=True),
        sa.Column("id_tag", sa.String(length=20), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.Column("energy_wh", sa.Integer(), nullable=True),
        sa.Column("created_at", utc(), nullable=False),
        sa.Column("authorised_at", utc(), nullable=True),
        sa.Column("started_at", utc(), nullable=True),
        sa.Column("ended_at", utc(), nullable=True),
        sa.Column("updated_at", utc(), nullable=False),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"],
                                name=op.f("fk_adhoc_sessions_station_id_stations"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["transaction_id"], ["transactions.id"],
                                name=op.f("fk_adhoc_sessions_transaction_id_transactions"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adhoc_sessions")),
        sa.UniqueConstraint("token", name=op.f("uq_adhoc_sessions_token")),
        sa.UniqueConstraint("payment_reference",
                            name=op.f("uq_adhoc_sessions_payment_reference")),
        sa.UniqueConstraint("id_tag", name=op.f("uq_adhoc_sessions_id_tag")),
    )
    op.create_index("ix_adhoc_sessions_station_state", "adhoc_sessions",
                    ["station_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_adhoc_sessions_station_state", table_name="adhoc_sessions")
    op.drop_table("adhoc_sessions")
