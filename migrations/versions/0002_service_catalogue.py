"""Service catalogue: services and their versioned definitions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 15:30:52.103595

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('certificate', 'complaint', 'request', 'report')", name=op.f('ck_service_kind_known')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_service_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service')),
    sa.UniqueConstraint('code', name=op.f('uq_service_code'))
    )
    op.create_index(op.f('ix_service_department_id'), 'service', ['department_id'], unique=False)
    op.create_index(op.f('ix_service_kind'), 'service', ['kind'], unique=False)
    op.create_table('service_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name_ar', sa.String(length=200), nullable=False),
    sa.Column('name_fr', sa.String(length=200), nullable=False),
    sa.Column('description_ar', sa.Text(), nullable=False),
    sa.Column('description_fr', sa.Text(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('fee_mad', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('delay_value', sa.Integer(), nullable=False),
    sa.Column('delay_unit', sa.String(length=20), nullable=False),
    sa.Column('location_required', sa.Boolean(), nullable=False),
    sa.Column('asset_layer', sa.String(length=30), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("asset_layer IS NULL OR asset_layer IN ('street_light', 'waste_container', 'bus_stop')", name=op.f('ck_service_version_asset_layer_known')),
    sa.CheckConstraint("delay_unit IN ('working_days', 'hours')", name=op.f('ck_service_version_delay_unit_known')),
    sa.CheckConstraint("delay_value > 0 AND ((delay_unit = 'working_days' AND delay_value <= 60) OR (delay_unit = 'hours' AND delay_value <= 1440))", name=op.f('ck_service_version_delay_within_law')),
    sa.CheckConstraint('fee_mad >= 0', name=op.f('ck_service_version_fee_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_service_version_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_service_version_service_id_service')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_version')),
    sa.UniqueConstraint('service_id', 'version', name=op.f('uq_service_version_service_id'))
    )
    op.create_index(op.f('ix_service_version_service_id'), 'service_version', ['service_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_service_version_service_id'), table_name='service_version')
    op.drop_table('service_version')
    op.drop_index(op.f('ix_service_kind'), table_name='service')
    op.drop_index(op.f('ix_service_department_id'), table_name='service')
    op.drop_table('service')
