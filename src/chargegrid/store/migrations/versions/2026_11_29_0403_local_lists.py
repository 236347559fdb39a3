"""local lists: per-station Local Authorization List state, held entries, pending changes

Revision ID: 0403_local_lists
Revises: 0401_accounts
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chargegrid.store.types

revision: str = "0403_local_lists"
down_revision: str | None = "0401_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _station_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["station_id"], ["stations.id"],
                                   name=op.f(f"fk_{table}_station_id_stations"),
                                   ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "local_list_states",
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("synced_at", chargegrid.store.types.UTCDateTime(), nullable=True),
        sa.Column("attempted_at", chargegrid.store.types.UTCDateTime(), nullable=True),
        sa.Column("last_outcome", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _station_fk("local_list_states"),
        sa.PrimaryKeyConstraint("station_id", name=op.f("pk_local_list_states")),
    )
    op.create_table(
        "local_list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("token", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", chargegrid.store.types.UTCDateTime(), nullable=True),
        sa.Column("parent_id_tag", sa.String(length=36), nullable=True),
        _station_fk("local_list_entries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_list_entries")),
        sa.UniqueConstraint("station_id", "token", name=op.f("uq_local_list_entries_station_id")),
    )
    op.create_table(
        "local_list_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("token", sa.String(length=36), nullable=False),
        sa.Column("queued_at", chargegrid.store.types.UTCDateTime(), nullable=False),
        _station_fk("local_list_pending"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_list_pending")),
        sa.UniqueConstraint("station_id", "token", name=op.f("uq_local_list_pending_station_id")),
    )


def downgrade() -> None:
    op.drop_table("local_list_pending")
    op.drop_table("local_list_entries")
    op.drop_table("local_list_states")
