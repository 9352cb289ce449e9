"""encryption at rest: data keys

Personal fields are sealed under a data key per parent, per case, per flow (or per message
to staff), each wrapped by the master key in `data_keys` (storage/crypto.py). The personal
text columns become TEXT (sealed values are longer than the plain ones were); a place typed
instead of one of the library's villages gets its own (sealed) column. Values written before
this revision read as they are and are sealed when next written.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

KEYED = ('parents', 'cases', 'parent_messages', 'case_events', 'outbox', 'flow_states')
TO_TEXT = {
    'parents': [('name', sa.String(200)), ('phone', sa.String(32))],
    'cases': [('family_language_other', sa.String(64)), ('phone', sa.String(32))],
    'parent_messages': [('telegram_file_id', sa.String(256))],
}


def upgrade() -> None:
    op.create_table(
        'data_keys',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('wrapped', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_keys')),
    )
    for table in KEYED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('data_key_id', sa.String(length=32), nullable=True))
            if table == 'cases':
                batch_op.add_column(sa.Column('village_other', sa.Text(), nullable=True))
            for column, old in TO_TEXT.get(table, []):
                batch_op.alter_column(column, existing_type=old, type_=sa.Text())


def downgrade() -> None:
    for table in KEYED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, old in TO_TEXT.get(table, []):
                batch_op.alter_column(column, existing_type=sa.Text(), type_=old)
            if table == 'cases':
                batch_op.drop_column('village_other')
            batch_op.drop_column('data_key_id')
    op.drop_table('data_keys')
