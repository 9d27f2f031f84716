"""redis_outages: the Redis outages the worker and scheduler lived through, for /metrics

A new table only: safe to apply while the old code runs.

Revision ID: 3c9a6e2f5b18
Revises: 8e2b7c4d1f06
Create Date: 2026-12-02 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '3c9a6e2f5b18'
down_revision = '8e2b7c4d1f06'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'redis_outages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('seen_by', sa.String(length=120), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_redis_outages')),
    )


def downgrade():
    op.drop_table('redis_outages')
