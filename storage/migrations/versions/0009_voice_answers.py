"""voice answers: consultants' recordings and cached syntheses of the topics' answers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 10:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'voice_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('topic', sa.String(length=16), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('file_id', sa.String(length=256), nullable=False),
        sa.Column('text_hash', sa.String(length=64), nullable=False),
        sa.Column('consultant_id', sa.Integer(), nullable=True),
        sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['consultant_id'], ['consultants.id'],
                                name=op.f('fk_voice_answers_consultant_id_consultants'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_answers')),
        sa.UniqueConstraint('topic', 'language', 'kind',
                            name='uq_voice_answers_topic_language_kind'),
    )


def downgrade() -> None:
    op.drop_table('voice_answers')
