"""integration_clients.scopes: extra rights of an API key ("reports": the internal copy of reports)

A nullable column only: safe to apply while the old code runs. Keys made before it have
none, so they read the published copy of reports; make a key with
`flask clients create … --scope reports` for a system that needs the internal copy.

Revision ID: b15c2e3f4a02
Revises: b14a0f1d2c01
Create Date: 2026-12-03 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b15c2e3f4a02'
down_revision = 'b14a0f1d2c01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('integration_clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('integration_clients', schema=None) as batch_op:
        batch_op.drop_column('scopes')
