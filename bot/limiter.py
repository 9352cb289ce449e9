"""The bot's rate limiter: replies to the person who just wrote go first; bulk sends (the
outbox relay's notifications, digests, broadcasts) keep Telegram's overall pace.

Telegram documents two limits for a bot: about one message a second in one chat (short bursts
allowed), and no more than about 30 messages a second when sending bulk notifications to many
users. Answering a callback query is not a message and is limited by neither.
python-telegram-bot's `AIORateLimiter` applies its overall limit to every call with a chat in
it, a parent's reply as much as the hundredth message of a broadcast, so at busy moments
parents wait in the same queue as the broadcast. Here:

- a call made inside `bulk()` (bot.sender, for the outbox relay) waits for a token of the
  overall budget (30 a second); the relay itself keeps the pace of one message a second per
  chat and its order per chat (bot.outbox);
- every other call with a chat (a reply, an edit, a typing action) takes a token if one is
  left but never waits for one, so the bulk sends yield to replies, and replies never queue
  behind them;
- calls without a chat (answerCallbackQuery, getMe, setMyCommands ...) are passed through;
- a 429 (RetryAfter) is retried after the wait Telegram asked for, as `AIORateLimiter` does,
  at most `max_retries` times: meanwhile the other bulk sends wait too (after a 429 on a bulk
  send), or the other replies to that chat (after a 429 on a reply); a call whose wait would
  be longer than `max_wait` seconds is given up at once (bot.replies logs a dropped reply, the
  outbox relay schedules the send again in the database).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

OVERALL_PER_SECOND = 30.0  # Telegram: bulk notifications, about 30 messages a second
MAX_WAIT_SECONDS = 10.0  # a longer wait is the caller's: a reply dropped, a send rescheduled
KEEP_PAUSES = 512  # chats paused after a 429, before those long over are forgotten
_bulk: contextvars.ContextVar[bool] = contextvars.ContextVar("bulk_send", default=False)

JSON = bool | dict[str, Any] | list[dict[str, Any]]


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """The Bot API calls made inside are bulk sends: paced, after replies."""
    token = _bulk.set(True)
    try:
        yield
    finally:
        _bulk.reset(token)


def _retry_seconds(err: RetryAfter) -> float:
    retry = err.retry_after
    return retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)


class ReplyFirstLimiter(BaseRateLimiter[int]):
    """See the module's docstring. `rate_limit_args`, if given, is the number of retries."""

    def __init__(self, overall_per_second: float = OVERALL_PER_SECOND, max_retries: int = 2,
                 max_wait: float = MAX_WAIT_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = overall_per_second
        self._capacity = overall_per_second  # a full second's worth may go at once
        self._tokens = overall_per_second
        self._clock = clock
        self._filled_at = clock()
        self._max_retries = max_retries
        self._max_wait = max_wait
        self._bulk_lock = asyncio.Lock()  # bulk sends take their tokens one at a time
        self._bulk_paused_until = 0.0
        self._chat_paused_until: dict[str, float] = {}

    def use_clock(self, clock: Callable[[], float]) -> None:
        """Measure time with `clock` from now on, with a full budget (tests freeze it)."""
        self._clock = clock
        self._filled_at = clock()
        self._tokens = self._capacity

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self._capacity, self._tokens + (now - self._filled_at) * self._rate)
        self._filled_at = now

    def _take_if_any(self) -> None:
        """A reply uses the budget when there is some, so bulk sends leave room for it."""
        self._refill()
        if self._tokens >= 1:
            self._tokens -= 1

    async def _take_waiting(self) -> None:
        """A bulk send waits for its token (and for the end of a 429's wait), in turn."""
        async with self._bulk_lock:
            while True:
                pause = self._bulk_paused_until - self._clock()
                if pause > 0:
                    await asyncio.sleep(pause)
                    continue
                self._refill()
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self._rate)

    async def _wait_for_chat(self, chat: str) -> None:
        until = self._chat_paused_until.get(chat)
        if until is None:
            return
        pause = until - self._clock()
        if pause > 0:
            await asyncio.sleep(pause)
        elif len(self._chat_paused_until) > KEEP_PAUSES:  # forget pauses long over
            now = self._clock()
            self._chat_paused_until = {c: u for c, u in self._chat_paused_until.items()
                                       if u > now}

    async def process_request(
            self, callback: Callable[..., Coroutine[Any, Any, JSON]], args: Any,
            kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
            rate_limit_args: int | None) -> JSON:
        chat_id = data.get("chat_id")
        if chat_id is None:  # answerCallbackQuery, getMe, setMyCommands ...: no message
            return await callback(*args, **kwargs)
        chat = str(chat_id)
        is_bulk = _bulk.get()
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            if is_bulk:
                await self._take_waiting()
            else:
                await self._wait_for_chat(chat)
                self._take_if_any()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as err:
                wait = _retry_seconds(err) + 0.1
                until = self._clock() + wait
                if is_bulk:
                    self._bulk_paused_until = max(self._bulk_paused_until, until)
                else:
                    self._chat_paused_until[chat] = max(
                        self._chat_paused_until.get(chat, 0.0), until)
                if attempt == retries or wait > self._max_wait:
                    log.warning("%s to a chat: 429 after %d retries (wait %.1f s)", endpoint,
                                attempt, wait)
                    raise
                log.info("%s: 429, retrying after %.1f s", endpoint, wait)
                if not is_bulk:
                    await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover
