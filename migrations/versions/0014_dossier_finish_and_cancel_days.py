"""dossiers.resolved_day, cancelled_at, cancelled_day: finished, not collected; cancelling has a date

Period reports judge a dossier resolved by the e-system's finish date (resolved_at), else by
its return, on local days: resolved_day keeps that day as due_day keeps the due day. A
cancellation now has a date, so that it changes periods from that day on and never one
that had already closed. All nullable; resolved_day is filled in committed batches
(migrations/batched_fill.py), safe on a live database. Rows already cancelled keep no date:
cancelled from the start, out of every period, as every report filed so far counted them.

Revision ID: b14a0f1d2c01
Revises: 7e4b2d9c1a63
Create Date: 2026-12-02 10:00:00

"""
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = 'b14a0f1d2c01'
down_revision = '7e4b2d9c1a63'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancelled_day', sa.Date(), nullable=True))
    _fill_resolved_days()


def downgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_column('cancelled_day')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('resolved_day')


def _fill_resolved_days():
    from datetime import timezone

    from migrations.batched_fill import fill_in_batches

    zone = ZoneInfo(current_app.config["LOCAL_TIMEZONE"])
    dossiers = sa.table('dossiers', sa.column('id', sa.Integer),
                        sa.column('resolved_at', sa.DateTime(timezone=True)),
                        sa.column('returned_at', sa.DateTime(timezone=True)), sa.column('resolved_day', sa.Date))

    def resolved_day(row) -> dict:
        moment = row.resolved_at if row.resolved_at is not None else row.returned_at
        moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
        return {"resolved_day": moment.astimezone(zone).date()}

    finished = sa.or_(dossiers.c.resolved_at.is_not(None), dossiers.c.returned_at.is_not(None))
    fill_in_batches(dossiers, dossiers.c.id, sa.and_(dossiers.c.resolved_day.is_(None), finished),
                    resolved_day, columns=[dossiers.c.resolved_at, dossiers.c.returned_at])
