"""activities: sessions of the library's activities (reading tent, story hour, workshops),
parents' sign-ups and waiting lists, who wants to hear of new ones, and the activity where a
partner met a family they referred

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 17:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'activities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=True),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('village', sa.String(length=100), nullable=True),
        sa.Column('place', sa.String(length=100), nullable=True),
        sa.Column('capacity', sa.Integer(), nullable=False),
        sa.Column('languages', sa.JSON(), nullable=False),
        sa.Column('series', sa.Integer(), nullable=True),
        sa.Column('created_by_consultant_id', sa.Integer(), nullable=True),
        sa.Column('attended_parents', sa.Integer(), nullable=True),
        sa.Column('attended_children', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_consultant_id'], ['consultants.id'],
                                name=op.f('fk_activities_created_by_consultant_id_consultants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_activities')),
    )
    op.create_index('ix_activities_starts', 'activities', ['starts_at'])
    op.create_table(
        'activity_signups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('children', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id'],
                                name=op.f('fk_activity_signups_activity_id_activities')),
        sa.ForeignKeyConstraint(['parent_id'], ['parents.id'],
                                name=op.f('fk_activity_signups_parent_id_parents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_signups')),
        sa.UniqueConstraint('activity_id', 'parent_id',
                            name='uq_activity_signups_activity_parent'),
    )
    op.create_index(op.f('ix_activity_signups_activity_id'), 'activity_signups',
                    ['activity_id'])
    op.create_index(op.f('ix_activity_signups_parent_id'), 'activity_signups', ['parent_id'])
    op.create_table(
        'activity_subscribers',
        sa.Column('parent_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['parent_id'], ['parents.id'],
                                name=op.f('fk_activity_subscribers_parent_id_parents')),
        sa.PrimaryKeyConstraint('parent_id', name=op.f('pk_activity_subscribers')),
    )
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('met_at_activity_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_cases_met_at_activity_id_activities'), 'activities',
                                 ['met_at_activity_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_constraint(op.f('fk_cases_met_at_activity_id_activities'),
                              type_='foreignkey')
        batch.drop_column('met_at_activity_id')
    op.drop_table('activity_subscribers')
    op.drop_index(op.f('ix_activity_signups_parent_id'), table_name='activity_signups')
    op.drop_index(op.f('ix_activity_signups_activity_id'), table_name='activity_signups')
    op.drop_table('activity_signups')
    op.drop_index('ix_activities_starts', table_name='activities')
    op.drop_table('activities')
