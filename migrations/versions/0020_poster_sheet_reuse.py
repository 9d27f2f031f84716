"""poster_sheets.request_key and .basis: a repeated poster PDF request reuses the job or file

`request_key` names what was asked (unit and layout); a unique partial index keeps at
most one queued or running PDF per key, so two identical requests at once make one job.
`basis` is a digest of what a finished PDF shows (counters, names, QR versions and
addresses), so a PDF still current is handed out again instead of drawn anew.

Expand only: two nullable columns and an index on a table of one row per PDF ever
queued (a few per unit), built in a moment. Rows written before this revision have no
key: they are never reused, and expire as before.

Revision ID: d20b3c4e5f07
Revises: c19a7e2d4f06
Create Date: 2026-12-07 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'd20b3c4e5f07'
down_revision = 'c19a7e2d4f06'
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('queued', 'running')")


def upgrade():
    with op.batch_alter_table('poster_sheets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_key', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('basis', sa.String(length=80), nullable=True))
    op.create_index('uq_poster_sheets_active_request', 'poster_sheets', ['request_key'], unique=True,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade():
    op.drop_index('uq_poster_sheets_active_request', table_name='poster_sheets')
    with op.batch_alter_table('poster_sheets', schema=None) as batch_op:
        batch_op.drop_column('basis')
        batch_op.drop_column('request_key')
