"""The sender's replies: typed Bot API calls, made only after the update's transaction
committed (see bot.updates), each retried briefly on network trouble.

The rate limiter (bot.limiter) lets replies go before the outbox relay's bulk sends and
waits out a short 429 itself. Here tenacity retries a reply on network trouble and timeouts,
and after a 429 that reaches it (the limiter's retries used up, or no limiter) when Telegram
asks for a short wait; a refusal (blocked, bad request) is not retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from telegram import Bot, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from bot import speech
from bot.voice import Voice

log = logging.getLogger(__name__)

ATTEMPTS = 4
MAX_WAIT_SECONDS = 10.0  # a reply that would wait longer for Telegram is dropped (logged)
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


class Reply(Protocol):
    async def send(self, bot: Bot) -> object: ...


@dataclass(frozen=True)
class SendText:
    chat_id: int
    text: str
    reply_markup: Markup = None
    parse_mode: str | None = None
    shown_case: tuple[int, str] | None = None  # a case card (case id, reference), see redaction
    # The dedupe key of a queued outbox fallback this text makes unneeded once Telegram has
    # it (bot.outbox.withdraw): e.g. the offer of a new family link if the confirmation with
    # the link never arrived.
    withdraws: str | None = None

    async def send(self, bot: Bot) -> object:
        return await bot.send_message(self.chat_id, self.text, reply_markup=self.reply_markup,
                                      parse_mode=self.parse_mode)


@dataclass(frozen=True)
class SendPhoto:
    chat_id: int
    photo: bytes | str  # the image, or the file id of one Telegram already has
    caption: str | None = None
    filename: str | None = None

    async def send(self, bot: Bot) -> object:
        return await bot.send_photo(self.chat_id, self.photo, caption=self.caption,
                                    filename=self.filename)


@dataclass(frozen=True)
class SendDocument:
    chat_id: int
    document: bytes | str
    caption: str | None = None
    filename: str | None = None

    async def send(self, bot: Bot) -> object:
        return await bot.send_document(self.chat_id, self.document, caption=self.caption,
                                       filename=self.filename)


@dataclass(frozen=True)
class SendVoice:
    chat_id: int
    voice: str  # a file id
    caption: str | None = None

    async def send(self, bot: Bot) -> object:
        return await bot.send_voice(self.chat_id, self.voice, caption=self.caption)


@dataclass(frozen=True)
class SendSpeech:
    """A topic's answer synthesised (bot.voice): the CPU work runs here, after the commit, in
    a thread; Telegram's file id of it is remembered afterwards (bot.updates)."""

    chat_id: int
    voice: Voice

    async def send(self, bot: Bot) -> object:
        try:
            audio = await asyncio.to_thread(speech.synthesize, self.voice.text,
                                            self.voice.language)
        except speech.SpeechUnavailable as err:
            log.error("no synthesis for %s/%s: %s", self.voice.topic, self.voice.language,
                      type(err).__name__)
            return None
        return await bot.send_voice(self.chat_id, audio, filename="answer.ogg")


@dataclass(frozen=True)
class SendRendered:
    """A picture (`as_photo`) or a document made from figures the update gathered: the drawing
    (`render`, CPU work) runs here, after the commit, in a thread, so no transaction waits
    for it and other users' updates go on meanwhile; drawn once, however often sent."""

    chat_id: int
    render: Callable[[], bytes]
    filename: str
    caption: str | None = None
    as_photo: bool = True
    made: list[bytes] = field(default_factory=list, compare=False)

    async def send(self, bot: Bot) -> object:
        if not self.made:
            try:
                self.made.append(await asyncio.to_thread(self.render))
            except Exception:  # a drawing that fails must not keep the replies after it
                log.exception("%s could not be drawn", self.filename)
                return None
        if self.as_photo:
            return await bot.send_photo(self.chat_id, self.made[0], caption=self.caption,
                                        filename=self.filename)
        return await bot.send_document(self.chat_id, self.made[0], caption=self.caption,
                                       filename=self.filename)


@dataclass(frozen=True)
class SendLater:
    """Replies that `make` prepares only after the update's commit (a long read, such as the
    export of every case): no transaction of the update waits for it, and on SQLite the
    write lock the update held is free meanwhile for everyone else. Made once, however often
    sent; a failure is logged and the sender told to try again (`apology`)."""

    make: Callable[[], Awaitable[Sequence[Reply]]]
    apology: Reply | None = None
    made: list[Reply] = field(default_factory=list, compare=False)

    async def send(self, bot: Bot) -> object:
        if not self.made:
            try:
                self.made.extend(await self.make())
            except Exception:
                log.exception("replies prepared after the commit failed")
                self.made.extend([self.apology] if self.apology is not None else [])
        return await send_all(bot, self.made)


@dataclass(frozen=True)
class SendAudio:
    chat_id: int
    audio: str  # a file id
    caption: str | None = None

    async def send(self, bot: Bot) -> object:
        return await bot.send_audio(self.chat_id, self.audio, caption=self.caption)


@dataclass(frozen=True)
class EditText:
    chat_id: int
    message_id: int
    text: str
    reply_markup: InlineKeyboardMarkup | None = None

    async def send(self, bot: Bot) -> object:
        return await bot.edit_message_text(self.text, chat_id=self.chat_id,
                                           message_id=self.message_id,
                                           reply_markup=self.reply_markup)


@dataclass(frozen=True)
class AnswerQuery:
    query_id: str
    text: str | None = None

    async def send(self, bot: Bot) -> object:
        return await bot.answer_callback_query(self.query_id, text=self.text)


@dataclass(frozen=True)
class LeaveChat:
    """The bot leaves a group or channel (it works in private chats only)."""

    chat_id: int

    async def send(self, bot: Bot) -> object:
        return await bot.leave_chat(self.chat_id)


def retry_seconds(err: RetryAfter) -> float:
    """PTB gives retry_after as seconds or as a timedelta, depending on a setting."""
    retry = err.retry_after
    return retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)


def _worth_retrying(error: BaseException) -> bool:
    """Network trouble and timeouts, or a short 429; not a refusal (BadRequest is a
    NetworkError in PTB)."""
    if isinstance(error, RetryAfter):
        return retry_seconds(error) <= MAX_WAIT_SECONDS
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


_backoff = wait_exponential_jitter(multiplier=0.3, max=3.0)


def _wait(state: RetryCallState) -> float:
    """As long as Telegram asked after a 429; else a short backoff with jitter."""
    error = state.outcome.exception() if state.outcome is not None else None
    if isinstance(error, RetryAfter):
        return retry_seconds(error)
    return _backoff(state)


async def send_all(bot: Bot, replies: Sequence[Reply]) -> list[tuple[Reply, object]]:
    """Send the replies in order; one that cannot be sent is logged and skipped. Returns what
    Telegram answered for each reply that was sent."""
    sent: list[tuple[Reply, object]] = []
    for reply in replies:
        name = type(reply).__name__
        try:
            async for attempt in AsyncRetrying(
                    retry=retry_if_exception(_worth_retrying), stop=stop_after_attempt(ATTEMPTS),
                    wait=_wait, reraise=True):
                with attempt:
                    sent.append((reply, await reply.send(bot)))
        except BadRequest as err:
            if "message is not modified" not in str(err).lower():  # PTB capitalises it
                log.error("reply %s refused: %s", name, type(err).__name__)
        except Forbidden:
            pass  # the user blocked the bot: nobody to tell
        except RetryAfter:
            log.warning("reply %s dropped after 429", name)
        except TelegramError as err:
            log.warning("reply %s not sent: %s", name, type(err).__name__)
    return sent
