"""Staying in touch with partner organisations: per organisation the partners who joined,
the referrals this year, the BoekStart bags handed out (once that feature counts them) and
the last contact (a referral, a news item a partner opened with its button, a note the
consultant added). Organisations without contact for PARTNER_QUIET_WEEKS weeks are named in
the consultant's Monday digest (bot.schedule)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import access, audit, flows, organisations
from bot.flows import FlowState
from bot.people import Person
from storage.models import Organisation
from storage.repositories import bags as bags_repo
from storage.repositories import news as news_repo

NOTE_FLOW = "org_note"
MIN_NOTE, MAX_NOTE = 2, 500

@dataclass(frozen=True)
class OrganisationSummary:
    id: int
    name: str
    kind: str
    partners: list[str]  # the names of those who joined and were not removed
    referrals_this_year: int
    bags_this_year: int | None  # None: it does not hand out BoekStart bags (and did not)
    last_contact: datetime | None


def year_start(now: datetime, zone: ZoneInfo) -> datetime:
    local = now.astimezone(zone)
    return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


async def overview(session: AsyncSession, person: Person, now: datetime, zone: ZoneInfo
                   ) -> list[OrganisationSummary]:
    access.require(person, "partners.list")
    since = year_start(now, zone)
    referrals = await news_repo.referrals_since(session, since)
    contacts = await news_repo.last_contacts(session)
    bags = await bags_repo.handed_out_since(session, since)
    return [OrganisationSummary(
        organisation.id, organisation.name, organisation.kind,
        sorted(p.name for p in organisation.partners if p.revoked_at is None),
        referrals.get(organisation.id, 0),
        bags.get(organisation.id) or (0 if organisation.hands_out_bags else None),
        contacts.get(organisation.id))
        for organisation in await news_repo.organisations(session)]


async def set_kind(session: AsyncSession, person: Person, organisation_id: int, kind: str
                   ) -> Organisation | None:
    """Correct an organisation's kind (news goes out by kind); None for an unknown one."""
    access.require(person, "organisations.edit")
    organisation = await news_repo.organisation(session, organisation_id)
    if organisation is None or kind not in organisations.KINDS:
        return None
    if organisation.kind != kind:
        organisation.kind = kind
        await audit.record(session, person, "organisation.kind",
                           organisation_id=organisation.id, kind=kind)
        await session.flush()
    return organisation


async def organisation(session: AsyncSession, person: Person, organisation_id: int
                       ) -> Organisation | None:
    access.require(person, "organisations.edit")
    return await news_repo.organisation(session, organisation_id)


async def start_note(session: AsyncSession, person: Person, organisation_id: int
                     ) -> Organisation | None:
    """The consultant's next text becomes a contact note on this organisation."""
    found = await organisation(session, person, organisation_id)
    if found is not None:
        await flows.begin(session, person, NOTE_FLOW, "text", {"organisation_id": found.id})
    return found


def clean_note(raw: str | None) -> str | None:
    text = " ".join((raw or "").split())
    return text if MIN_NOTE <= len(text) <= MAX_NOTE else None


async def save_note(session: AsyncSession, person: Person, state: FlowState, text: str,
                    now: datetime) -> Organisation | None:
    """Keep the note (dated `now`, the contact's date) and end the flow; None when the
    organisation is gone or the person may not."""
    await flows.end(session, person)
    if not access.check(person, "organisations.edit"):
        return None
    found = await news_repo.organisation(session, int(state.data.get("organisation_id", 0)))
    if found is None:
        return None
    note = await news_repo.add_note(session, found.id, person.record_id, text)
    note.created_at = now
    await audit.record(session, person, "organisation.note", organisation_id=found.id)
    await session.flush()
    return found


async def cancel_note(session: AsyncSession, person: Person) -> bool:
    state = await flows.current(session, person)
    if state is None or state.flow != NOTE_FLOW:
        return False
    await flows.end(session, person)
    return True


@dataclass(frozen=True)
class Quiet:
    name: str
    last_contact: datetime | None


async def quiet_organisations(session: AsyncSession, weeks: int, now: datetime
                              ) -> list[Quiet]:
    """Organisations without contact for `weeks` weeks (one invited more recently than
    that is not quiet yet), the longest quiet first."""
    contacts = await news_repo.last_contacts(session)
    before = now - timedelta(weeks=weeks)
    quiet = [Quiet(o.name, contacts.get(o.id))
             for o in await news_repo.organisations(session)
             if (contacts.get(o.id) or o.created_at) < before]
    return sorted(quiet, key=lambda q: (q.last_contact is not None,
                                        q.last_contact or now, q.name))
