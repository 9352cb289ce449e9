"""shown cases: case cards in staff chats, to redact later

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 14:15:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'shown_cases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('chat_id', sa.BigInteger(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=16), nullable=False),
        sa.Column('shown_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('redacted_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shown_cases')),
    )
    op.create_index('ix_shown_cases_pending', 'shown_cases', ['redacted_at', 'shown_at'])
    op.create_index(op.f('ix_shown_cases_case_id'), 'shown_cases', ['case_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_shown_cases_case_id'), table_name='shown_cases')
    op.drop_index('ix_shown_cases_pending', table_name='shown_cases')
    op.drop_table('shown_cases')
