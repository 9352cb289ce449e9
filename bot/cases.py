"""Case rules shared by the consultant's buttons: taking and viewing, each on the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.people import Person
from storage.models import Case, Consultant
from storage.repositories import cases as cases_repo


@dataclass
class TakeResult:
    case: Case | None
    taken: bool
    holder: str | None = None  # who has it, when someone else was first


async def take(session: AsyncSession, person: Person, case_id: int) -> TakeResult:
    access.require(person, "case.take")
    case = await cases_repo.by_id(session, case_id)
    if case is None:
        return TakeResult(None, False)
    if await cases_repo.take(session, case_id, person.record_id):
        await session.refresh(case)
        await cases_repo.add_event(session, case.id, "taken", "consultant", person.record_id)
        return TakeResult(case, True)
    await session.refresh(case)
    holder = None
    if case.assigned_consultant_id is not None:
        consultant = await session.get(Consultant, case.assigned_consultant_id)
        holder = consultant.name if consultant else None
    return TakeResult(case, False, holder)


async def view(session: AsyncSession, person: Person, case_id: int) -> Case | None:
    """The case if this person may see it; every view is logged."""
    case = await cases_repo.by_id(session, case_id)
    if case is None or not access.can_view_case(person, case):
        return None
    await cases_repo.add_event(session, case.id, "viewed", person.role.value, person.record_id)
    return case
