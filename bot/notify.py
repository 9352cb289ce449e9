"""Telling the library's consultants about a case, each in their own language, via the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox, translation
from bot.callbacks import CaseButton
from bot.i18n import S_, STAFF_LANGUAGES, _, use_language
from storage.models import Case, OutboxMessage, Parent, Partner
from storage.repositories import cases as cases_repo
from storage.repositories import people as people_repo

REDACTION_PREFIX = "redact:"  # bot.redaction's edits of old case cards
REFRESH_PREFIX = "refresh:"  # bot.cases's edits of notifications and cards when a case changes
# The outbox instruction to translate a message's words on delivery (bot.delivery).
TRANSLATE = "_translate"


@dataclass(frozen=True)
class Words:
    """A parent's own words in a notification, and the language they are written in (None:
    unknown). Each consultant gets them with a machine translation into their language."""

    text: str
    language: str | None


def translate_order(words: Words | None, target: str, case_id: int) -> dict[str, Any] | None:
    """The relay's instruction to add a translation of `words` into `target`, if needed."""
    if words is None or words.language is None or words.language == target:
        return None
    return {TRANSLATE: {"kind": "words", "text": words.text, "source": words.language,
                        "target": target, "case_id": case_id}}


def with_translation(text: str, outcome: translation.Outcome, source: str, target: str) -> str:
    """A notification with the translation of the parent's words under it, labelled, or with
    the short reason there is none (in the current language, the consultant's)."""
    if outcome.text is not None:
        return text + "\n" + S_("🌐 Machine translation: {text}").format(text=outcome.text)
    reason = translation.reason_text(outcome.reason or translation.Reason.DOWN, source, target)
    return text + "\n" + S_("🌐 Not translated: {reason}.").format(reason=reason)


def notification_buttons(case: Case) -> dict[str, Any]:
    """Under a notification (Bot API JSON, as the outbox stores it): "Take" only while the
    case is new."""
    row = [{"text": _("📂 Open"), "callback_data": CaseButton("open", case.id).pack()}]
    if case.status == "new":
        row.insert(0, {"text": _("✋ Take case"),
                       "callback_data": CaseButton("take", case.id).pack()})
    return {"inline_keyboard": [row]}


async def consultants(session: AsyncSession, case: Case, key: str, render: Callable[[], str],
                      *, buttons: bool = True, copy_of: tuple[int, int] | None = None,
                      words: Words | None = None) -> int:
    """Queue `render()` once per active consultant (dedupe `key:consultant`).

    `copy_of` (chat id, message id) also queues a copy of that message, e.g. a parent's photo,
    right after the text; the relay keeps the order per chat. `words`, the parent's own words
    in the text, are translated into each consultant's language when the relay delivers it.
    """
    queued = 0
    for consultant in await people_repo.active_consultants(session):
        language = consultant.language if consultant.language in STAFF_LANGUAGES else "nl"
        with use_language(language):
            text = render()
            markup = notification_buttons(case) if buttons else None
        if await outbox.queue_message(session, chat_id=consultant.telegram_user_id, text=text,
                                      reply_markup=markup, case_id=case.id,
                                      dedupe_key=f"{key}:{consultant.id}",
                                      language=language,
                                      instructions=translate_order(words, language, case.id)):
            queued += 1
        if copy_of is not None:
            await outbox.queue_call(
                session, "copyMessage",
                {"chat_id": consultant.telegram_user_id, "from_chat_id": copy_of[0],
                 "message_id": copy_of[1]},
                dedupe_key=f"{key}:copy:{consultant.id}", case_id=case.id)
    return queued


def undelivered_reason(error: str | None) -> str:
    """Telegram's refusal in the consultant's words (the raw error stays in the outbox row)."""
    error = (error or "").lower()
    if "blocked" in error:
        return S_("they blocked the bot")
    if "not found" in error or "deactivated" in error:
        return S_("their Telegram account or chat no longer exists")
    if "gave up" in error:
        return S_("Telegram kept failing for a long time")
    return S_("Telegram refused it")


async def _recipient(session: AsyncSession, case: Case, chat_id: int) -> str:
    """Who on the case a message was for, as an event's actor kind: "parent", "partner"
    (the referrer) or "other"."""
    parent = await session.get(Parent, case.parent_id) if case.parent_id is not None else None
    if parent is not None and parent.telegram_user_id == chat_id:
        return "parent"
    partner = (await session.get(Partner, case.partner_id) if case.partner_id is not None
               else None)
    if partner is not None and partner.telegram_user_id == chat_id:
        return "partner"
    return "other"


async def dead_letter(session: AsyncSession, row: OutboxMessage) -> None:
    """A message that cannot be delivered (blocked, gone): on its case's history, and the
    other consultants hear of it, so someone can reach the family another way."""
    if row.dedupe_key.startswith(("dead:", REDACTION_PREFIX, REFRESH_PREFIX)):
        return  # a notice about a notice, or a card the consultant deleted: stop here
    case = await session.get(Case, row.case_id) if row.case_id is not None else None
    team = await people_repo.active_consultants(session)
    to_consultant = any(c.telegram_user_id == row.chat_id for c in team)
    if case is not None and not to_consultant:
        await cases_repo.add_event(session, case.id, "undelivered", "system", None,
                                   {"outbox_id": row.id, "error": (row.last_error or "")[:200],
                                    "to": await _recipient(session, case, row.chat_id)})
    for consultant in team:
        if consultant.telegram_user_id == row.chat_id:
            continue
        with use_language(consultant.language or "nl"):
            text = S_("⚠️ A message could not be delivered: {reason}").format(
                reason=undelivered_reason(row.last_error))
            if case is not None:
                text += "\n" + S_("Case {reference}").format(reference=case.reference)
        await outbox.queue_message(session, chat_id=consultant.telegram_user_id, text=text,
                                   dedupe_key=f"dead:{row.id}:{consultant.id}",
                                   case_id=row.case_id, language=consultant.language or "nl")
