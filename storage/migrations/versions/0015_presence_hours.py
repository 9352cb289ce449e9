"""presence hours: the consultant's weekly sessions at the baby clinics and library branches,
their cancelled dates, and cases made in person during a session (warm handover)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 17:30:00.000000
"""

import sqlalchemy as sa
from alembic import op



revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'presence_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultant_id', sa.Integer(), nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=False),
        sa.Column('starts', sa.String(length=5), nullable=False),
        sa.Column('ends', sa.String(length=5), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('village', sa.String(length=100), nullable=False),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['consultant_id'], ['consultants.id'],
                                name=op.f('fk_presence_sessions_consultant_id_consultants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_presence_sessions')),
    )
    op.create_index(op.f('ix_presence_sessions_consultant_id'), 'presence_sessions',
                    ['consultant_id'], unique=False)
    op.create_table(
        'presence_cancellations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['presence_sessions.id'],
                                name=op.f('fk_presence_cancellations_session_id_presence_sessions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_presence_cancellations')),
        sa.UniqueConstraint('session_id', 'day', name=op.f('uq_presence_cancellations_session_id')),
    )
    op.create_index(op.f('ix_presence_cancellations_session_id'), 'presence_cancellations',
                    ['session_id'], unique=False)
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('in_person', sa.Boolean(), nullable=False,
                                   server_default=sa.text('false')))


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('in_person')
    op.drop_index(op.f('ix_presence_cancellations_session_id'),
                  table_name='presence_cancellations')
    op.drop_table('presence_cancellations')
    op.drop_index(op.f('ix_presence_sessions_consultant_id'), table_name='presence_sessions')
    op.drop_table('presence_sessions')
