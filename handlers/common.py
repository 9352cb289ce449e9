"""Small rendering helpers shared by the handlers."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup

from bot import callbacks
from bot.faq import MENU_LABELS
from bot.i18n import _, language_name
from bot.people import Role

FAMILY = (Role.PARENT, Role.STRANGER)


def inline(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Buttons from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def language_keyboard(languages: Sequence[str], first: str | None, action: str = "set"
                      ) -> InlineKeyboardMarkup:
    """Each language in its own name and script, the likely one first, two per row."""
    ordered = sorted(languages, key=lambda code: code != first)
    buttons = [(language_name(code), f"lang:{action}:{code}") for code in ordered]
    return inline([buttons[i:i + 2] for i in range(0, len(buttons), 2)])


def close_question(context, query) -> None:  # noqa: ANN001 - a BotContext, a CallbackQuery
    """Answer a pressed button and take the buttons off its message, keeping the text."""
    context.answer(query.id)
    if query.message is not None and query.message.text:
        context.edit(query.message.message_id, query.message.text)


def yes_no(data: str | None) -> tuple[int, bool] | None:
    """`ns:yes:<id>` or `ns:no:<id>` as (id, yes); None for anything else."""
    decoded = callbacks.decode(data)
    number = decoded.int_arg(0) if decoded else None
    answer = {"yes": True, "no": False}.get(decoded.action) if decoded else None
    if number is None or answer is None:
        return None
    return number, answer


def menu_keyboard() -> ReplyKeyboardMarkup:
    """The parent's main menu, in their language, always at hand."""
    rows = [["library", "boekstart"], ["dutch", "digital"], ["activities", "ask"],
            ["contact", "language"]]
    return ReplyKeyboardMarkup([[_(MENU_LABELS[key]) for key in row] for row in rows],
                               resize_keyboard=True, is_persistent=True)


def show_menu(context, text: str | None = None) -> None:  # noqa: ANN001 - a BotContext
    context.reply(text or _("What would you like to know? Tap a button 👇"),
                  reply_markup=menu_keyboard())


def staff_only(context) -> bool:  # noqa: ANN001 - a BotContext
    """A parent trying a staff command gets a friendly word and the menu; True if so."""
    if context.person.role in FAMILY:
        show_menu(context, _("😊 That is for library staff. Tap a button 👇"))
        return True
    return False


def consultants_only(context, query_id: str | None = None) -> None:  # noqa: ANN001
    """Anyone but a consultant: a short refusal and no data. A parent gets the menu again."""
    if query_id is not None:
        context.answer(query_id, _("⛔ This is only for the library's consultants."))
    elif not staff_only(context):
        context.reply(_("⛔ This is only for the library's consultants."))


def not_a_partner(context) -> None:  # noqa: ANN001 - a BotContext
    """What a parent, stranger or consultant hears when they try a partner's command."""
    text = _("Referrals are for partner professionals of the library. "
             "To join, ask the library's consultant for an invite link.")
    if context.person.role in FAMILY:
        show_menu(context, text)
    else:
        context.reply(text)
