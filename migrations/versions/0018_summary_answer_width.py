"""summary_answers.answer: 10 → 40 characters

The fold counts each rating's flag reason and channel as pseudo-questions
(`summaries/keys.py`). "over_allowance" has 14 characters: PostgreSQL refused the
row ("value too long for type character varying(10)"), the fold's batch rolled back
and every rating behind a flagged one waited for ever. SQLite ignores the length,
which is why the suite did not see it. Widening a varchar is a catalogue change on
PostgreSQL (no table rewrite, no index rebuild), safe on a live database.

Revision ID: b18f5b6c7d05
Revises: b17e4a5b6c04
Create Date: 2026-12-06 18:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b18f5b6c7d05'
down_revision = 'b17e4a5b6c04'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('summary_answers', schema=None) as batch_op:
        batch_op.alter_column('answer', existing_type=sa.String(length=10), type_=sa.String(length=40),
                              existing_nullable=False)


def downgrade():
    with op.batch_alter_table('summary_answers', schema=None) as batch_op:
        batch_op.alter_column('answer', existing_type=sa.String(length=40), type_=sa.String(length=10),
                              existing_nullable=False)
