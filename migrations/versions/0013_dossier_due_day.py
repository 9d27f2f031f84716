"""dossiers.due_day: the local day a dossier is due, fixed when due_at is set

Like received_day and returned_day: period reports judge "early / on time / late" and
"overdue" by local days, and reading the day off due_at for each of a province-year's
dossiers cost seconds. A nullable column (due_at is optional) filled in committed
batches (migrations/batched_fill.py): safe on a live database.

Revision ID: 7e4b2d9c1a63
Revises: 9b7e3d1c4a52
Create Date: 2026-12-01 19:00:00

"""
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = '7e4b2d9c1a63'
down_revision = '9b7e3d1c4a52'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_day', sa.Date(), nullable=True))
    _fill_due_days()


def downgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_column('due_day')


def _fill_due_days():
    from datetime import timezone

    from migrations.batched_fill import fill_in_batches

    zone = ZoneInfo(current_app.config["LOCAL_TIMEZONE"])
    dossiers = sa.table('dossiers', sa.column('id', sa.Integer), sa.column('due_at', sa.DateTime(timezone=True)),
                        sa.column('due_day', sa.Date))

    def due_day(row) -> dict:
        moment = row.due_at
        moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
        return {"due_day": moment.astimezone(zone).date()}

    fill_in_batches(dossiers, dossiers.c.id, sa.and_(dossiers.c.due_day.is_(None), dossiers.c.due_at.is_not(None)),
                    due_day, columns=[dossiers.c.due_at])
