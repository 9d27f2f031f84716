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

BATCH = 5000


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
    """Existing ratings get their hour in the service's time zone, in batches (a big
    table must not be read whole into memory)."""
    from datetime import timezone

    zone = ZoneInfo(current_app.config["LOCAL_TIMEZONE"])
    ratings = sa.table('ratings', sa.column('id', sa.Integer), sa.column('submitted_at', sa.DateTime(timezone=True)),
                       sa.column('local_hour', sa.SmallInteger))
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(sa.select(ratings.c.id, ratings.c.submitted_at)
                                  .where(ratings.c.id > last).order_by(ratings.c.id).limit(BATCH)).all()
        if not rows:
            return
        updates = []
        for rating_id, moment in rows:
            moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
            updates.append({"rid": rating_id, "hour": moment.astimezone(zone).hour})
        connection.execute(sa.update(ratings).where(ratings.c.id == sa.bindparam("rid"))
                           .values(local_hour=sa.bindparam("hour")), updates)
        last = rows[-1][0]
