"""The one error handler: log without personal data, roll back, apologise."""

from __future__ import annotations

import logging
import traceback

from telegram import Update

from bot import unit_of_work
from bot.context import BotContext
from bot.i18n import _

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    # Only the type and place: messages and update contents may hold personal data.
    frames = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    log.error("handler failed on update %s: %s\n%s", update_id, type(error).__name__, frames)
    uow = unit_of_work.current_or_none()
    if uow is None:
        return
    uow.failed = True
    uow.replies.clear()
    if unit_of_work.is_conflict(error):
        uow.conflict = True  # the unit of work runs again; no apology yet
        return
    if isinstance(update, Update) and update.effective_chat is not None:
        if update.callback_query is not None:
            context.answer(update.callback_query.id)
        context.reply(_(unit_of_work.APOLOGY))
