"""What the outbox relay does to a message right before it delivers it: the machine
translation a message was queued to get (`notify.TRANSLATE`).

The relay calls this outside any transaction, and `TranslationService` gives up after
TRANSLATION_TIMEOUT, so a notification is never held longer than that: it goes with the
translation, or with one line saying why there is none.
"""

from __future__ import annotations

from typing import Any

from bot import cases, notify
from bot.i18n import STAFF_LANGUAGES, use_language
from bot.outbox import Prepare
from bot.translation import TranslationService


def _order(payload: dict[str, Any]) -> dict[str, Any] | None:
    order = payload.get(notify.TRANSLATE)
    if not isinstance(order, dict) or not all(
            isinstance(order.get(k), str) for k in ("kind", "text", "source", "target")):
        return None
    return order


def preparer(service: TranslationService) -> Prepare:
    async def prepare(method: str, payload: dict[str, Any]) -> dict[str, Any]:
        order = _order(payload)
        if method != "sendMessage" or order is None:
            return payload
        case_id = order.get("case_id") if isinstance(order.get("case_id"), int) else None
        outcome = await service.translate(order["text"], order["source"], order["target"],
                                          case_id)
        if order["kind"] == "words":  # a notification: in the consultant's language
            with use_language(order["target"]):
                payload["text"] = notify.with_translation(
                    str(payload.get("text", "")), outcome, order["source"], order["target"])
        elif order["kind"] == "reply":  # a preview of her reply: in her language
            staff = order.get("staff")
            with use_language(staff if staff in STAFF_LANGUAGES else "nl"):
                payload["text"], payload["reply_markup"] = cases.reply_preview(order, outcome)
        return payload

    return prepare
