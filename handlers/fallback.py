"""Answers for whatever no feature understood: never a dead end, never a change."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.i18n import _
from handlers.common import close_question, show_menu


async def unknown_command(update: Update, context: BotContext) -> None:
    if not context.person.is_staff:
        show_menu(context, _("😊 I do not know that command. Tap a button 👇"))
        return
    context.reply(_("I do not know that command. Send /help to see what you can do."))


async def stale_button(update: Update, context: BotContext) -> None:
    context.answer(update.callback_query.id, _("This button is no longer valid."))


async def anything_else(update: Update, context: BotContext) -> None:
    if update.effective_message is None:
        return  # edited messages, reactions and the like need no answer
    context.reply(_("Sorry, I did not understand that. Send /help to see what you can do."))


async def dismiss(update: Update, context: BotContext) -> None:
    """A "No" button: nothing changes; the question's buttons go away."""
    close_question(context, update.callback_query)
