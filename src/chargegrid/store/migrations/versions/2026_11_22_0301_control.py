"""EMS control: external limits and per-node load history

Revision ID: 0301_control
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chargegrid.store.types

revision: str = "0301_control"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "external_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=48), nullable=False),
        sa.Column("limit_a", sa.Double(), nullable=False),
        sa.Column("requested_value", sa.Double(), nullable=False),
        sa.Column("requested_unit", sa.String(length=2), nullable=False),
        sa.Column("starts_at", chargegrid.store.types.UTCDateTime(), nullable=False),
        sa.Column("ends_at", chargegrid.store.types.UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", chargegrid.store.types.UTCDateTime(), nullable=False),
        sa.Column("cancelled_at", chargegrid.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"],
                                name=op.f("fk_external_limits_site_id_sites"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_limits")),
    )
    op.create_index("ix_external_limits_site_time", "external_limits", ["site_id", "ends_at"])
    op.create_table(
        "node_load_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=48), nullable=False),
        sa.Column("bucket", chargegrid.store.types.UTCDateTime(), nullable=False),
        *(sa.Column(f"{p}_{k}", sa.Double(), nullable=False)
          for k in ("mean", "max") for p in ("l1", "l2", "l3")),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"],
                                name=op.f("fk_node_load_samples_site_id_sites"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_node_load_samples")),
        sa.UniqueConstraint("site_id", "node_id", "bucket",
                            name=op.f("uq_node_load_samples_site_id")),
    )


def downgrade() -> None:
    op.drop_table("node_load_samples")
    op.drop_index("ix_external_limits_site_time", table_name="external_limits")
    op.drop_table("external_limits")
