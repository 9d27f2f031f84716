"""report_versions and report_drafts: period reports filed upward, and the scheduler's drafts

New tables only: safe to apply while the old code runs. The summaries gain two
pseudo-questions (`channel`, `flag`) that reports read; run `flask summaries rebuild`
once after upgrading so ratings folded before it are counted there too.

Revision ID: 5d1f3a7c9e20
Revises: 3c9a6e2f5b18
Create Date: 2026-12-01 18:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5d1f3a7c9e20'
down_revision = '3c9a6e2f5b18'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=24), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('review_comment', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_report_versions_unit_id_units')),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'],
                                name=op.f('fk_report_versions_submitted_by_id_users')),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'],
                                name=op.f('fk_report_versions_reviewed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_versions')),
        sa.UniqueConstraint('unit_id', 'period', 'version', name='uq_report_versions_unit_period_version'),
    )
    op.create_index(op.f('ix_report_versions_unit_id'), 'report_versions', ['unit_id'])
    op.create_index(op.f('ix_report_versions_period'), 'report_versions', ['period'])
    op.create_table(
        'report_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=24), nullable=False),
        sa.Column('prepared_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_report_drafts_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_drafts')),
        sa.UniqueConstraint('unit_id', 'period', name='uq_report_drafts_unit_period'),
    )
    op.create_index(op.f('ix_report_drafts_unit_id'), 'report_drafts', ['unit_id'])
    op.create_index(op.f('ix_report_drafts_period'), 'report_drafts', ['period'])


def downgrade():
    op.drop_table('report_drafts')
    op.drop_table('report_versions')
