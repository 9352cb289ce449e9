"""Case cards in staff chats show the family's phone number, the note and the parent's words.
Telegram keeps them in the consultant's chat, where no erasure reaches, so the bot edits each
card to a short form after REDACT_AFTER_HOURS, and at once when the family is erased.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import outbox
from bot.callbacks import CaseButton
from bot.i18n import NS_, S_, use_language
from bot.notify import REDACTION_PREFIX
from storage.models import Case, OutboxMessage, ShownCase
from storage.repositories import people as people_repo
from storage.repositories import shown as shown_repo

HIDDEN = NS_("📂 Case {reference}: the details are hidden again, to protect the family. "
             "Tap 🔄 to see them.")
ERASED = NS_("📂 Case {reference}: the family's data was erased.")
DEDUPE_PREFIX = REDACTION_PREFIX

Shown = tuple[int, int, int, str]  # chat id, message id, case id, reference


async def record(sessions: async_sessionmaker[AsyncSession], shown: Sequence[Shown]) -> None:
    """Remember the cards just sent (after the update's commit: their message ids are known
    only once Telegram took them)."""
    async with sessions() as session, session.begin():
        for chat_id, message_id, case_id, reference in shown:
            await shown_repo.add(session, chat_id=chat_id, message_id=message_id,
                                 case_id=case_id, reference=reference)


# Notifications about a case: kept to be brought up to date when the case changes, and
# redacted later where they carry the parent's own words (their question, a caption).
NOTIFICATIONS = ("case-new:", "parent-message:", "attachment:", "contact:")


async def notification_sent(session: AsyncSession, row: OutboxMessage, answer: object) -> None:
    """The outbox relay delivered a row: a notification about a case is kept, to be brought
    up to date when the case changes and redacted like a case card."""
    if (row.method != "sendMessage" or row.case_id is None
            or not row.dedupe_key.startswith(NOTIFICATIONS)
            or ":copy:" in row.dedupe_key or not isinstance(answer, dict)
            or not isinstance(answer.get("message_id"), int)):
        return
    case = await session.get(Case, row.case_id)
    if case is not None:
        await shown_repo.add(session, chat_id=row.chat_id, message_id=answer["message_id"],
                             case_id=case.id, reference=case.reference)


async def _redact(session: AsyncSession, rows: Iterable[ShownCase], erased: bool,
                  now: datetime) -> int:
    queued = 0
    for row in rows:
        consultant = await people_repo.consultant_by_telegram_id(session, row.chat_id)
        with use_language(consultant.language if consultant and consultant.language else "nl"):
            text = S_(ERASED if erased else HIDDEN).format(reference=row.reference)
            button = S_("🔄 Refresh")
        payload: dict[str, object] = {"chat_id": row.chat_id, "message_id": row.message_id,
                                      "text": text}
        if not erased:
            payload["reply_markup"] = {"inline_keyboard": [[
                {"text": button, "callback_data": CaseButton("open", row.case_id).pack()}]]}
        # No case id on the row: erasure deletes a case's messages, and this one must go out.
        if await outbox.queue_call(session, "editMessageText", payload,
                                   dedupe_key=f"{DEDUPE_PREFIX}{row.id}"):
            queued += 1
        row.redacted_at = now
    await session.flush()
    return queued


async def redact_due(session: AsyncSession, after_hours: float, now: datetime | None = None
                     ) -> int:
    """Hide the details of every card shown longer than `after_hours` ago."""
    now = now or datetime.now(UTC)
    rows = await shown_repo.shown_before(session, now - timedelta(hours=after_hours))
    return await _redact(session, rows, erased=False, now=now)


async def redact_erased(session: AsyncSession, case_ids: Iterable[int],
                        now: datetime | None = None) -> int:
    """The family was erased: every card of their cases says so, at once."""
    return await _redact(session, await shown_repo.of_cases(session, case_ids), erased=True,
                         now=now or datetime.now(UTC))
