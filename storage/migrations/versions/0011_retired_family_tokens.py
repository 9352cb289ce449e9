"""retired family tokens: links a newer family link replaced

A partner can get a new family link for a referral the family has not opened yet; the case
keeps only the new link's hash, and the replaced link's hash moves here, so a parent who opens
the old link hears that it was replaced.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 09:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'retired_family_tokens',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('retired_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE',
                                name=op.f('fk_retired_family_tokens_case_id_cases')),
        sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_retired_family_tokens')),
    )
    op.create_index(op.f('ix_retired_family_tokens_case_id'), 'retired_family_tokens',
                    ['case_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_retired_family_tokens_case_id'), table_name='retired_family_tokens')
    op.drop_table('retired_family_tokens')
