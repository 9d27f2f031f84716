"""dossiers.field_code, dossiers.field_name: the field (lĩnh vực) of the dossier's procedure

Biểu II.06a (TT 01/2020/TT-VPCP) has a row per field of procedure. Both columns are
nullable and left empty on existing rows: a dossier registered without a field is
counted under "Khác" (other). Adding nullable columns is a catalogue change only.

Revision ID: b17e4a5b6c04
Revises: b16d3f4a5b03
Create Date: 2026-12-02 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b17e4a5b6c04'
down_revision = 'b16d3f4a5b03'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('field_code', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('field_name', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_column('field_name')
        batch_op.drop_column('field_code')
