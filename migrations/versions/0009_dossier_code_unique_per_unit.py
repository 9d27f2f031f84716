"""dossier receipt codes unique per unit, not across the country

A key for one commune could register a code another commune would print later and so
block its real registration; a code is now unique within its unit only (lookups are
scoped to the caller's subtree). Dossier ids, and so the tokens on printed receipts,
are unchanged.

Revision ID: 8e2b7c4d1f06
Revises: 8d3b5f0a2c47
Create Date: 2026-12-01 15:00:00

"""
from alembic import op

revision = '8e2b7c4d1f06'
down_revision = '8d3b5f0a2c47'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_code')
        batch_op.create_index('ix_dossiers_code', ['code'], unique=False)
        batch_op.create_unique_constraint('uq_dossiers_unit_id_code', ['unit_id', 'code'])


def downgrade():
    # Fails while two units hold the same code: decide which dossier is real first.
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_constraint('uq_dossiers_unit_id_code', type_='unique')
        batch_op.drop_index('ix_dossiers_code')
        batch_op.create_index('ix_dossiers_code', ['code'], unique=True)
