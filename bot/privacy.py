"""What the library keeps about a parent, showing it to them, and erasing it on request.

Erasure removes the parent's personal data everywhere it can be: the parent record, their
messages and attachments, the personal fields of their cases, flow state and queued
messages. The cases themselves stay, anonymous (not pseudonymous), for the library's
figures: month, organisation, needs, status, outcome and the coarse area (one of the
library's villages, else "other"); the link to the parent and to the referring professional,
the children's ages, the family's language and all free text go. The consultants are told
the parent asked for erasure. A consultant can show a parent their data and erase it on
their behalf; every such step is in the audit log (`bot.audit`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access, audit, notify, redaction, unit_of_work
from bot.i18n import N_, _, language_name
from bot.people import Person, Role
from bot.referrals import display_phone
from storage import keys
from storage.models import Case, CaseEvent, FlowState, OutboxMessage, Parent, ParentMessage
from storage.repositories import activities as activities_repo
from storage.repositories import bags as bags_repo
from storage.repositories import cases as cases_repo
from storage.repositories import outbox as outbox_repo
from storage.repositories import translations as translations_repo
from storage.repositories import updates as updates_repo

# An unfinished referral (with a typed phone number, perhaps) is dropped after this long.
FLOW_DAYS = 30
# Who signed up for an activity is kept this long after it started (a question about it, a
# lost glove); then only the sign-up's count stays, for the figures.
SIGNUP_DAYS = 30
# Handled update ids guard against redelivery, which Telegram does for a day at most.
PROCESSED_UPDATE_DAYS = 7
# A message the outbox sent is kept this long (its text can hold personal data); a dead
# letter stays until its case is anonymised, or for the retention period.
SENT_OUTBOX_DAYS = 3
# The coarse area an anonymous case keeps when its village is not one of the library's.
OTHER_AREA = "other"


@dataclass
class Stored:
    language: str | None
    phone: str | None
    messages: int
    cases: int


async def stored_about(session: AsyncSession, person: Person) -> Stored | None:
    if person.role is not Role.PARENT or person.record_id is None:
        return None
    parent = await session.get(Parent, person.record_id)
    if parent is None:
        return None
    messages = await session.scalar(
        select(func.count()).select_from(ParentMessage)
        .where(ParentMessage.parent_id == parent.id))
    cases = await session.scalar(
        select(func.count()).select_from(Case).where(Case.parent_id == parent.id))
    return Stored(parent.language, parent.phone, messages or 0, cases or 0)


# ---- the right of access: what is stored, in the parent's language ------------------------
PARENT_STATUS: dict[str, str] = {
    "new": N_("received, the library will look at it"),
    "taken": N_("the library is working on it"),
    "contacted": N_("the library is working on it"),
    "closed": N_("finished"),
}
SENDER_ICONS = {"in": "👤", "out": "🏛️"}
KIND_ICONS = {"photo": "📷", "voice": "🎤", "audio": "🎤", "document": "📄"}


@dataclass
class ParentData:
    """Everything stored about one parent (their record, messages and cases' status)."""

    parent_id: int
    language: str | None
    phone: str | None
    messages: list[ParentMessage] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)


async def _parent_data(session: AsyncSession, parent: Parent) -> ParentData:
    messages = await session.scalars(
        select(ParentMessage).where(ParentMessage.parent_id == parent.id)
        .order_by(ParentMessage.created_at, ParentMessage.id))
    cases = await session.scalars(
        select(Case).where(Case.parent_id == parent.id).order_by(Case.id))
    return ParentData(parent.id, parent.language, parent.phone, list(messages), list(cases))


async def my_data(session: AsyncSession, person: Person) -> ParentData | None:
    """The parent's own data (their /mydata); None for someone the bot keeps nothing about.
    The look is recorded in the audit log."""
    if person.role is not Role.PARENT or person.record_id is None:
        return None
    parent = await session.get(Parent, person.record_id)
    if parent is None:
        return None
    data = await _parent_data(session, parent)
    await audit.record(session, person, "parent.data", messages=len(data.messages),
                       cases=len(data.cases))
    return data


def data_text(data: ParentData, zone: ZoneInfo) -> str:
    """The report in the current language (set it to the parent's)."""
    def when(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%d-%m-%Y %H:%M")

    lines = [_("📄 What we keep about you:"), "",
             _("🌍 Language: {value}").format(
                 value=language_name(data.language) if data.language else "–"),
             _("📞 Phone number: {value}").format(
                 value=display_phone(data.phone) if data.phone else "–")]
    if data.messages:
        lines += ["", _("💬 Your messages:")]
        for message in data.messages:
            parts = [when(message.created_at), SENDER_ICONS.get(message.direction, ""),
                     KIND_ICONS.get(message.kind, ""), message.text or ""]
            lines.append(" ".join(p for p in parts if p))
    if data.cases:
        lines += ["", _("📂 Your requests for help:")]
        lines += [f"{case.reference}: {_(PARENT_STATUS.get(case.status, PARENT_STATUS['closed']))}"
                  for case in data.cases]
    lines += ["", _("To delete all of it, send /forget.")]
    return "\n".join(lines)


@dataclass
class ForParent:
    """A case's parent, for a consultant serving the parent's request."""

    case: Case
    parent: Parent | None  # None: nobody to serve (never linked, or already erased)


async def case_parent(session: AsyncSession, person: Person, action: str, case_id: int
                       ) -> ForParent | None:
    """The case and its parent who can still be served (no audit row: nothing shown yet)."""
    access.require(person, action)
    case = await cases_repo.by_id(session, case_id)
    if case is None:
        return None
    parent = await session.get(Parent, case.parent_id) if case.parent_id is not None else None
    if parent is not None and parent.erased_at is not None:
        parent = None
    return ForParent(case, parent)


async def parent_data_for_case(session: AsyncSession, person: Person, case_id: int
                               ) -> tuple[ForParent, ParentData | None] | None:
    """For a consultant: the data of a case's parent, to hand to them on their request.
    Recorded in the audit log (and on the case's history)."""
    found = await case_parent(session, person, "parent.data", case_id)
    if found is None or found.parent is None:
        return (found, None) if found is not None else None
    data = await _parent_data(session, found.parent)
    await audit.record(session, person, "parent.data", case_id=found.case.id,
                       parent_id=found.parent.id, messages=len(data.messages),
                       cases=len(data.cases))
    return found, data


async def erase_for_parent(session: AsyncSession, person: Person, case_id: int,
                           known_villages: Sequence[str], now: datetime | None = None
                           ) -> ForParent | None:
    """For a consultant, on the parent's request: the same erasure as their /forget.
    `parent` on the result is None when there was nobody (left) to erase."""
    found = await case_parent(session, person, "parent.erase", case_id)
    if found is None or found.parent is None:
        return found
    await _erase(session, found.parent, person, known_villages, now or datetime.now(UTC))
    await session.refresh(found.case)
    return found


async def _anonymise(session: AsyncSession, cases: Sequence[Case],
                     known_villages: Sequence[str], now: datetime) -> None:
    """Keep the cases for the figures, without anything that points to the family."""
    case_ids = [c.id for c in cases]
    if not case_ids:
        return
    # Case cards in staff chats show the family's details: they say "erased" instead.
    await redaction.redact_erased(session, case_ids, now)
    await session.execute(delete(ParentMessage).where(ParentMessage.case_id.in_(case_ids)))
    # Queued or sent messages about the cases hold the family's words and numbers.
    await session.execute(delete(OutboxMessage).where(OutboxMessage.case_id.in_(case_ids)))
    # Machine translations of the parent's words and of the replies to them.
    await translations_repo.delete_for_cases(session, case_ids)
    # Hashes of family links a newer one replaced: they led to the case.
    await cases_repo.forget_retired_family_tokens(session, case_ids)
    # Consultants' notes about the family are personal data too.
    # Consultants' notes about the family are personal data too; the history keeps that there
    # was a note. A parent's id goes from the history, so the case no longer leads to them.
    # (The only changes case_events' trigger lets through: see migration 0007.)
    await session.execute(
        update(CaseEvent).where(CaseEvent.case_id.in_(case_ids), CaseEvent.kind == "note")
        .values({CaseEvent.detail_sealed: {"erased": True}})
        .execution_options(synchronize_session=False))
    await session.execute(
        update(CaseEvent).where(CaseEvent.case_id.in_(case_ids),
                                CaseEvent.actor_kind == "parent",
                                CaseEvent.actor_id.is_not(None))
        .values(actor_id=None).execution_options(synchronize_session=False))
    # Crypto-shredding: without the case's data key, what was sealed under it (in the
    # database file, its log, any backup) can no longer be read.
    await keys.destroy(session, [c.data_key_id for c in cases])
    for case in cases:
        case.data_key = None
        case.phone = None
        case.note = None
        case.need_other = None
        case.family_language = None  # with a small village, a rare language names the family
        case.family_language_other = None
        case.family_token_hash = None
        case.child_ages = []
        case.parent_id = None
        case.partner_id = None
        case.consent_recorded_by_partner_id = None
        had_place = case.village_known is not None or case.village_other is not None
        if case.village_known not in known_villages:
            # a typed place could be an address: only "somewhere else" stays
            case.village_known = OTHER_AREA if had_place else None
        case.village_other = None
        case.anonymised_at = now
        case.updated_at = now
    await session.flush()


@dataclass
class Retention:
    cases: int
    questions: int
    flows: int
    updates: int = 0
    outbox: int = 0
    signups: int = 0  # activity sign-ups no longer linked to their parent


async def apply_retention(session: AsyncSession, retention_days: int,
                          known_villages: Sequence[str], now: datetime | None = None
                          ) -> Retention:
    """Closed cases older than the retention period are anonymised; questions the bot
    answered itself, and referrals or other flows left unfinished, are deleted; so are the
    ids of handled updates after a week, sent outbox messages after a few days and dead
    letters after the retention period. A month after an activity its sign-ups no longer
    say whose they were."""
    now = now or datetime.now(UTC)
    before = now - timedelta(days=retention_days)
    old_cases = list(await session.scalars(
        select(Case).where(Case.status == "closed", Case.closed_at < before,
                           Case.anonymised_at.is_(None))))
    parent_ids = {c.parent_id for c in old_cases if c.parent_id is not None}
    await _anonymise(session, old_cases, known_villages, now)
    for case in old_cases:
        await cases_repo.add_event(session, case.id, "anonymised", "system", None)
    # The parent's phone goes too, unless another case of theirs still needs it.
    for parent_id in parent_ids:
        if await session.scalar(select(func.count()).select_from(Case).where(
                Case.parent_id == parent_id, Case.anonymised_at.is_(None))) == 0:
            parent = await session.get(Parent, parent_id)
            if parent is not None:
                parent.phone = None
    # A DELETE gives a CursorResult (with `rowcount`); `execute` is only typed to return the
    # general Result.
    questions = cast("CursorResult[Any]", await session.execute(
        delete(ParentMessage).where(ParentMessage.case_id.is_(None),
                                    ParentMessage.created_at < before)))
    flows = cast("CursorResult[Any]", await session.execute(
        delete(FlowState).where(FlowState.updated_at < now - timedelta(days=FLOW_DAYS))))
    updates = await updates_repo.forget_before(
        session, now - timedelta(days=PROCESSED_UPDATE_DAYS))
    outbox = await outbox_repo.prune(session, sent_before=now - timedelta(days=SENT_OUTBOX_DAYS),
                                     dead_before=before)
    signups = await activities_repo.unlink_before(session, now - timedelta(days=SIGNUP_DAYS))
    await audit.record(session, None, "retention", cases=len(old_cases),
                       questions=questions.rowcount, flows=flows.rowcount, updates=updates,
                       outbox=outbox, signups=signups)
    await keys.destroy_unused(session)  # of deleted flows and pruned messages
    await session.flush()
    return Retention(len(old_cases), questions.rowcount, flows.rowcount, updates, outbox,
                     signups)


def _erased_notice(reference: str) -> str:
    return _("🗑️ The parent of case {reference} asked to erase their data. "
             "The case stays, without personal data. Please also delete "
             "their messages from this chat.").format(reference=reference)


async def forget(session: AsyncSession, person: Person, known_villages: Sequence[str],
                 now: datetime | None = None) -> list[str]:
    """Erase the parent's personal data (their /forget); returns the references of their
    (kept, anonymous) cases."""
    if person.role is not Role.PARENT or person.record_id is None:
        return []
    parent = await session.get(Parent, person.record_id)
    assert parent is not None
    references = await _erase(session, parent, person, known_villages, now or datetime.now(UTC))
    person.role = Role.STRANGER
    person.record_id = None
    person.stored_language = None
    return references


async def _erase(session: AsyncSession, parent: Parent, actor: Person,
                 known_villages: Sequence[str], now: datetime) -> list[str]:
    """The one erasure, whether the parent asked the bot or a consultant on their behalf.
    Nothing is queued for the parent: no row keeps their chat id (the consultant who erased
    on their behalf confirms it to them the way they asked)."""
    telegram_user_id = parent.telegram_user_id
    cases = list(await session.scalars(select(Case).where(Case.parent_id == parent.id)))

    await session.execute(delete(ParentMessage).where(ParentMessage.parent_id == parent.id))
    await activities_repo.forget_parent(session, parent.id)
    if telegram_user_id is not None:
        # Queued or sent messages to the parent hold their words too.
        await session.execute(
            delete(OutboxMessage).where(OutboxMessage.chat_id == telegram_user_id))
        await session.execute(
            delete(FlowState).where(FlowState.telegram_user_id == telegram_user_id))
    await _anonymise(session, cases, known_villages, now)
    await bags_repo.forget_parent(session, parent.id)  # no more BoekStart tips
    for case in cases:
        await cases_repo.add_event(session, case.id, "erased_on_request", actor.role.value,
                                   None if actor.role is Role.PARENT else actor.record_id)
    await audit.record(session, actor, "parent.erase", parent_id=parent.id, cases=len(cases),
                       references=[c.reference for c in cases])

    await keys.destroy(session, [parent.data_key_id])
    parent.data_key = None
    parent.telegram_user_id = None
    parent.name = None
    parent.phone = None
    parent.language = None
    parent.erased_at = now
    await session.flush()

    for case in cases:
        await notify.consultants(session, case, f"erased:{case.id}",
                                 partial(_erased_notice, case.reference), buttons=False)
    uow = unit_of_work.current_or_none()
    if uow is not None:
        uow.erased = True  # bot.updates checkpoints SQLite's log after the commit
    return [c.reference for c in cases]
