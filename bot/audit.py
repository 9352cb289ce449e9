"""The audit log (NEN 7513 in spirit): every read of case data (an inbox page and the
references it showed, a case view, an export, the figures, a parent's data) and every change
is recorded with who, what and when.

Rows hold no personal data: ids, references, action names, counts, the actor's role and, for
staff, their record id; a parent is recorded by role only. They survive erasure and
retention. There is no code path that changes or removes a row, and the database refuses
UPDATE and DELETE on the table (triggers, migration 0007). Every event on a case's history
is repeated here as `case.<kind>` (`storage.repositories.cases.add_event`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.people import Person, Role
from storage.repositories import audit as audit_repo

SYSTEM = "system"  # the hourly jobs and the command line


async def record(session: AsyncSession, person: Person | None, action: str,
                 case_id: int | None = None, **detail: Any) -> None:
    """One row: `person` None is the system (a job or the command line)."""
    role = person.role.value if person is not None else SYSTEM
    actor_id = (person.record_id if person is not None and person.role is not Role.PARENT
                else None)
    await audit_repo.add(session, role, actor_id, action, case_id, detail)
