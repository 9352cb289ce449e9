"""BoekStart bags: hand-outs by partner professionals, deliveries by the consultant, and when
the consultants were last told an organisation's bags run low

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 17:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisations') as batch:
        batch.add_column(sa.Column('bags_alerted_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'bag_handouts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=True),
        sa.Column('village', sa.String(length=100), nullable=False),
        sa.Column('age_band', sa.String(length=8), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('wants_tips', sa.Boolean(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=True),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('six_months_sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('fifteen_months_sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_bag_handouts_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'],
                                name=op.f('fk_bag_handouts_partner_id_partners')),
        sa.ForeignKeyConstraint(['parent_id'], ['parents.id'],
                                name=op.f('fk_bag_handouts_parent_id_parents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bag_handouts')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_bag_handouts_token_hash')),
    )
    op.create_index('ix_bag_handouts_created', 'bag_handouts', ['created_at'])
    op.create_index(op.f('ix_bag_handouts_organisation_id'), 'bag_handouts',
                    ['organisation_id'])
    op.create_index(op.f('ix_bag_handouts_partner_id'), 'bag_handouts', ['partner_id'])
    op.create_index(op.f('ix_bag_handouts_parent_id'), 'bag_handouts', ['parent_id'])
    op.create_table(
        'bag_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('consultant_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_bag_deliveries_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['consultant_id'], ['consultants.id'],
                                name=op.f('fk_bag_deliveries_consultant_id_consultants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bag_deliveries')),
    )
    op.create_index(op.f('ix_bag_deliveries_organisation_id'), 'bag_deliveries',
                    ['organisation_id'])


def downgrade() -> None:
    op.drop_table('bag_deliveries')
    op.drop_table('bag_handouts')
    with op.batch_alter_table('organisations') as batch:
        batch.drop_column('bags_alerted_at')
