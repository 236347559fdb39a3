"""meter_values: drop ix_meter_values_station_time (no query uses it; it cost a third of
every MeterValues write)

Every query on meter_values selects by transaction (ix_meter_values_tx_time). The
(station_id, timestamp) index served none, yet each batch of samples from N stations
dirtied N of its leaf pages: dropping it cut the group-commit writer's cost per batch by
about a third (bench/README.md, OCPP throughput).

Revision ID: 0501_meter_values_write_cost
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0501_meter_values_write_cost"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_meter_values_station_time", table_name="meter_values")


def downgrade() -> None:
    op.create_index("ix_meter_values_station_time", "meter_values", ["station_id", "timestamp"],
                    unique=False)
