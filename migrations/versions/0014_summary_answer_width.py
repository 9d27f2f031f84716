"""summary_answers.answer: 10 → 20 characters, as wide as the rating fields folded into it

The fold counts each flagged rating's reason as the answer of the pseudo-question
"flag" (summaries/keys.py). `over_allowance` (14 characters) and `over_own_allowance`
(18) did not fit VARCHAR(10): on PostgreSQL the fold of a batch holding one failed as a
whole. Widening a VARCHAR is a catalogue change on PostgreSQL (no rewrite, no index
rebuild), safe on a live database; SQLite, which never enforced the width, copies the
table in batch mode.

Revision ID: eff6e19fc839
Revises: 7e4b2d9c1a63
Create Date: 2026-12-06 18:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'eff6e19fc839'
down_revision = '7e4b2d9c1a63'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('summary_answers', schema=None) as batch_op:
        batch_op.alter_column('answer', existing_type=sa.String(length=10), type_=sa.String(length=20),
                              existing_nullable=False)


def downgrade():
    # Fails (on PostgreSQL) while a longer flag reason is counted: those rows would not fit.
    with op.batch_alter_table('summary_answers', schema=None) as batch_op:
        batch_op.alter_column('answer', existing_type=sa.String(length=20), type_=sa.String(length=10),
                              existing_nullable=False)
