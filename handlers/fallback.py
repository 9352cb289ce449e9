"""Answers for whatever no feature understood: never a dead end, never a change."""

from __future__ import annotations

from telegram import Update

from bot.callbacks import Dismiss
from bot.context import BotContext
from bot.i18n import _
from handlers.common import close_question, pressed, show_menu


async def unknown_command(update: Update, context: BotContext) -> None:
    if not context.person.is_staff:
        show_menu(context, _("😊 I do not understand this. Tap a button 👇"))
        return
    context.reply(_("I do not know that command. Send /help to see what you can do."))


async def stale_button(update: Update, context: BotContext) -> None:
    """Button data of no known kind (forged, or from an old version): nothing changes."""
    if update.callback_query is not None:
        context.answer(update.callback_query.id, _("This button does not work any more."))


async def anything_else(update: Update, context: BotContext) -> None:
    if update.effective_message is None:
        return  # edited messages, reactions and the like need no answer
    context.reply(_("Sorry, I did not understand that. Send /help to see what you can do."))


async def dismiss(update: Update, context: BotContext) -> None:
    """A "No" button: nothing changes; the question's buttons go away."""
    query, _button = pressed(update, Dismiss)
    close_question(context, query)
