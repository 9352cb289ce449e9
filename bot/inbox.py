"""The consultant's inbox: one page of cases with a filter.

Filter codes (they travel in button data, so codes and ids only): open, new, taken,
contacted, closed, all, mine, parent, waiting (no contact yet, oldest first),
v<village index>, n<need>, o<organisation id>.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot import access, audit, referrals
from bot.cases import STATUS_NAMES
from bot.people import Person
from storage.models import Case
from storage.repositories import cases as cases_repo
from storage.repositories import organisations as org_repo
from storage.repositories import people as people_repo
from storage.repositories.cases import CaseFilter

PAGE_SIZE = 5
WORDS = frozenset({"open", "all", "mine", "parent", "waiting", *STATUS_NAMES})


def case_filter(code: str, person: Person, villages: Sequence[str]) -> CaseFilter | None:
    """The filter a code stands for; None for a code that is not (or no longer) valid."""
    kind, rest = code[:1], code[1:]
    fixed = {"open": CaseFilter(), "": CaseFilter(), "all": CaseFilter(statuses=None),
             "mine": CaseFilter(assigned_to=person.record_id),
             "parent": CaseFilter(source="parent"),
             "waiting": CaseFilter(statuses=frozenset({"new", "taken"}), oldest_first=True)}
    if code in fixed:
        return fixed[code]
    if code in STATUS_NAMES:
        return CaseFilter(statuses=frozenset({code}))
    if kind == "v" and rest.isdigit() and int(rest) < len(villages):
        return CaseFilter(village=villages[int(rest)])
    if kind == "n" and rest in referrals.NEEDS:
        return CaseFilter(need=rest)
    if kind == "o" and rest.isdigit():
        return CaseFilter(organisation_id=int(rest))
    return None


async def code_for_words(session: AsyncSession, words: Sequence[str], villages: Sequence[str]
                         ) -> str | None:
    """`/cases mine`, `/cases Dalfsen`, `/cases reading`, `/cases GGD`: the filter code."""
    text = " ".join(words).strip().lower()
    if not text:
        return "open"
    if text in WORDS:
        return text
    for index, village in enumerate(villages):
        if village.lower() == text:
            return f"v{index}"
    if text in referrals.NEEDS:
        return f"n{text}"
    for partner in await org_repo.active_partners(session):
        if partner.organisation.name.lower().startswith(text):
            return f"o{partner.organisation_id}"
    return None


@dataclass(frozen=True)
class InboxPage:
    code: str
    number: int  # from 0
    pages: int
    total: int
    cases: list[Case]
    holders: dict[int, str]  # consultant id -> name, for the cases on this page

    def holder(self, case: Case) -> str | None:
        return self.holders.get(case.assigned_consultant_id or 0)


async def page(session: AsyncSession, person: Person, villages: Sequence[str], code: str,
               number: int) -> InboxPage | None:
    """One page of the inbox; None when the filter code is not valid."""
    access.require(person, "case.list")
    wanted = case_filter(code, person, villages)
    if wanted is None:
        return None
    found, total = await cases_repo.search(session, wanted, PAGE_SIZE, number * PAGE_SIZE)
    holders = await people_repo.consultant_names(
        session, {c.assigned_consultant_id for c in found if c.assigned_consultant_id})
    pages = max(1, -(-total // PAGE_SIZE))
    await audit.record(session, person, "inbox.page", filter=code, page=number, total=total,
                       references=[c.reference for c in found])
    return InboxPage(code, number, pages, total, found, holders)
