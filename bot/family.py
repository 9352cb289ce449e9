"""The family link: a parent who opens it is linked to the referral's case."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import LANGUAGES
from bot.people import Person, Role, parent_id_of
from bot.tokens import token_hash
from storage.models import Case
from storage.repositories import cases as cases_repo
from storage.repositories import people as people_repo


class FamilyLinkProblem(StrEnum):
    UNKNOWN = "unknown"
    OTHER_FAMILY = "other_family"
    NOT_FOR_STAFF = "not_for_staff"


async def open_family_link(session: AsyncSession, person: Person, token: str
                           ) -> tuple[Case | None, FamilyLinkProblem | None]:
    if person.role in (Role.CONSULTANT, Role.PARTNER):
        return None, FamilyLinkProblem.NOT_FOR_STAFF
    case = await cases_repo.by_family_token_hash(session, token_hash(token))
    if case is None or case.anonymised_at is not None:
        return None, FamilyLinkProblem.UNKNOWN
    parent_id = await parent_id_of(session, person)
    if case.parent_id is not None and case.parent_id != parent_id:
        return None, FamilyLinkProblem.OTHER_FAMILY
    if case.parent_id is None:
        case.parent_id = parent_id
        await cases_repo.add_event(session, case.id, "family_linked", "parent", parent_id)
    # The referral's language, unless the parent already chose one.
    if person.stored_language is None and case.family_language in LANGUAGES:
        await people_repo.set_language(session, "parent", parent_id, case.family_language)
        person.language = person.stored_language = case.family_language
    await session.flush()
    return case, None
