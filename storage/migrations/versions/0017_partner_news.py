"""partner news: news items and tips for partner professionals, one delivery row per
partner, partners who stopped the news, and contact notes on organisations

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 18:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'news_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultant_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('file_id', sa.String(length=256), nullable=True),
        sa.Column('audience', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['consultant_id'], ['consultants.id'],
                                name=op.f('fk_news_items_consultant_id_consultants'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_news_items')),
    )
    op.create_table(
        'news_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('news_id', sa.Integer(), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=False),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['news_id'], ['news_items.id'],
                                name=op.f('fk_news_deliveries_news_id_news_items'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'],
                                name=op.f('fk_news_deliveries_partner_id_partners')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_news_deliveries')),
        sa.UniqueConstraint('news_id', 'partner_id',
                            name='uq_news_deliveries_news_id_partner_id'),
    )
    op.create_index(op.f('ix_news_deliveries_news_id'), 'news_deliveries', ['news_id'])
    op.create_index(op.f('ix_news_deliveries_partner_id'), 'news_deliveries', ['partner_id'])
    op.create_table(
        'news_stops',
        sa.Column('partner_id', sa.Integer(), nullable=False),
        sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'],
                                name=op.f('fk_news_stops_partner_id_partners')),
        sa.PrimaryKeyConstraint('partner_id', name=op.f('pk_news_stops')),
    )
    op.create_table(
        'organisation_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('consultant_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_organisation_notes_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['consultant_id'], ['consultants.id'],
                                name=op.f('fk_organisation_notes_consultant_id_consultants'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_notes')),
    )
    op.create_index(op.f('ix_organisation_notes_organisation_id'), 'organisation_notes',
                    ['organisation_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_organisation_notes_organisation_id'),
                  table_name='organisation_notes')
    op.drop_table('organisation_notes')
    op.drop_table('news_stops')
    op.drop_index(op.f('ix_news_deliveries_partner_id'), table_name='news_deliveries')
    op.drop_index(op.f('ix_news_deliveries_news_id'), table_name='news_deliveries')
    op.drop_table('news_deliveries')
    op.drop_table('news_items')
