"""The typed context every handler receives: session, sender and deferred replies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot import replies, unit_of_work
from bot.i18n import _, for_reader
from bot.people import Person
from bot.services import Services
from bot.voice import Voice

# The bot as assembled in bot.app: its rate limiter (bot.limiter) takes int arguments.
RateLimitedBot = ExtBot[int]
# The application as assembled in bot.app (PTB's generic parameters spelt out once). The
# user, chat and bot data are PTB's plain dicts; only `bot_data["services"]` is used.
BotApp = Application[RateLimitedBot, "BotContext", dict[Any, Any], dict[Any, Any],
                     dict[Any, Any], JobQueue["BotContext"]]


def _shown(text: str | None) -> str | None:
    return for_reader(text) if text is not None else None


class Replying:
    """The replies a handler can give; queued by `_queue`."""

    _chat_id_for_replies: int

    def _queue(self, reply: replies.Reply) -> None:
        raise NotImplementedError

    # Replies are sent after the transaction commits (see bot.updates). Every text and caption
    # goes out as its reader's language shows it (`for_reader`: right to left in Arabic and
    # Farsi, one style of digits), in the language of this update (or of a `use_language`).
    def reply(self, text: str, reply_markup: replies.Markup = None,
              parse_mode: str | None = None, shown_case: tuple[int, str] | None = None,
              withdraws: str | None = None) -> None:
        """`shown_case` (case id, reference): this is a case card with the family's details,
        to be redacted later (bot.redaction). `withdraws`: the dedupe key of a queued outbox
        fallback that is no longer needed once this text reached Telegram."""
        self._queue(replies.SendText(self._chat_id_for_replies, for_reader(text), reply_markup,
                                     parse_mode, shown_case, withdraws))

    def reply_photo(self, photo: bytes, caption: str | None = None, filename: str = "qr.png"
                    ) -> None:
        self._queue(replies.SendPhoto(self._chat_id_for_replies, photo, _shown(caption),
                                      filename))

    def reply_document(self, document: bytes, filename: str, caption: str | None = None
                       ) -> None:
        self._queue(replies.SendDocument(self._chat_id_for_replies, document, _shown(caption),
                                         filename))

    def reply_rendered(self, render: Callable[[], bytes], filename: str,
                       caption: str | None = None, as_photo: bool = True) -> None:
        """A picture or document `render` makes after the commit, in a thread (a chart, a
        report): gather what it needs in the update, draw it outside the transaction."""
        self._queue(replies.SendRendered(self._chat_id_for_replies, render, filename,
                                         _shown(caption), as_photo))



class Later(Replying):
    """Where replies prepared after the commit go (BotContext.after_commit)."""

    def __init__(self, chat_id: int) -> None:
        self._chat_id_for_replies = chat_id
        self.replies: list[replies.Reply] = []

    def _queue(self, reply: replies.Reply) -> None:
        self.replies.append(reply)


class BotContext(Replying,
                 CallbackContext[RateLimitedBot, dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Registered through `ContextTypes(context=BotContext)`."""

    def __init__(self, application: BotApp, chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._chat_id_for_replies = chat_id or 0

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services

    @property
    def uow(self) -> unit_of_work.UnitOfWork:
        return unit_of_work.current()

    @property
    def session(self) -> AsyncSession:
        return self.uow.session

    @property
    def person(self) -> Person:
        person = self.uow.person
        assert person is not None, "the sender is identified before any handler runs"
        return person

    def reply_stored_file(self, kind: str, file_id: str, caption: str | None = None) -> None:
        """Send a file Telegram already has (a parent's photo, voice note or document)."""
        chat = self._chat_id_for_replies
        caption = _shown(caption)
        stored: dict[str, replies.Reply] = {
            "photo": replies.SendPhoto(chat, file_id, caption),
            "voice": replies.SendVoice(chat, file_id, caption),
            "audio": replies.SendAudio(chat, file_id, caption),
            "document": replies.SendDocument(chat, file_id, caption),
        }
        self._queue(stored[kind])

    def reply_voice(self, voice: Voice) -> None:
        """A topic's answer to hear: the file Telegram has, or a synthesis made after the
        commit (bot.voice)."""
        chat = self._chat_id_for_replies
        self._queue(replies.SendVoice(chat, voice.file_id) if voice.file_id is not None
                    else replies.SendSpeech(chat, voice))

    def edit(self, message_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None
             ) -> None:
        """Replace the text (and buttons) of one of the bot's messages in this chat."""
        self._queue(replies.EditText(self._chat_id_for_replies, message_id, for_reader(text),
                                     reply_markup))

    def leave_chat(self) -> None:
        """Leave this chat (a group or channel) once the replies before it were sent."""
        self._queue(replies.LeaveChat(self._chat_id_for_replies))

    def answer(self, callback_query_id: str, text: str | None = None) -> None:
        self._queue(replies.AnswerQuery(callback_query_id, _shown(text or None)))

    def after_commit(self, make: Callable[[Later], Awaitable[None]]) -> None:
        """Replies that need a long read (the export of every case): `make` runs after this
        update's commit, reads in sessions of its own (and records what it must in a short
        transaction of its own), and gives its replies to the `Later` it gets. The sender is
        told to try again if it fails."""
        chat = self._chat_id_for_replies

        async def made() -> list[replies.Reply]:
            later = Later(chat)
            await make(later)
            return later.replies

        self._queue(replies.SendLater(made, replies.SendText(
            chat, for_reader(_(unit_of_work.APOLOGY)))))

    def _queue(self, reply: replies.Reply) -> None:
        self.uow.replies.append(reply)
