"""organisation kinds: what kind of organisation a partner works for, and whether it hands
out BoekStart bags (guessed from the name for the organisations already there)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 17:20:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# The same hints as bot.organisations.guess_kind (a migration keeps its own copy: the code
# may change later, what this migration did may not).
HINTS = (
    ('ggd', ('ggd', 'consultatiebureau', 'jeugdgezondheid', 'jgz', 'jeugdverpleeg', 'cjg')),
    ('daycare', ('kinderopvang', 'kinderdagverblijf', 'kdv', 'peuter', 'opvang', 'daycare',
                 'gastouder')),
    ('school', ('school', 'onderwijs', 'kindcentrum')),
    ('welfare', ('welzijn', 'vitis', 'maatschappelijk', 'sociaal', 'wijkteam', 'welfare',
                 'vluchtelingenwerk')),
)


def upgrade() -> None:
    with op.batch_alter_table('organisations') as batch:
        batch.add_column(sa.Column('kind', sa.String(16), nullable=False,
                                   server_default='other'))
        batch.add_column(sa.Column('hands_out_bags', sa.Boolean(), nullable=False,
                                   server_default=sa.text('false')))
    organisations = sa.table('organisations', sa.column('id', sa.Integer),
                             sa.column('name', sa.String), sa.column('kind', sa.String),
                             sa.column('hands_out_bags', sa.Boolean))
    connection = op.get_bind()
    for row in connection.execute(sa.select(organisations.c.id, organisations.c.name)):
        lowered = row.name.lower()
        kind = next((k for k, words in HINTS if any(w in lowered for w in words)), 'other')
        connection.execute(organisations.update().where(organisations.c.id == row.id)
                           .values(kind=kind, hands_out_bags=kind == 'ggd'))


def downgrade() -> None:
    with op.batch_alter_table('organisations') as batch:
        batch.drop_column('hands_out_bags')
        batch.drop_column('kind')
