"""inbox indexes: each of the inbox's filters, newest first, without scanning every case

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 16:10:00.000000
"""

from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

CASE_INDEXES = {
    'ix_cases_status_created': ['status', 'created_at'],
    'ix_cases_assigned_created': ['assigned_consultant_id', 'created_at'],
    'ix_cases_source_created': ['source', 'created_at'],
    'ix_cases_village_created': ['village', 'created_at'],
    'ix_cases_organisation_created': ['organisation_id', 'created_at'],
}


def upgrade() -> None:
    for name, columns in CASE_INDEXES.items():
        op.create_index(name, 'cases', columns)
    op.create_index('ix_case_needs_need', 'case_needs', ['need', 'case_id'])


def downgrade() -> None:
    op.drop_index('ix_case_needs_need', table_name='case_needs')
    for name in reversed(CASE_INDEXES):
        op.drop_index(name, table_name='cases')
