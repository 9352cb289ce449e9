"""activity sign-ups unlinked from their parent a while after the activity (privacy)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 20:40:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('activity_signups') as batch:
        batch.alter_column('parent_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Unlinked sign-ups have no parent to go back to: only their counts go.
    op.execute("DELETE FROM activity_signups WHERE parent_id IS NULL")
    with op.batch_alter_table('activity_signups') as batch:
        batch.alter_column('parent_id', existing_type=sa.Integer(), nullable=False)
