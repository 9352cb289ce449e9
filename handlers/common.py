"""Small rendering helpers shared by the handlers."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import _, language_name


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


def not_a_partner(context) -> None:  # noqa: ANN001 - a BotContext
    """What a parent, stranger or consultant hears when they try a partner's command."""
    context.reply(_("Referrals are for partner professionals of the library. "
                    "To join, ask the library's consultant for an invite link."))
