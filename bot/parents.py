"""What parents ask of the library: questions, contact requests, voice notes and photos.

Everything a parent sends that needs a person lands on the parent's open case (or a new
one, source "parent") and is announced to the consultants through the outbox, in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import phonenumbers
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import notify, translation
from bot.i18n import LANGUAGES, N_, _, language_name
from bot.people import Person, Role, become_parent
from bot.referrals import CONTACTS
from storage.models import Case, Parent, ParentMessage
from storage.repositories import cases as cases_repo

MAX_QUESTION = 1000
# A shared contact's number: digits only, at most E.164's fifteen.
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 6, 15

ATTACHMENT_LABELS: dict[str, str] = {
    "photo": N_("📷 A parent sent a photo"),
    "voice": N_("🎤 A parent sent a voice message"),
    "audio": N_("🎤 A parent sent a voice message"),
    "document": N_("📄 A parent sent a document"),
}


async def open_case(session: AsyncSession, parent_id: int) -> Case | None:
    """The parent's newest case that is still open."""
    return await session.scalar(
        select(Case).where(Case.parent_id == parent_id, Case.status != "closed",
                           Case.anonymised_at.is_(None))
        .order_by(Case.created_at.desc(), Case.id.desc()).limit(1))


async def _case_for(session: AsyncSession, person: Person, now: datetime) -> tuple[Case, bool]:
    """The parent's open case, or a new one; (case, created)."""
    await become_parent(session, person)
    assert person.record_id is not None
    case = await open_case(session, person.record_id)
    if case is not None:
        return case, False
    case = Case(reference=await cases_repo.next_reference(session, now.year), source="parent",
                status="new", parent_id=person.record_id, family_language=person.language,
                contact_method="chat", consent=True, consent_source="parent", consent_at=now,
                created_at=now, updated_at=now)
    await cases_repo.add(session, case)
    person.has_cases = True
    await cases_repo.add_event(session, case.id, "created", "parent", person.record_id,
                               {"source": "parent"})
    return case, True


def _heading(case: Case, created: bool) -> str:
    language = case.family_language
    lines = [
        (_("🆕 New request from a parent {reference}") if created
         else _("💬 New message on case {reference}")).format(reference=case.reference),
        _("🌍 Language: {value}").format(
            value=language_name(language) if language in LANGUAGES else "–"),
    ]
    return "\n".join(lines)


def words_of(case: Case, text: str) -> notify.Words | None:
    """A parent's words on this case, with the language they are written in (for the machine
    translation the consultants get; the case card finds it the same way)."""
    if not text.strip():
        return None
    return notify.Words(text, translation.words_language(text, case.family_language))


CONVERSATION_DAYS = 14


async def in_conversation(session: AsyncSession, person: Person,
                          now: datetime | None = None) -> bool:
    """The library wrote to this parent on an open case lately: their texts are answers."""
    if person.role is not Role.PARENT or person.record_id is None or person.has_cases is False:
        return False
    case = await open_case(session, person.record_id)
    if case is None:
        return False
    since = (now or datetime.now(UTC)) - timedelta(days=CONVERSATION_DAYS)
    last_reply = await session.scalar(
        select(ParentMessage.id).where(ParentMessage.case_id == case.id,
                                       ParentMessage.direction == "out",
                                       ParentMessage.created_at >= since).limit(1))
    return last_reply is not None


async def home_village(session: AsyncSession, person: Person, villages: Sequence[str]
                       ) -> str | None:
    """The village the library knows this parent lives in: that of their newest case that
    names one of the library's villages (a referral does), else None. The parent record
    itself keeps no village."""
    if person.role is not Role.PARENT or person.record_id is None or person.has_cases is False:
        return None
    village = await session.scalar(
        select(Case.village_known).where(Case.parent_id == person.record_id,
                                         Case.anonymised_at.is_(None),
                                         Case.village_known.in_(list(villages)))
        .order_by(Case.created_at.desc(), Case.id.desc()).limit(1))
    return village


# ---- questions ------------------------------------------------------------------------------
async def record_question(session: AsyncSession, person: Person, text: str,
                          topic: str | None) -> ParentMessage:
    """Keep the question with the topic the bot answered, so a 👎 can pass it on."""
    await become_parent(session, person)
    message = ParentMessage(parent_id=person.record_id, direction="in", kind="text",
                            text=text, topic=topic)
    session.add(message)
    await session.flush()
    return message


async def pass_to_library(session: AsyncSession, person: Person, message: ParentMessage,
                          now: datetime | None = None) -> Case:
    """A question the bot could not answer (or a 👎): it becomes part of a case."""
    now = now or datetime.now(UTC)
    case, created = await _case_for(session, person, now)
    message.case_id = case.id
    case.updated_at = now
    event = await cases_repo.add_event(session, case.id, "parent_message", "parent",
                                       person.record_id, {"message_id": message.id})
    text = message.text or ""
    await notify.consultants(
        session, case, f"parent-message:{event.id}",
        lambda: _heading(case, created) + "\n" + _("❓ Question: {text}").format(text=text),
        words=words_of(case, text))
    return case


async def feedback(session: AsyncSession, person: Person, message_id: int, helped: bool
                   ) -> ParentMessage | None:
    """The parent's 👍 or 👎 on an answer; None when the message is not theirs."""
    if person.role is not Role.PARENT:
        return None
    message = await session.get(ParentMessage, message_id)
    if message is None or message.parent_id != person.record_id or message.topic is None:
        return None
    message.helpful = helped
    await session.flush()
    return message


async def unanswered(session: AsyncSession, person: Person, message_id: int
                     ) -> ParentMessage | None:
    """The parent's own message that the bot took for small talk (no topic, no case yet), to
    pass on when they say it was a question after all; None for anything else: someone
    else's message, an answered question, one already on a case."""
    if person.role is not Role.PARENT:
        return None
    message = await session.get(ParentMessage, message_id)
    if (message is None or message.parent_id != person.record_id or message.direction != "in"
            or message.topic is not None or message.case_id is not None):
        return None
    return message


# ---- contact requests -----------------------------------------------------------------------
def phone_from_contact(raw: str) -> str | None:
    """Telegram sends numbers like 31612345678 (no plus); E.164 or None."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        return None
    candidate = raw.strip() if raw.strip().startswith("+") else f"+{digits}"
    try:
        number = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass
class ContactRequest:
    case: Case
    created: bool


async def request_contact(session: AsyncSession, person: Person, phone: str | None,
                          now: datetime | None = None) -> ContactRequest:
    """"Contact me": by phone (a shared number) or by writing in the bot (phone None)."""
    now = now or datetime.now(UTC)
    case, created = await _case_for(session, person, now)
    parent = await session.get(Parent, person.record_id)
    assert parent is not None
    if phone is not None:
        parent.phone = phone
        case.phone = phone
    case.contact_method = "phone" if phone is not None else "chat"
    case.consent, case.consent_source, case.consent_at = True, "parent", now
    case.updated_at = now
    event = await cases_repo.add_event(session, case.id, "contact_requested", "parent",
                                       person.record_id, {"method": case.contact_method})

    def render() -> str:
        # The number itself stays on the case view (the view is logged), never in a chat.
        how = _(CONTACTS["phone"]) if phone else _("💬 write to them here in the bot")
        return "\n".join([_heading(case, created),
                          _("🙋 The parent asks the library to contact them."),
                          _("☎️ Contact: {value}").format(value=how)])

    await notify.consultants(session, case, f"contact:{event.id}", render)
    return ContactRequest(case, created)


# ---- voice notes, photos, documents ---------------------------------------------------------
@dataclass(frozen=True)
class Attachment:
    """A file a parent sent: its kind (see ATTACHMENT_LABELS), Telegram's file id, and the
    message that carried it."""
    kind: str
    file_id: str
    chat_id: int
    message_id: int
    caption: str | None = None


async def receive_attachment(session: AsyncSession, person: Person, attachment: Attachment,
                             now: datetime | None = None) -> Case:
    """Keep the file's Telegram id on the parent's case and copy it to the consultants."""
    kind, caption = attachment.kind, attachment.caption
    now = now or datetime.now(UTC)
    case, created = await _case_for(session, person, now)
    message = ParentMessage(parent_id=person.record_id, case_id=case.id, direction="in",
                            kind=kind, text=(caption or None), telegram_file_id=attachment.file_id,
                            telegram_message_id=attachment.message_id)
    session.add(message)
    await session.flush()
    case.updated_at = now
    event = await cases_repo.add_event(session, case.id, "parent_attachment", "parent",
                                       person.record_id, {"message_id": message.id,
                                                          "kind": kind})

    def render() -> str:
        lines = [_heading(case, created), _(ATTACHMENT_LABELS[kind])]
        if caption:
            lines.append(_("💬 {text}").format(text=caption))
        return "\n".join(lines)

    await notify.consultants(session, case, f"attachment:{event.id}", render,
                             copy_of=(attachment.chat_id, attachment.message_id),
                             words=words_of(case, caption) if caption else None)
    return case
