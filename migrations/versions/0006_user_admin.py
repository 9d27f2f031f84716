"""user administration: temporary passwords and last login

Revision ID: 6c1d2e7a9b30
Revises: 5f58e3e7fe1f
Create Date: 2026-11-22 15:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '6c1d2e7a9b30'
down_revision = '5f58e3e7fe1f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        # server_default: existing accounts keep working without a forced change.
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('must_change_password')
