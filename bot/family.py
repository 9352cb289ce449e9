"""The family link: a parent who opens it is linked to the referral's case; the professional
who made the referral can get a new one while the family has not opened it.

Only the SHA-256 hash of a link's token is stored (the case's current one, and the ones a
newer link replaced); the link itself exists only in the message to the professional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot import access, outbox
from bot.callbacks import FamilyLinkButton
from bot.i18n import LANGUAGES, S_
from bot.people import Person, Role, parent_id_of
from bot.tokens import FAMILY_PREFIX, new_token, token_hash
from storage.models import Case
from storage.repositories import cases as cases_repo
from storage.repositories import people as people_repo


class FamilyLinkProblem(StrEnum):
    UNKNOWN = "unknown"
    OTHER_FAMILY = "other_family"
    NOT_FOR_STAFF = "not_for_staff"
    REPLACED = "replaced"  # a newer link for the same family replaced this one


async def open_family_link(session: AsyncSession, person: Person, token: str
                           ) -> tuple[Case | None, FamilyLinkProblem | None]:
    if person.role in (Role.CONSULTANT, Role.PARTNER):
        return None, FamilyLinkProblem.NOT_FOR_STAFF
    hashed = token_hash(token)
    case = await cases_repo.by_family_token_hash(session, hashed)
    if case is None or case.anonymised_at is not None:
        replaced = await cases_repo.by_retired_family_token_hash(session, hashed)
        if replaced is None or replaced.anonymised_at is not None:
            return None, FamilyLinkProblem.UNKNOWN
        # Nothing is stored and nobody is linked; the answer comes in the referral's
        # language when the parent has not chosen one.
        if person.stored_language is None and replaced.family_language in LANGUAGES:
            person.language = replaced.family_language
        return None, FamilyLinkProblem.REPLACED
    parent_id = await parent_id_of(session, person)
    if case.parent_id is not None and case.parent_id != parent_id:
        return None, FamilyLinkProblem.OTHER_FAMILY
    if case.parent_id is None:
        case.parent_id = parent_id
        person.has_cases = True
        await cases_repo.add_event(session, case.id, "family_linked", "parent", parent_id)
    # The referral's language, unless the parent already chose one.
    if person.stored_language is None and case.family_language in LANGUAGES:
        await people_repo.set_language(session, "parent", parent_id, case.family_language)
        person.language = person.stored_language = case.family_language
    await session.flush()
    return case, None


# ---- a new link for the professional -----------------------------------------------------
class NewLinkProblem(StrEnum):
    NOT_YOURS = "not_yours"  # no such case, or another professional's referral
    LINKED = "linked"  # the family opened a link already: they are in touch
    CLOSED = "closed"  # closed, or anonymised (erased, retention period over)


def new_link_problem(person: Person, case: Case | None) -> NewLinkProblem | None:
    """Why this person cannot get a new family link for the case; None when they can."""
    if case is None or not access.is_own_referral(person, case):
        return NewLinkProblem.NOT_YOURS
    if case.status == "closed" or case.anonymised_at is not None:
        return NewLinkProblem.CLOSED
    if case.parent_id is not None:
        return NewLinkProblem.LINKED
    return None


@dataclass
class NewLink:
    case: Case | None
    token: str | None = None  # the new link's token: shown once, never stored
    problem: NewLinkProblem | None = None


async def new_link(session: AsyncSession, person: Person, case_id: int) -> NewLink:
    """A new family link for one of the professional's own referrals that the family has not
    opened yet. The case keeps only the new token's hash; the old link stops working (a
    parent who opens it hears that it was replaced)."""
    access.require(person, "referral.new_family_link")
    case = await cases_repo.by_id(session, case_id)
    problem = new_link_problem(person, case)
    if case is None or problem is not None:
        return NewLink(None, problem=problem or NewLinkProblem.NOT_YOURS)
    token = new_token(FAMILY_PREFIX)
    await cases_repo.replace_family_token_hash(session, case, token_hash(token))
    await cases_repo.add_event(session, case.id, "family_link_renewed", "partner",
                               person.record_id)
    # An offer still waiting (see `offer_later`) is answered by this link.
    await outbox.withdraw(session, [offer_key(case.id)])
    return NewLink(case, token)


# ---- should the confirmation with the link be lost -----------------------------------------
def offer_key(case_id: int) -> str:
    """The dedupe key of the outbox message that offers a new link for this referral."""
    return f"link-offer:{case_id}"


async def offer_later(session: AsyncSession, person: Person, case: Case, after_seconds: float,
                      now: datetime | None = None) -> str:
    """Queue, with the referral, a message for the professional offering a new family link,
    due `after_seconds` later; returns its dedupe key. The confirmation that carries the link
    is a reply, sent only after the commit: when it reaches Telegram, bot.updates withdraws
    the offer. When it does not (the bot was stopped in between, Telegram failed), the offer
    arrives instead. It holds no link: the link is made when the button is pressed, so only
    hashes are ever stored."""
    now = now or datetime.now(UTC)
    key = offer_key(case.id)
    text = S_("✅ Your referral {reference} was saved. Did the confirmation with the family "
              "link not reach you? Tap below for a new family link; an earlier link for this "
              "referral then stops working.").format(reference=case.reference)
    markup = {"inline_keyboard": [[{
        "text": S_("🔗 New family link"),
        "callback_data": FamilyLinkButton("new", case.id).pack()}]]}
    await outbox.queue_message(session, chat_id=person.telegram_user_id, text=text,
                               reply_markup=markup, dedupe_key=key, case_id=case.id,
                               language=person.language,
                               not_before=now + timedelta(seconds=after_seconds))
    return key
