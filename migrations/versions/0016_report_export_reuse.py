"""report_exports.request_key and .basis: a repeated export request reuses the job or file

`request_key` names what was asked (unit, period, version, format, copy); a unique
partial index keeps at most one queued or running export per key, so two identical
requests at once make one job. `basis` says what a finished file rests on, so a file
still current is handed out again instead of built anew.

Expand only: two nullable columns (a catalogue change) and an index on a table of one row
per export ever queued (thousands, not millions), built in a moment.
Rows written before this revision have no key: they are never reused, and expire as before.

Revision ID: b16d3f4a5b03
Revises: b15c2e3f4a02
Create Date: 2026-12-03 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b16d3f4a5b03'
down_revision = 'b15c2e3f4a02'
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('queued', 'running')")


def upgrade():
    with op.batch_alter_table('report_exports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('basis', sa.String(length=120), nullable=True))
    op.create_index('uq_report_exports_active_request', 'report_exports', ['request_key'], unique=True,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade():
    op.drop_index('uq_report_exports_active_request', table_name='report_exports')
    with op.batch_alter_table('report_exports', schema=None) as batch_op:
        batch_op.drop_column('basis')
        batch_op.drop_column('request_key')
