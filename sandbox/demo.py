"""The demo library the sandbox starts with: Bibliotheek Dalfsen's facts, consultant Bertine,
a youth nurse of GGD IJsselland and a Saam Welzijn worker who have joined, and three referred
families in different states. Everyone is made up; the phone numbers are not real ones.

The seed goes through the same core functions as the bot (invites, referrals, cases), so the
demo's rows, events and outbox messages are what real use would leave.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import cases, invites, people, referrals
from bot.people import Person
from storage.repositories import people as people_repo

CONSULTANT = 900_001
NURSE = 900_002
WELFARE_WORKER = 900_003
PARENT = 900_010


@dataclass(frozen=True)
class DemoPerson:
    user_id: int
    first_name: str
    role: str  # consultant, nurse, welfare, parent
    language: str


PEOPLE = (
    DemoPerson(CONSULTANT, "Bertine", "consultant", "nl"),
    DemoPerson(NURSE, "Anouk", "nurse", "nl"),
    DemoPerson(WELFARE_WORKER, "Joost", "welfare", "nl"),
    DemoPerson(PARENT, "Amina", "parent", "nl"),
)

# The referred families: what the referral said, and how far the consultant got.
FAMILIES: tuple[tuple[int, dict[str, Any], tuple[cases.Change, ...], str | None], ...] = (
    (NURSE, {"language": "ar", "village": "Nieuwleusen", "ages": ["0-4"],
             "needs": ["reading", "dutch"], "contact": "phone", "phone": "+31600000001",
             "note": "Baby van 3 maanden; BoekStart-koffertje uitgereikt bij het huisbezoek."},
     (), None),
    (WELFARE_WORKER, {"language": "pl", "village": "Lemelerveld", "ages": ["4-12"],
                      "needs": ["digital"], "contact": "phone", "phone": "+31600000002",
                      "note": "Moeder kan de schoolapp niet gebruiken; "
                              "gesproken bij de voorleestent."},
     (cases.Change.TAKE, cases.Change.CONTACTED), None),
    (NURSE, {"language": "ti", "village": "Dalfsen", "ages": ["expecting", "0-4"],
             "needs": ["reading"], "contact": "family"},
     (cases.Change.TAKE, cases.Change.CLOSE), "boekstart"),
)


async def _partner(session: AsyncSession, consultant: Person, who: DemoPerson,
                   organisation: str) -> Person:
    invite = await invites.create_invite(session, consultant, organisation, valid_days=14,
                                         max_uses=5)
    person = await people.identify(session, who.user_id, who.language, who.language)
    opened, problem = await invites.open_invite(session, person, invite.token)
    if opened is None or problem is not None:
        raise RuntimeError(f"demo invite for {organisation} did not open: {problem}")
    partner, problem = await invites.join(session, person, opened.id, who.first_name)
    if partner is None:
        raise RuntimeError(f"demo partner {who.first_name} did not join: {problem}")
    return person


async def seed(session: AsyncSession) -> None:
    """Fill an empty, migrated database with the demo library (one transaction)."""
    by_id = {p.user_id: p for p in PEOPLE}
    await people_repo.upsert_consultant(session, CONSULTANT, by_id[CONSULTANT].first_name)
    consultant = await people.identify(session, CONSULTANT, "nl", "nl")
    await people.store_language(session, consultant, "nl")
    partners = {
        NURSE: await _partner(session, consultant, by_id[NURSE], "GGD IJsselland"),
        WELFARE_WORKER: await _partner(session, consultant, by_id[WELFARE_WORKER],
                                       "Saam Welzijn"),
    }
    for referrer, answers, changes, outcome in FAMILIES:
        submitted = await referrals.submit(session, partners[referrer], dict(answers),
                                           consent=True)
        for change in changes:
            result = await cases.change(session, consultant, submitted.case.id, change,
                                        outcome if change is cases.Change.CLOSE else None)
            if not result.ok:
                raise RuntimeError(f"demo case {submitted.case.reference}: {result.problem}")
