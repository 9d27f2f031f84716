"""cases.notifying_at: a worker claims a case notice before sending it

Revision ID: 8d3b5f0a2c47
Revises: 7a4e91c0d2b5
Create Date: 2026-12-01 15:00:00

A nullable column without a default: on PostgreSQL this is a catalogue change
only (no table rewrite), so it is safe on a live database.
"""
import sqlalchemy as sa
from alembic import op

revision = '8d3b5f0a2c47'
down_revision = '7a4e91c0d2b5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notifying_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('notifying_at')
