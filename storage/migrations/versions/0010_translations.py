"""translations: machine translations of parents' words and consultants' replies

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'translations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('target', sa.String(length=8), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('data_key_id', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_translations_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_translations')),
        sa.UniqueConstraint('key', name=op.f('uq_translations_key')),
    )
    op.create_index(op.f('ix_translations_case_id'), 'translations', ['case_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_translations_case_id'), table_name='translations')
    op.drop_table('translations')
