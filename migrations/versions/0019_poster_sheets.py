"""poster_sheets: the PDFs of every counter poster of a subtree, built by RQ jobs

A new table only: safe to apply while the old code runs.

Revision ID: c19a7e2d4f06
Revises: b18f5b6c7d05
Create Date: 2026-12-06 19:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c19a7e2d4f06'
down_revision = 'b18f5b6c7d05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'poster_sheets',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('layout', sa.String(length=8), nullable=False),
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
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_poster_sheets_unit_id_units')),
        sa.ForeignKeyConstraint(['requested_by_user_id'], ['users.id'],
                                name=op.f('fk_poster_sheets_requested_by_user_id_users')),
        sa.ForeignKeyConstraint(['requested_by_client_id'], ['integration_clients.id'],
                                name=op.f('fk_poster_sheets_requested_by_client_id_integration_clients')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_poster_sheets')),
    )
    op.create_index(op.f('ix_poster_sheets_unit_id'), 'poster_sheets', ['unit_id'])
    op.create_index(op.f('ix_poster_sheets_expires_at'), 'poster_sheets', ['expires_at'])


def downgrade():
    op.drop_table('poster_sheets')
