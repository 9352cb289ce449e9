"""The typed context every handler receives: session, sender and deferred replies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.ext import Application, CallbackContext, ExtBot

from bot import unit_of_work
from bot.people import Person

if TYPE_CHECKING:
    from bot.app import Services

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """Registered through `ContextTypes(context=BotContext)`."""

    def __init__(self, application: Application, chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._chat_id_for_replies = chat_id

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]

    @property
    def uow(self) -> unit_of_work.UnitOfWork:
        return unit_of_work.current()

    @property
    def session(self) -> AsyncSession:
        return self.uow.session

    @property
    def person(self) -> Person:
        person = self.uow.person
        assert person is not None, "the guard identifies the sender before any handler runs"
        return person

    # Replies are sent after the transaction commits (see bot.unit_of_work).
    def reply(self, text: str, reply_markup: Markup = None, parse_mode: str | None = None
              ) -> None:
        kwargs: dict[str, Any] = {"chat_id": self._chat_id_for_replies, "text": text}
        if reply_markup is not None:
            kwargs["reply_markup"] = reply_markup
        if parse_mode:
            kwargs["parse_mode"] = parse_mode
        self.uow.replies.append(unit_of_work.Reply("send_message", kwargs))

    def reply_photo(self, photo: bytes, caption: str | None = None, filename: str = "qr.png"
                    ) -> None:
        kwargs: dict[str, Any] = {"chat_id": self._chat_id_for_replies, "photo": photo,
                                  "filename": filename}
        if caption:
            kwargs["caption"] = caption
        self.uow.replies.append(unit_of_work.Reply("send_photo", kwargs))

    def reply_document(self, document: bytes, filename: str, caption: str | None = None
                       ) -> None:
        kwargs: dict[str, Any] = {"chat_id": self._chat_id_for_replies, "document": document,
                                  "filename": filename}
        if caption:
            kwargs["caption"] = caption
        self.uow.replies.append(unit_of_work.Reply("send_document", kwargs))

    def reply_stored_file(self, kind: str, file_id: str, caption: str | None = None) -> None:
        """Send a file Telegram already has (a parent's photo, voice note or document)."""
        method = {"photo": "send_photo", "voice": "send_voice", "audio": "send_audio",
                  "document": "send_document"}[kind]
        kwargs: dict[str, Any] = {"chat_id": self._chat_id_for_replies, kind: file_id}
        if caption:
            kwargs["caption"] = caption
        self.uow.replies.append(unit_of_work.Reply(method, kwargs))

    def edit(self, message_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None
             ) -> None:
        """Replace the text (and buttons) of one of the bot's messages in this chat."""
        kwargs: dict[str, Any] = {"chat_id": self._chat_id_for_replies,
                                  "message_id": message_id, "text": text}
        if reply_markup is not None:
            kwargs["reply_markup"] = reply_markup
        self.uow.replies.append(unit_of_work.Reply("edit_message_text", kwargs))

    def answer(self, callback_query_id: str, text: str | None = None) -> None:
        kwargs: dict[str, Any] = {"callback_query_id": callback_query_id}
        if text:
            kwargs["text"] = text
        self.uow.replies.append(unit_of_work.Reply("answer_callback_query", kwargs))
