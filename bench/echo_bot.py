"""The baseline for bench/load.py: a bare python-telegram-bot echo bot, nothing else.

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_URL=http://127.0.0.1:PORT .venv/bin/python bench/echo_bot.py

PTB's own Updater (long polling) and defaults: no database, no rate limiter, updates handled
one at a time. A text comes back as it was, with 👍/👎 buttons as the bot's answers have; a
button is answered with a toast.
"""

from __future__ import annotations

import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

BUTTONS = InlineKeyboardMarkup([[InlineKeyboardButton("👍", callback_data="up"),
                                 InlineKeyboardButton("👎", callback_data="down")]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(update.effective_message.text or "?",
                                              reply_markup=BUTTONS)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer("Thanks!")


def main() -> None:
    url = os.environ["TELEGRAM_API_URL"]
    application = (ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"])
                   .base_url(f"{url}/bot").base_file_url(f"{url}/file/bot").build())
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(pressed))
    application.run_polling(timeout=10, allowed_updates=["message", "callback_query"])


if __name__ == "__main__":
    main()
