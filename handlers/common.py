"""What every handler shares: the access decorator, reading a pressed button, keyboards."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from telegram import (
    Audio,
    CallbackQuery,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    Update,
    Voice,
)

from bot import access
from bot.answers import MENU_LABELS
from bot.callbacks import ButtonData, LanguageChoice
from bot.context import BotContext
from bot.i18n import _, language_name
from bot.people import Person, Role, allowed_languages

FAMILY = (Role.PARENT, Role.STRANGER)

Button = TypeVar("Button", bound=ButtonData)
# One row of inline buttons: (label, button data) pairs.
ButtonRow = Sequence[tuple[str, ButtonData]]
# PTB's HandlerCallback for this application: a coroutine function (its result is unused).
Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


# ---- who may ---------------------------------------------------------------------------------
def allowed_to(action: str) -> Callable[[Handler], Handler]:
    """Run the handler only for people the rule in `bot.access` allows; everyone else gets a
    short refusal fitting the rule (and no data), and nothing changes."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(update: Update, context: BotContext) -> None:
            if access.check(context.person, action):
                await handler(update, context)
                return
            query_id = update.callback_query.id if update.callback_query else None
            if Role.CONSULTANT in access.roles_for(action):
                consultants_only(context, query_id)
            else:
                not_a_partner(context, query_id)

        return checked

    return decorate


def consultants_only(context: BotContext, query_id: str | None = None) -> None:
    """Anyone but a consultant: a short refusal and no data. A parent gets the menu again."""
    if query_id is not None:
        context.answer(query_id, _("⛔ This is only for library staff."))
    elif not staff_only(context):
        context.reply(_("⛔ This is only for library staff."))


def not_a_partner(context: BotContext, query_id: str | None = None) -> None:
    """What a parent, stranger or consultant hears when they try a partner's command."""
    text = _("Referring families is for professionals who work with the library. "
             "To join, ask the library for an invite link.")
    if query_id is not None:
        context.answer(query_id, text)
    elif context.person.role in FAMILY:
        show_menu(context, text)
    else:
        context.reply(text)


def staff_only(context: BotContext) -> bool:
    """A parent trying a staff command gets a friendly word and the menu; True if so."""
    if context.person.role in FAMILY:
        show_menu(context, _("😊 This is only for library staff. Tap a button 👇"))
        return True
    return False


# ---- what came in ----------------------------------------------------------------------------
def pressed(update: Update, kind: type[Button]) -> tuple[CallbackQuery, Button]:
    """The pressed button's query and typed data. The handler's pattern (`kind.filter()`)
    already let only valid data of this kind through."""
    query = update.callback_query
    data = kind.unpack(query.data) if query is not None else None
    if query is None or data is None:
        raise ValueError(f"not a {kind.__name__} button")
    return query, data


def message_of(update: Update) -> Message:
    """The message of a message update (handlers registered for messages only)."""
    if update.effective_message is None:
        raise ValueError("an update without a message")
    return update.effective_message


def text_of(update: Update) -> str:
    return message_of(update).text or ""


def file_id_of(message: Message, kind: str) -> str | None:
    """Telegram's id of the message's file of this kind (`bot.cases.ATTACHMENT_KINDS`); of a
    photo, its largest size. None when the message has none."""
    if kind == "photo":
        return message.photo[-1].file_id if message.photo else None
    files: dict[str, Audio | Document | Voice | None] = {
        "voice": message.voice, "audio": message.audio, "document": message.document}
    found = files.get(kind)
    return found.file_id if found is not None else None


# ---- keyboards -------------------------------------------------------------------------------
def inline(rows: Sequence[ButtonRow]) -> InlineKeyboardMarkup:
    """Buttons from rows of (label, button data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data.pack()) for label, data in row]
         for row in rows])


def language_keyboard(languages: Sequence[str], first: str | None) -> InlineKeyboardMarkup:
    """Each language in its own name and script, the likely one first, two per row."""
    ordered = sorted(languages, key=lambda code: code != first)
    buttons = [(language_name(code), LanguageChoice("set", code)) for code in ordered]
    return inline([buttons[i:i + 2] for i in range(0, len(buttons), 2)])


def language_picker(person: Person) -> InlineKeyboardMarkup:
    """The languages this person may choose, their likely one first: the one they chose,
    else Telegram's when it is one of ours, else English (not Dutch: someone whose phone
    speaks German or Chinese more likely reads English)."""
    return language_keyboard(allowed_languages(person.role), person.picker_first())


def close_question(context: BotContext, query: CallbackQuery,
                   keep: type[ButtonData] | None = None) -> None:
    """Answer a pressed button and take the buttons off its message, keeping the text (and
    the buttons of the `keep` kind, e.g. 🔊)."""
    context.answer(query.id)
    message = query.message
    if isinstance(message, Message) and message.text:
        rows = message.reply_markup.inline_keyboard if message.reply_markup else ()
        kept = [[button for button in row if keep is not None
                 and keep.unpack(button.callback_data) is not None] for row in rows]
        kept = [row for row in kept if row]
        context.edit(message.message_id, message.text,
                     InlineKeyboardMarkup(kept) if kept else None)


def edit_pressed(context: BotContext, query: CallbackQuery, text: str,
                 reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the text (and buttons) of the message whose button was pressed."""
    if query.message is not None:
        context.edit(query.message.message_id, text, reply_markup)
    else:  # too old for Telegram to say which message: send it anew
        context.reply(text, reply_markup=reply_markup)


def menu_keyboard() -> ReplyKeyboardMarkup:
    """The parent's main menu, in their language, always at hand."""
    rows = [["library", "boekstart"], ["dutch", "digital"], ["activities", "ask"],
            ["contact", "language"]]
    return ReplyKeyboardMarkup([[_(MENU_LABELS[key]) for key in row] for row in rows],
                               resize_keyboard=True, is_persistent=True)


def show_menu(context: BotContext, text: str | None = None) -> None:
    context.reply(text or _("What would you like to know? Tap a button 👇"),
                  reply_markup=menu_keyboard())
