"""unit_successions and counter_moves: dated splits and mergers of units

New tables only: safe to apply while the old code runs.

Revision ID: e21c4d5f6a08
Revises: d20b3c4e5f07
Create Date: 2026-12-06 20:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'e21c4d5f6a08'
down_revision = 'd20b3c4e5f07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'unit_successions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('old_unit_id', sa.Integer(), nullable=False),
        sa.Column('new_unit_id', sa.Integer(), nullable=False),
        sa.Column('effective_date', sa.Date(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_by', sa.String(length=120), nullable=False),
        sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['old_unit_id'], ['units.id']),
        sa.ForeignKeyConstraint(['new_unit_id'], ['units.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('old_unit_id', 'new_unit_id', name='uq_unit_successions_pair'),
    )
    op.create_index('ix_unit_successions_old_unit_id', 'unit_successions', ['old_unit_id'])
    op.create_index('ix_unit_successions_new_unit_id', 'unit_successions', ['new_unit_id'])
    op.create_table(
        'counter_moves',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('counter_id', sa.Integer(), nullable=False),
        sa.Column('from_unit_id', sa.Integer(), nullable=False),
        sa.Column('to_unit_id', sa.Integer(), nullable=False),
        sa.Column('effective_date', sa.Date(), nullable=False),
        sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('code_after', sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(['counter_id'], ['counters.id']),
        sa.ForeignKeyConstraint(['from_unit_id'], ['units.id']),
        sa.ForeignKeyConstraint(['to_unit_id'], ['units.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('counter_id', 'from_unit_id', name='uq_counter_moves_counter_from'),
    )
    op.create_index('ix_counter_moves_counter_id', 'counter_moves', ['counter_id'])


def downgrade():
    op.drop_index('ix_counter_moves_counter_id', table_name='counter_moves')
    op.drop_table('counter_moves')
    op.drop_index('ix_unit_successions_new_unit_id', table_name='unit_successions')
    op.drop_index('ix_unit_successions_old_unit_id', table_name='unit_successions')
    op.drop_table('unit_successions')
