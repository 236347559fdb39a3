"""accounts: organisations, scoping columns, groups, cost centres, vehicles, grants, charging
rules, audit log; merges the 0101/0201/0301 heads

Existing rows all move to organisation 1 ("Default") and the old `admin` role becomes
`operator_admin`, so a single-tenant installation keeps working after the upgrade.

Revision ID: 0401_accounts
Revises: 0101_advenir, 0201_ocpp201, 0301_control
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import chargegrid.store.types

revision: str = "0401_accounts"
down_revision: str | Sequence[str] | None = ("0101_advenir", "0201_ocpp201", "0301_control")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPED_TABLES = ("users", "api_tokens", "sites", "stations", "id_tokens")
UTC_DT = chargegrid.store.types.UTCDateTime


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                   name=op.f(f"fk_{table}_organisation_id_organisations"))


def _org_column() -> sa.Column[int]:
    return sa.Column("organisation_id", sa.Integer(), nullable=False)


def upgrade() -> None:
    organisations = op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_DT(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["organisations.id"],
                                name=op.f("fk_organisations_parent_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.bulk_insert(organisations, [{"id": 1, "name": "Default", "parent_id": None,
                                    "created_at": datetime.now(UTC)}])
    if op.get_bind().dialect.name == "postgresql":
        # The explicit id 1 does not advance the serial; the next organisation must get 2.
        op.execute("SELECT setval(pg_get_serial_sequence('organisations', 'id'), "
                   "(SELECT max(id) FROM organisations))")

    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in SCOPED_TABLES:
        # The server default backfills existing rows with organisation 1.
        if sqlite:
            # Never a batch (copy-and-move) here: with foreign keys on, dropping the old
            # users/stations/sites table would cascade to api_tokens, transactions, meter
            # values... SQLite cannot ADD COLUMN with a non-NULL REFERENCES default, so
            # there the column is a plain NOT NULL DEFAULT 1 column (indexed, no FK).
            op.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN organisation_id INTEGER "
                               "NOT NULL DEFAULT 1"))
            op.create_index(op.f(f"ix_{table}_organisation_id"), table, ["organisation_id"])
            continue
        op.add_column(table, sa.Column("organisation_id", sa.Integer(), nullable=False,
                                       server_default="1"))
        op.create_foreign_key(op.f(f"fk_{table}_organisation_id_organisations"), table,
                              "organisations", ["organisation_id"], ["id"])
        op.create_index(op.f(f"ix_{table}_organisation_id"), table, ["organisation_id"])
        # New rows must name their organisation (the ORM model supplies 1 for old callers).
        op.alter_column(table, "organisation_id", server_default=None,
                        existing_type=sa.Integer(), existing_nullable=False)

    if sqlite:
        op.execute(sa.text("ALTER TABLE id_tokens ADD COLUMN user_id INTEGER "
                           "REFERENCES users (id) ON DELETE SET NULL"))
    else:
        op.add_column("id_tokens", sa.Column("user_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_id_tokens_user_id_users"), "id_tokens", "users",
                              ["user_id"], ["id"], ondelete="SET NULL")

    for table in ("users", "api_tokens"):
        op.execute(sa.text(f"UPDATE {table} SET role = 'operator_admin' WHERE role = 'admin'"))

    op.create_table(
        "cost_centres",
        sa.Column("id", sa.Integer(), nullable=False),
        _org_column(),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        _org_fk("cost_centres"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_centres")),
        sa.UniqueConstraint("organisation_id", "code",
                            name=op.f("uq_cost_centres_organisation_id")),
    )
    op.create_table(
        "user_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        _org_column(),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("cost_centre_id", sa.Integer(), nullable=True),
        _org_fk("user_groups"),
        sa.ForeignKeyConstraint(["cost_centre_id"], ["cost_centres.id"],
                                name=op.f("fk_user_groups_cost_centre_id_cost_centres"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_groups")),
        sa.UniqueConstraint("organisation_id", "name",
                            name=op.f("uq_user_groups_organisation_id")),
    )
    op.create_table(
        "user_group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["user_groups.id"],
                                name=op.f("fk_user_group_members_group_id_user_groups"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_user_group_members_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_user_group_members")),
    )
    op.create_table(
        "vehicles",
        sa.Column("id", sa.Integer(), nullable=False),
        _org_column(),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("licence_plate", sa.String(length=32), nullable=True),
        sa.Column("vin", sa.String(length=17), nullable=True),
        sa.Column("created_at", UTC_DT(), nullable=False),
        _org_fk("vehicles"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_vehicles_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint("organisation_id", "licence_plate",
                            name=op.f("uq_vehicles_organisation_id")),
    )
    op.create_table(
        "access_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        _org_column(),
        sa.Column("grantee_organisation_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTC_DT(), nullable=False),
        sa.Column("revoked_at", UTC_DT(), nullable=True),
        _org_fk("access_grants"),
        sa.ForeignKeyConstraint(
            ["grantee_organisation_id"], ["organisations.id"],
            name=op.f("fk_access_grants_grantee_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"],
                                name=op.f("fk_access_grants_site_id_sites"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_grants")),
    )
    op.create_table(
        "charging_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        _org_column(),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("station_id", sa.String(length=48), nullable=True),
        sa.Column("weekdays", sa.String(length=7), nullable=False),
        sa.Column("start_time", sa.String(length=5), nullable=False),
        sa.Column("end_time", sa.String(length=5), nullable=False),
        sa.Column("created_at", UTC_DT(), nullable=False),
        _org_fk("charging_rules"),
        sa.ForeignKeyConstraint(["group_id"], ["user_groups.id"],
                                name=op.f("fk_charging_rules_group_id_user_groups"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"],
                                name=op.f("fk_charging_rules_site_id_sites"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"],
                                name=op.f("fk_charging_rules_station_id_stations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_rules")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_DT(), nullable=False),
        _org_column(),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=True),
        sa.Column("result", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        _org_fk("audit_log"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_audit_log_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    for table in ("cost_centres", "user_groups", "vehicles", "access_grants",
                  "charging_rules", "audit_log"):
        op.create_index(op.f(f"ix_{table}_organisation_id"), table, ["organisation_id"])
    op.create_index(op.f("ix_access_grants_grantee_organisation_id"), "access_grants",
                    ["grantee_organisation_id"])
    op.create_index(op.f("ix_charging_rules_group_id"), "charging_rules", ["group_id"])
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])


def downgrade() -> None:
    for table in ("audit_log", "charging_rules", "access_grants", "vehicles",
                  "user_group_members", "user_groups", "cost_centres"):
        op.drop_table(table)
    for table in ("users", "api_tokens"):
        op.execute(sa.text(f"UPDATE {table} SET role = 'admin' WHERE role = 'operator_admin'"))
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # id_tokens has no children, so copy-and-move is safe for it (and needed: SQLite
        # cannot drop a column that carries a foreign key).
        with op.batch_alter_table("id_tokens") as batch:
            batch.drop_column("user_id")
    else:
        op.drop_constraint(op.f("fk_id_tokens_user_id_users"), "id_tokens",
                           type_="foreignkey")
        op.drop_column("id_tokens", "user_id")
    for table in SCOPED_TABLES:
        op.drop_index(op.f(f"ix_{table}_organisation_id"), table_name=table)
        if not sqlite:
            op.drop_constraint(op.f(f"fk_{table}_organisation_id_organisations"), table,
                               type_="foreignkey")
        # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35), never a table copy.
        op.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN organisation_id"))
    op.drop_table("organisations")
