"""audit log, append-only; case history append-only but for erasure

`audit_log` records who read or changed what, and when, without personal data. Triggers
refuse every UPDATE and DELETE on it (and TRUNCATE on PostgreSQL). The case history,
`case_events`, becomes append-only too: DELETE (and TRUNCATE) are refused, and the one
UPDATE let through is erasure's: a detail replaced by {"erased": true} (a consultant's note
about the family) and a parent's id cleared, every other column unchanged.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# The one change erasure makes to a case event: everything stays but the detail (only to
# {"erased": true}) and the actor's id (only to NULL).
SQLITE_ERASURE_ONLY = """
    NEW.id = OLD.id AND NEW.case_id = OLD.case_id AND NEW.kind = OLD.kind
    AND NEW.actor_kind = OLD.actor_kind AND NEW.created_at IS OLD.created_at
    AND (NEW.actor_id IS OLD.actor_id OR NEW.actor_id IS NULL)
    AND (NEW.detail IS OLD.detail OR json(NEW.detail) = json('{"erased": true}'))
"""
POSTGRES_ERASURE_ONLY = """
    NEW.id = OLD.id AND NEW.case_id = OLD.case_id AND NEW.kind = OLD.kind
    AND NEW.actor_kind = OLD.actor_kind AND NEW.created_at IS NOT DISTINCT FROM OLD.created_at
    AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR NEW.actor_id IS NULL)
    AND (NEW.detail::jsonb = OLD.detail::jsonb OR NEW.detail::jsonb = '{"erased": true}'::jsonb)
"""


def upgrade() -> None:
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_role', sa.String(length=16), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_case_id'), ['case_id'], unique=False)

    if op.get_context().dialect.name == 'postgresql':
        op.execute("""
            CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
            END $$""")
        op.execute(f"""
            CREATE FUNCTION case_events_erasure_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF {POSTGRES_ERASURE_ONLY} THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'case_events is append-only: only erasure may change a row';
            END $$""")
        for table in ('audit_log', 'case_events'):
            op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION refuse_change()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()")
        op.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION refuse_change()")
        op.execute("CREATE TRIGGER case_events_erasure_only BEFORE UPDATE ON case_events "
                   "FOR EACH ROW EXECUTE FUNCTION case_events_erasure_only()")
    else:
        for table in ('audit_log', 'case_events'):
            op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN "
                       f"SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END")
        op.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN "
                   "SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END")
        op.execute(f"CREATE TRIGGER case_events_erasure_only BEFORE UPDATE ON case_events "
                   f"WHEN NOT ({SQLITE_ERASURE_ONLY}) BEGIN "
                   "SELECT RAISE(ABORT, 'case_events is append-only: only erasure may change "
                   "a row'); END")


def downgrade() -> None:
    postgres = op.get_context().dialect.name == 'postgresql'
    for table, trigger in (('audit_log', 'audit_log_no_delete'),
                           ('audit_log', 'audit_log_no_update'),
                           ('case_events', 'case_events_no_delete'),
                           ('case_events', 'case_events_erasure_only')):
        op.execute(f"DROP TRIGGER {trigger} ON {table}" if postgres else f"DROP TRIGGER {trigger}")
    if postgres:
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER case_events_no_truncate ON case_events")
        op.execute("DROP FUNCTION case_events_erasure_only()")
        op.execute("DROP FUNCTION refuse_change()")
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_case_id'))
    op.drop_table('audit_log')
