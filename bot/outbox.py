"""Queueing messages for others and relaying them with retries.

The relay knows nothing of Telegram: a `Sender` raises `RetryAfter`, `Transient` or
`Permanent`, and the relay turns that into backoff, waiting or a dead letter.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import unit_of_work
from bot.i18n import for_reader
from storage.models import OutboxMessage
from storage.repositories import outbox as outbox_repo

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300.0
MAX_TRANSIENT_ATTEMPTS = 25
# How long one relay holds a row it is sending; a process killed mid-send frees it after this.
DEFAULT_CLAIM_SECONDS = 60.0


class RetryAfter(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class Transient(Exception):
    """Network trouble, a timeout or a 5xx: try again later."""


class Permanent(Exception):
    """The message can never be delivered (blocked, chat not found)."""


Sender = Callable[[str, dict[str, Any]], Awaitable[object]]  # returns what the API answered
# Rewrites a payload right before it is sent (e.g. adds a machine translation); keys of a
# payload that start with "_" are instructions for it, never sent.
Prepare = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
INSTRUCTION_PREFIX = "_"


async def queue_message(  # noqa: PLR0913 - keyword-only: each says what the message is
        session: AsyncSession, *, chat_id: int, text: str, dedupe_key: str,
        reply_markup: dict[str, Any] | None = None, language: str, case_id: int | None = None,
        instructions: dict[str, Any] | None = None, not_before: datetime | None = None) -> bool:
    """Queue a text for `chat_id` in the current transaction; once per dedupe key.

    `language` is the reader's (often not the current update's: a parent's message queued
    while a consultant works); the text goes out as that language shows it (`for_reader`:
    right to left in Arabic and Farsi, one style of digits). `instructions` (keys starting
    with "_") are for the relay's `prepare` step; `not_before` holds it back until then."""
    payload: dict[str, Any] = {"chat_id": chat_id, "text": for_reader(text, language)}
    if reply_markup is not None:
        payload["reply_markup"] = reply_markup
    if instructions:
        assert all(key.startswith(INSTRUCTION_PREFIX) for key in instructions)
        payload.update(instructions)
    return await queue_call(session, "sendMessage", payload, dedupe_key=dedupe_key,
                            case_id=case_id, not_before=not_before)


async def queue_call(session: AsyncSession, method: str, payload: dict[str, Any], *,
                     dedupe_key: str, case_id: int | None = None,
                     not_before: datetime | None = None) -> bool:
    """Queue any Bot API call for `payload["chat_id"]` (e.g. copyMessage of a parent's photo).
    `not_before`: a fallback, sent only if nobody withdraws it by then (see `withdraw`)."""
    row = await outbox_repo.add(session, chat_id=int(payload["chat_id"]), payload=payload,
                                dedupe_key=dedupe_key, method=method, case_id=case_id,
                                not_before=not_before)
    uow = unit_of_work.current_or_none()
    if row is not None and uow is not None:
        uow.outbox_queued += 1
    return row is not None


async def withdraw(session: AsyncSession, dedupe_keys: list[str]) -> int:
    """Delete queued messages (fallbacks, see `queue_call`) that are no longer needed, in the
    current transaction; those already sent, or being sent by a relay right now, stay as they
    are. Returns how many went."""
    return await outbox_repo.withdraw(session, dedupe_keys)


async def withdraw_delivered(sessions: async_sessionmaker[AsyncSession],
                             dedupe_keys: list[str]) -> int:
    """`withdraw` in a transaction of its own, after the update's commit: the replies these
    fallbacks stood in for reached Telegram (bot.updates). One a relay is sending at this
    very moment still arrives; that is harmless."""
    async with sessions() as session, session.begin():
        return await withdraw(session, dedupe_keys)


_jitter = random.Random()


def backoff_seconds(attempts: int, rng: random.Random = _jitter) -> float:
    """Exponential backoff with full jitter: 0.5 s, 1 s, 2 s ... capped at five minutes."""
    doublings: int = 2 ** max(0, attempts)  # an int: the exponent is never negative
    ceiling = min(MAX_BACKOFF_SECONDS, 0.5 * doublings)
    return ceiling / 2 + rng.random() * ceiling / 2


class _Outcome(NamedTuple):
    """What came of one send: "sent", "retry" (after `delay` seconds) or "dead"."""
    kind: Literal["sent", "retry", "dead"]
    delay: float = 0.0
    error: str = ""
    answer: object = None  # what Telegram answered a send (the message, with its id)


class OutboxRelay:
    """Sends due outbox rows; one pass at a time, per-chat order kept."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], send: Sender,
                 chat_interval: float = 1.0, claim_seconds: float = DEFAULT_CLAIM_SECONDS,
                 on_dead: Callable[[AsyncSession, OutboxMessage], Awaitable[None]] | None = None,
                 on_sent: Callable[[AsyncSession, OutboxMessage, object], Awaitable[None]]
                 | None = None, prepare: Prepare | None = None) -> None:
        self._sessions = session_factory
        self._send = send
        self._lock = asyncio.Lock()
        self._again = False
        # Telegram asks for at most about one message a second per chat.
        self._chat_interval = chat_interval
        self._last_sent: dict[int, float] = {}
        self._on_dead = on_dead
        self._on_sent = on_sent
        self._prepare = prepare
        self._claim_seconds = claim_seconds
        self._paced: float | None = None

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    async def run_once(self) -> int:
        """Send what is due; returns how many messages were delivered."""
        if self._lock.locked():
            self._again = True  # a pass is running; make it look once more when done
            return 0
        delivered = 0
        async with self._lock:
            while True:
                self._again = False
                delivered += await self._pass()
                if self._paced is not None:
                    # Some chat is paced: come back when it may have its next message.
                    await asyncio.sleep(self._paced)
                    continue
                if not self._again:
                    break
        return delivered

    async def _pass(self) -> int:
        """One look at the due rows, oldest first; returns how many were delivered."""
        self._paced = None
        delivered = 0
        now = datetime.now(UTC)
        async with self._sessions() as session:
            rows = await outbox_repo.due(session)
        held_chats: set[int] = set()
        for row in rows:
            if row.chat_id in held_chats:
                continue
            if not await self._may_send(row, now):
                held_chats.add(row.chat_id)
                continue
            outcome = await self._attempt(row)
            if not await self._record(row, outcome):
                continue
            if outcome.kind == "sent":
                delivered += 1
            elif outcome.kind == "retry":
                held_chats.add(row.chat_id)
        return delivered

    async def _may_send(self, row: OutboxMessage, now: datetime) -> bool:
        """Whether the row goes now: due, its chat not paced, and claimed by this relay."""
        if row.next_attempt_at > now:
            return False  # an earlier message waits: keep the order
        last = self._last_sent.get(row.chat_id)
        if last is not None and time.monotonic() - last < self._chat_interval:
            # This chat had one a moment ago.
            wait = self._chat_interval - (time.monotonic() - last)
            self._paced = wait if self._paced is None else min(self._paced, wait)
            return False
        # Another bot process may be sending this very row: claim it first.
        async with self._sessions() as session, session.begin():
            return await outbox_repo.claim(session, row.id, self._claim_seconds)

    async def _attempt(self, row: OutboxMessage) -> _Outcome:
        """Send the row once; what came of it. The chat's pace counts from when the call
        ended: a request that took long to arrive must not bring the next one too close."""
        payload = await self._prepared(row)
        try:
            answer = await self._send(row.method, payload)
        except RetryAfter as err:
            return _Outcome("retry", err.seconds, str(err))
        except Transient as err:
            if row.attempts + 1 >= MAX_TRANSIENT_ATTEMPTS:
                return _Outcome("dead", error=f"gave up: {err}")
            return _Outcome("retry", backoff_seconds(row.attempts), str(err) or "transient")
        except Permanent as err:
            return _Outcome("dead", error=str(err))
        finally:
            self._last_sent[row.chat_id] = time.monotonic()
        return _Outcome("sent", answer=answer)

    async def _prepared(self, row: OutboxMessage) -> dict[str, Any]:
        """The payload as it goes out: rewritten by `prepare` where it has instructions (no
        transaction is open meanwhile), never with them. Whatever goes wrong there, the
        message goes out as it was queued."""
        payload = row.payload
        if self._prepare is not None and any(k.startswith(INSTRUCTION_PREFIX) for k in payload):
            try:
                payload = await self._prepare(row.method, dict(payload))
            except Exception as err:  # the message must go out all the same
                log.error("outbox %s: prepare failed (%s)", row.id, type(err).__name__)
        return {k: v for k, v in payload.items() if not k.startswith(INSTRUCTION_PREFIX)}

    async def _record(self, row: OutboxMessage, outcome: _Outcome) -> bool:
        """Write the outcome on the row; False when it is no longer pending (nothing done)."""
        async with self._sessions() as session, session.begin():
            fresh = await session.get(OutboxMessage, row.id)
            if fresh is None or fresh.status != "pending":
                return False
            if outcome.kind == "sent":
                outbox_repo.mark_sent(fresh)
                if self._on_sent is not None:
                    await self._on_sent(session, fresh, outcome.answer)
            elif outcome.kind == "retry":
                outbox_repo.mark_retry(fresh, outcome.delay, outcome.error)
                log.info("outbox %s: retry in %.1fs (%s)", row.id, outcome.delay, outcome.error)
            else:
                outbox_repo.mark_dead(fresh, outcome.error)
                log.warning("outbox %s: dead letter (%s)", row.id, outcome.error)
                if self._on_dead is not None:
                    await self._on_dead(session, fresh)
        return True
