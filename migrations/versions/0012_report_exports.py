"""report_exports: report export files built by RQ jobs, and their state

A new table only: safe to apply while the old code runs.

Revision ID: 9b7e3d1c4a52
Revises: 5d1f3a7c9e20
Create Date: 2026-12-02 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '9b7e3d1c4a52'
down_revision = '5d1f3a7c9e20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_exports',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=24), nullable=False),
        sa.Column('version', sa.Integer(), nullable=True),
        sa.Column('format', sa.String(length=8), nullable=False),
        sa.Column('internal', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=True),
        sa.Column('path', sa.String(length=200), nullable=True),
        sa.Column('requested_by_user_id', sa.Integer(), nullable=True),
        sa.Column('requested_by_client_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_report_exports_unit_id_units')),
        sa.ForeignKeyConstraint(['requested_by_user_id'], ['users.id'],
                                name=op.f('fk_report_exports_requested_by_user_id_users')),
        sa.ForeignKeyConstraint(['requested_by_client_id'], ['integration_clients.id'],
                                name=op.f('fk_report_exports_requested_by_client_id_integration_clients')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_exports')),
    )
    op.create_index(op.f('ix_report_exports_unit_id'), 'report_exports', ['unit_id'])
    op.create_index(op.f('ix_report_exports_expires_at'), 'report_exports', ['expires_at'])


def downgrade():
    op.drop_table('report_exports')
