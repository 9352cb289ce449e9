"""partner rejoin: one active row per Telegram user

A removed partner keeps their row (their referrals point to it); rejoining with a new
invite makes a new row. The unique key on partners.telegram_user_id becomes a unique index
over the active (not revoked) rows only, with a plain index for lookups.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

ACTIVE = sa.text("revoked_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_constraint('uq_partners_telegram_user_id', type_='unique')
        batch_op.create_index(batch_op.f('ix_partners_telegram_user_id'), ['telegram_user_id'],
                              unique=False)
    op.create_index('uq_partners_active_telegram_user_id', 'partners', ['telegram_user_id'],
                    unique=True, sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade() -> None:
    # One row per Telegram user again: the older rows of someone who rejoined are merged
    # away (their referrals move to the newest row), as before this revision.
    op.execute(sa.text(
        "UPDATE cases SET partner_id = (SELECT MAX(p2.id) FROM partners p1 JOIN partners p2 "
        "ON p1.telegram_user_id = p2.telegram_user_id WHERE p1.id = cases.partner_id) "
        "WHERE partner_id IS NOT NULL"))
    op.execute(sa.text(
        "UPDATE cases SET consent_recorded_by_partner_id = (SELECT MAX(p2.id) FROM partners p1 "
        "JOIN partners p2 ON p1.telegram_user_id = p2.telegram_user_id "
        "WHERE p1.id = cases.consent_recorded_by_partner_id) "
        "WHERE consent_recorded_by_partner_id IS NOT NULL"))
    op.execute(sa.text(
        "DELETE FROM partners WHERE id NOT IN (SELECT MAX(id) FROM partners "
        "GROUP BY telegram_user_id)"))
    op.drop_index('uq_partners_active_telegram_user_id', table_name='partners',
                  sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partners_telegram_user_id'))
        batch_op.create_unique_constraint('uq_partners_telegram_user_id', ['telegram_user_id'])
