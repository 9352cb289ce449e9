"""What the library keeps about a parent, and erasing it on request.

Erasure removes the parent's personal data everywhere it can be: the parent record, their
messages and attachments, the personal fields of their cases, flow state and queued
messages. The cases themselves stay, anonymised, for the library's figures, and the
consultants are told the parent asked for erasure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import notify, unit_of_work
from bot.i18n import _
from bot.people import Person, Role
from storage import keys
from storage.models import Case, CaseEvent, FlowState, OutboxMessage, Parent, ParentMessage
from storage.repositories import cases as cases_repo
from storage.repositories import outbox as outbox_repo
from storage.repositories import updates as updates_repo

# An unfinished referral (with a typed phone number, perhaps) is dropped after this long.
FLOW_DAYS = 30
# Handled update ids guard against redelivery, which Telegram does for a day at most.
PROCESSED_UPDATE_DAYS = 7
# A message the outbox sent is kept this long (its text can hold personal data); a dead
# letter stays until its case is anonymised, or for the retention period.
SENT_OUTBOX_DAYS = 3


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


async def _anonymise(session: AsyncSession, cases: Sequence[Case],
                     known_villages: Sequence[str], now: datetime) -> None:
    """Keep the cases for the figures, without anything that points to the family."""
    case_ids = [c.id for c in cases]
    if not case_ids:
        return
    await session.execute(delete(ParentMessage).where(ParentMessage.case_id.in_(case_ids)))
    # Queued or sent messages about the cases hold the family's words and numbers.
    await session.execute(delete(OutboxMessage).where(OutboxMessage.case_id.in_(case_ids)))
    # Consultants' notes about the family are personal data too.
    await session.execute(
        update(CaseEvent).where(CaseEvent.case_id.in_(case_ids), CaseEvent.kind == "note")
        .values({CaseEvent.detail_sealed: {"erased": True}})
        .execution_options(synchronize_session=False))
    # Crypto-shredding: without the case's data key, what was sealed under it (in the
    # database file, its log, any backup) can no longer be read.
    await keys.destroy(session, [c.data_key_id for c in cases])
    for case in cases:
        case.data_key = None
        case.phone = None
        case.note = None
        case.need_other = None
        case.family_language_other = None
        case.family_token_hash = None
        if case.village_known not in known_villages:
            case.village_known = None
        case.village_other = None  # a typed place could be an address
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


async def apply_retention(session: AsyncSession, retention_days: int,
                          known_villages: Sequence[str], now: datetime | None = None
                          ) -> Retention:
    """Closed cases older than the retention period are anonymised; questions the bot
    answered itself, and referrals or other flows left unfinished, are deleted; so are the
    ids of handled updates after a week, sent outbox messages after a few days and dead
    letters after the retention period."""
    now = now or datetime.now(UTC)
    before = now - timedelta(days=retention_days)
    old_cases = list(await session.scalars(
        select(Case).where(Case.status == "closed", Case.closed_at < before,
                           Case.anonymised_at.is_(None))))
    await _anonymise(session, old_cases, known_villages, now)
    for case in old_cases:
        await cases_repo.add_event(session, case.id, "anonymised", "system", None)
        # The parent's phone goes too, unless another case of theirs still needs it.
        if case.parent_id is not None and await session.scalar(
                select(func.count()).select_from(Case).where(
                    Case.parent_id == case.parent_id, Case.anonymised_at.is_(None))) == 0:
            parent = await session.get(Parent, case.parent_id)
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
    await keys.destroy_unused(session)  # of deleted flows and pruned messages
    await session.flush()
    return Retention(len(old_cases), questions.rowcount, flows.rowcount, updates, outbox)


def _erased_notice(reference: str) -> str:
    return _("🗑️ The parent of case {reference} asked to erase their data. "
             "The case stays, without personal data. Please also delete "
             "their messages from this chat.").format(reference=reference)


async def forget(session: AsyncSession, person: Person, known_villages: Sequence[str],
                 now: datetime | None = None) -> list[str]:
    """Erase the parent's personal data; returns the references of their (kept) cases."""
    if person.role is not Role.PARENT or person.record_id is None:
        return []
    now = now or datetime.now(UTC)
    parent = await session.get(Parent, person.record_id)
    assert parent is not None
    telegram_user_id = parent.telegram_user_id
    cases = list(await session.scalars(select(Case).where(Case.parent_id == parent.id)))

    await session.execute(delete(ParentMessage).where(ParentMessage.parent_id == parent.id))
    # Queued or sent messages to the parent hold their words too.
    await session.execute(delete(OutboxMessage).where(OutboxMessage.chat_id == telegram_user_id))
    await session.execute(delete(FlowState).where(FlowState.telegram_user_id == telegram_user_id))
    await _anonymise(session, cases, known_villages, now)
    for case in cases:
        await cases_repo.add_event(session, case.id, "erased_on_request", "parent", parent.id)

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
    person.role = Role.STRANGER
    person.record_id = None
    person.stored_language = None
    uow = unit_of_work.current_or_none()
    if uow is not None:
        uow.erased = True  # bot.updates checkpoints SQLite's log after the commit
    return [c.reference for c in cases]
