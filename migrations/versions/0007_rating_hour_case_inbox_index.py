"""ratings.local_hour for the heatmap; an index for the complaint inbox

Revision ID: 7a4e91c0d2b5
Revises: 6c1d2e7a9b30
Create Date: 2026-11-22 16:30:00

"""
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = '7a4e91c0d2b5'
down_revision = '6c1d2e7a9b30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('local_hour', sa.SmallInteger(), nullable=True))
    _fill_local_hours()
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.alter_column('local_hour', existing_type=sa.SmallInteger(), nullable=False)
        batch_op.create_index('ix_ratings_unit_day_hour', ['unit_id', 'local_day', 'local_hour', 'flag_reason'],
                              unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_unit_created', ['unit_id', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_unit_created')
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ratings_unit_day_hour')
        batch_op.drop_column('local_hour')


def _fill_local_hours():
    """Existing ratings get their hour in the service's time zone, batch by batch,
    each batch committed on its own (migrations/batched_fill.py): a big table is
    neither read whole into memory nor locked whole until the last row is done."""
    from datetime import timezone

    from migrations.batched_fill import fill_in_batches

    zone = ZoneInfo(current_app.config["LOCAL_TIMEZONE"])
    ratings = sa.table('ratings', sa.column('id', sa.Integer), sa.column('submitted_at', sa.DateTime(timezone=True)),
                       sa.column('local_hour', sa.SmallInteger))

    def local_hour(row) -> dict:
        moment = row.submitted_at
        moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
        return {"local_hour": moment.astimezone(zone).hour}

    fill_in_batches(ratings, ratings.c.id, ratings.c.local_hour.is_(None), local_hour,
                    columns=[ratings.c.submitted_at])
