"""Who is talking to the bot: consultant, partner professional, parent or stranger."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import LANGUAGES, STAFF_LANGUAGES, choose_language, picker_first
from storage.repositories import people as people_repo


class Role(StrEnum):
    CONSULTANT = "consultant"
    PARTNER = "partner"
    PARENT = "parent"
    STRANGER = "stranger"


@dataclass
class Person:
    telegram_user_id: int
    role: Role
    language: str
    record_id: int | None = None  # id in the consultants/partners/parents table
    name: str | None = None
    organisation_id: int | None = None
    organisation_name: str | None = None
    stored_language: str | None = None
    telegram_language: str | None = None  # the language Telegram reports for them
    # Whether their parent record has cases, as the update's first query told (bot.parents
    # skips a query when it has none); None: not known, ask the database.
    has_cases: bool | None = None
    # The rows that query loaded, held for the update: the session's identity map keeps
    # them only while something does, and then need not load them again.
    loaded: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    def picker_first(self) -> str:
        """The language the language picker offers first (`bot.i18n.picker_first`)."""
        return picker_first(self.stored_language, self.telegram_language,
                            allowed_languages(self.role))

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.CONSULTANT, Role.PARTNER)


def allowed_languages(role: Role) -> tuple[str, ...]:
    """Partners and consultants work in Dutch or English; parents in all nine languages."""
    return STAFF_LANGUAGES if role in (Role.CONSULTANT, Role.PARTNER) else LANGUAGES


async def identify(session: AsyncSession, telegram_user_id: int,
                   telegram_language: str | None, default_language: str,
                   first_name: str | None = None) -> Person:
    who = await people_repo.who_is(session, telegram_user_id)
    consultant, partner, parent = who.consultant, who.partner, who.parent
    if (consultant is not None and first_name and first_name.strip()
            and consultant.name == people_repo.placeholder_name(telegram_user_id)):
        # Added by id alone: her colleagues see her Telegram first name, not a number.
        consultant.name = first_name.strip()[:200]
    if consultant is not None and consultant.active:
        role, stored = Role.CONSULTANT, consultant.language
        person = Person(telegram_user_id, role, "", consultant.id, consultant.name)
    elif partner is not None and partner.revoked_at is None:
        role, stored = Role.PARTNER, partner.language
        person = Person(telegram_user_id, role, "", partner.id, partner.name,
                        partner.organisation_id, partner.organisation.name)
    elif parent is not None:
        role, stored = Role.PARENT, parent.language
        person = Person(telegram_user_id, role, "", parent.id, parent.name)
    else:
        role, stored = Role.STRANGER, None
        person = Person(telegram_user_id, role, "")
    person.stored_language = stored
    person.telegram_language = telegram_language
    person.has_cases = who.parent_has_cases if role is Role.PARENT else None
    person.loaded = tuple(row for row in who if row is not None and not isinstance(row, bool))
    person.language = choose_language(stored, telegram_language, allowed_languages(role),
                                      default_language)
    return person


async def become_parent(session: AsyncSession, person: Person) -> Person:
    """Someone who is no partner or consultant becomes a parent (a stored row) at their first
    real interaction: choosing a language, pressing a menu button, asking something; /start,
    /help or /privacy alone store nothing."""
    if person.role is Role.STRANGER:
        parent = await people_repo.get_or_create_parent(session, person.telegram_user_id)
        person.role = Role.PARENT
        person.record_id = parent.id
    return person


async def parent_id_of(session: AsyncSession, person: Person) -> int:
    """The parent record's id of someone who is no partner or consultant (made a parent
    first if they were a stranger)."""
    await become_parent(session, person)
    if person.role is not Role.PARENT or person.record_id is None:
        raise ValueError(f"a {person.role} has no parent record")
    return person.record_id


async def store_language(session: AsyncSession, person: Person, language: str) -> bool:
    """Store a language choice; False (and nothing changed) when the role may not use it."""
    if language not in allowed_languages(person.role):
        return False
    if person.role is Role.STRANGER:
        await become_parent(session, person)
    assert person.record_id is not None
    await people_repo.set_language(session, person.role.value, person.record_id, language)
    person.language = person.stored_language = language
    return True


async def ensure_consultants(session: AsyncSession, telegram_user_ids: Iterable[int]) -> None:
    """The configured consultants (CONSULTANT_IDS) exist and are active."""
    for telegram_user_id in telegram_user_ids:
        consultant = await people_repo.consultant_by_telegram_id(session, telegram_user_id)
        if consultant is None or not consultant.active:
            await people_repo.upsert_consultant(session, telegram_user_id, None)
