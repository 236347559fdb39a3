"""ocpp 2.0.1: station device model (station_variables)

Revision ID: 0201_ocpp201
Revises: 0001
Create Date: 2026-11-22 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chargegrid.store.types

revision: str = '0201_ocpp201'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('station_variables',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.String(length=48), nullable=False),
    sa.Column('component', sa.String(length=50), nullable=False),
    sa.Column('component_instance', sa.String(length=50), nullable=False),
    sa.Column('evse_id', sa.Integer(), nullable=False),
    sa.Column('connector_id', sa.Integer(), nullable=False),
    sa.Column('variable', sa.String(length=50), nullable=False),
    sa.Column('variable_instance', sa.String(length=50), nullable=False),
    sa.Column('attribute_type', sa.String(length=8), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('mutability', sa.String(length=10), nullable=True),
    sa.Column('data_type', sa.String(length=16), nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('updated_at', chargegrid.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_station_variables_station_id_stations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_station_variables')),
    sa.UniqueConstraint('station_id', 'component', 'component_instance', 'evse_id', 'connector_id', 'variable', 'variable_instance', 'attribute_type', name=op.f('uq_station_variables_station_id'))
    )
    with op.batch_alter_table('station_variables', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_station_variables_station_id'), ['station_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('station_variables', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_variables_station_id'))
    op.drop_table('station_variables')
