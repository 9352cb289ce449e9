"""Updates in, confirmations out: Telegram hears that an update arrived only once it is handled.

Telegram keeps every update until the bot confirms it (long polling: a later getUpdates with
a higher offset; webhook: a 2xx answer to the post) and delivers what is not confirmed again.
So the bot confirms an update only after its unit of work committed (bot.updates): a crash
before that leaves the update with Telegram, which delivers it again, and the update id that
was committed together with its effects makes a repeat change nothing. (python-telegram-bot's
Updater confirms when it fetches, and its webhook answers before handling: a crash in between
lost what was typed.)

`Intake` runs the updates it is given: one sender's one at a time in the order they came,
different senders' side by side (at most CONCURRENCY at once), and says of each when it may be
confirmed. `Poller` is the long-polling loop; `bot.webhook` answers posts; `serve` runs either
until SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
import random
import signal
from collections.abc import Awaitable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, TypeVar

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.context import BotApp
from bot.updates import BotApplication

log = logging.getLogger(__name__)
T = TypeVar("T")

CONCURRENCY = 8  # units of work at once (the database pool has 5 + 10 connections)
# An update whose unit of work could not be completed (the database did not answer) is tried
# again after these many seconds; after the last it is given up (logged) so that one update
# that always fails cannot hold up its sender and the confirmations for ever.
RETRY_DELAYS: tuple[float, ...] = (1, 2, 4, 8, 15, 30, 30)
STOP_GRACE_SECONDS = 10.0  # on SIGTERM, updates in hand get this long to finish
POLL_TIMEOUT_SECONDS = 10  # a getUpdates waits this long for updates (long polling)
POLL_LIMIT = 100
# While an update in hand holds the confirmed prefix back, look for new updates this often.
REFETCH_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0


def sender_of(update: Update) -> Hashable:
    """Whose updates must keep their order: the user's (as the per-user lock in bot.updates),
    else the chat's."""
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    return ("nobody", 0)


@dataclass(eq=False)
class Job:
    """One update in hand. `confirmable` becomes True once it may be confirmed to Telegram
    (committed, a repeat, or given up), False when it is left to Telegram to deliver again
    (the bot is stopping)."""

    update: Update
    confirmable: asyncio.Future[bool]
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def update_id(self) -> int:
        return self.update.update_id


def _resolve(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)


class Intake:
    """Runs updates as units of work, in order per sender, and says when each may be
    confirmed."""

    def __init__(self, application: BotApplication, *, concurrency: int = CONCURRENCY,
                 retry_delays: Sequence[float] = RETRY_DELAYS) -> None:
        self._application = application
        self._slots = asyncio.Semaphore(concurrency)
        self._retry_delays = tuple(retry_delays)
        self._tails: dict[Hashable, asyncio.Task[None]] = {}  # each sender's newest job
        self._jobs: dict[int, Job] = {}  # update id -> the job while it is in hand
        self._stopping = asyncio.Event()

    @property
    def in_hand(self) -> int:
        return len(self._jobs)

    def submit(self, update: Update) -> Job:
        """Handle the update after the sender's earlier ones. The same update delivered again
        while it is still in hand (a webhook post Telegram gave up waiting for) joins it."""
        job = self._jobs.get(update.update_id)
        if job is not None:
            return job
        job = Job(update, asyncio.get_running_loop().create_future())
        if self._stopping.is_set():
            _resolve(job.confirmable, False)
            return job
        key = sender_of(update)
        job.task = asyncio.create_task(self._run(job, self._tails.get(key)),
                                       name=f"update-{update.update_id}")
        self._jobs[update.update_id] = job
        self._tails[key] = job.task
        job.task.add_done_callback(partial(self._forget, key, job))
        return job

    def _forget(self, key: Hashable, job: Job, task: asyncio.Task[None]) -> None:
        if self._tails.get(key) is task:
            del self._tails[key]
        if self._jobs.get(job.update_id) is job:
            del self._jobs[job.update_id]
        _resolve(job.confirmable, False)  # cancelled, or stopped before it was handled
        if not task.cancelled() and task.exception() is not None:
            log.error("update %s: %s", job.update_id, type(task.exception()).__name__)

    async def _run(self, job: Job, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait([previous])  # the sender's earlier update first
        settled = partial(_resolve, job.confirmable, True)
        for attempt, delay in enumerate((*self._retry_delays, None), start=1):
            async with self._slots:
                if self._stopping.is_set():
                    return  # not handled: Telegram delivers it again after the restart
                if await self._application.handle_update(job.update, settled):
                    return
            if delay is None:
                log.error("update %s given up after %s attempts: it is lost", job.update_id,
                          attempt)
                settled()
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)

    def stopping(self) -> None:
        """From now on nothing new is started (it stays with Telegram), and no update is
        tried again."""
        self._stopping.set()

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Let what is being handled finish (commit, replies) for up to `grace` seconds, then
        cancel the rest: cancelled units of work roll back, and are delivered again."""
        self.stopping()
        tasks = [job.task for job in list(self._jobs.values()) if job.task is not None]
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=grace)
        for task in late:
            task.cancel()
        if late:
            log.warning("%s updates were still in hand at the stop; they come again", len(late))
            await asyncio.wait(late)


def _seconds(value: int | float | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


class Front(Protocol):
    """Where updates come in: the poller or the webhook."""

    async def start(self) -> None: ...

    async def ended(self) -> None:
        """Returns only when it ended by itself (a fatal error, which it raises)."""

    async def stop(self) -> None: ...


class Stopped(Exception):
    """The front was told to stop while it waited."""


class Poller:
    """Long polling that confirms only what is handled: getUpdates' offset moves past an
    update once it and every update before it in hand may be confirmed."""

    def __init__(self, application: BotApplication, allowed_updates: Sequence[str], *,
                 timeout: int = POLL_TIMEOUT_SECONDS, limit: int = POLL_LIMIT,
                 intake: Intake | None = None, grace: float = STOP_GRACE_SECONDS) -> None:
        self._application = application
        self._bot = application.bot
        self._allowed = list(allowed_updates)
        self._timeout = timeout
        self._limit = limit
        self._grace = grace
        self.intake = intake or Intake(application)
        self._in_hand: dict[int, Job] = {}  # fetched, not confirmed yet
        self._offset = 0  # the next getUpdates confirms everything below this
        self._asked = 0  # the offset of the last getUpdates sent
        self._stop: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def offset(self) -> int:
        return self._offset

    async def start(self) -> None:
        self._stop = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._loop(), name="poller")

    async def ended(self) -> None:
        assert self._task is not None, "start() first"
        await asyncio.shield(self._task)

    async def stop(self) -> None:
        """Stop fetching, let what is in hand finish, then confirm what was handled with one
        last getUpdates (timeout 0), as python-telegram-bot does."""
        if self._stop is not None and not self._stop.done():
            self._stop.set_result(None)
        if self._task is not None:
            await asyncio.wait([self._task])
        await self.intake.stop(self._grace)
        offset = self._advance()
        if offset > self._asked:
            try:
                await self._bot.get_updates(offset=offset, timeout=0, limit=1,
                                            allowed_updates=self._allowed)
            except TelegramError as err:
                log.warning("could not confirm the handled updates at the stop (%s): they "
                            "come again at the next start, and change nothing then",
                            type(err).__name__)

    def _advance(self) -> int:
        """The new offset: past every update in hand that may be confirmed, up to the first
        that may not be yet."""
        for update_id in sorted(self._in_hand):
            job = self._in_hand[update_id]
            if not job.confirmable.done():
                break
            if not job.confirmable.result():  # not handled: fetched again, handed in again
                del self._in_hand[update_id]
                break
            del self._in_hand[update_id]
            self._offset = update_id + 1
        return self._offset

    async def _wait_for_progress(self) -> None:
        """While updates are in hand: until all may be confirmed, or REFETCH_SECONDS, so one
        slow update does not keep new ones from being fetched."""
        assert self._stop is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REFETCH_SECONDS
        while not self._stop.done():
            waiting: list[asyncio.Future[Any]] = [
                j.confirmable for j in self._in_hand.values() if not j.confirmable.done()]
            remaining = deadline - loop.time()
            if not waiting or remaining <= 0:
                return
            await asyncio.wait([*waiting, self._stop], timeout=remaining,
                               return_when=asyncio.FIRST_COMPLETED)

    async def _loop(self) -> None:
        failures = 0
        while True:  # no webhook may be set while polling (it would refuse getUpdates)
            try:
                await self._interruptible(self._bot.delete_webhook(drop_pending_updates=False))
                break
            except Stopped:
                return
            except InvalidToken:
                log.error("Telegram does not know this bot token (TELEGRAM_BOT_TOKEN)")
                raise
            except Exception as err:
                failures += 1
                await self._back_off(err, failures, "deleteWebhook")
        failures = 0
        while self._stop is not None and not self._stop.done():
            await self._wait_for_progress()
            offset = self._advance()
            try:
                self._asked = offset
                updates = await self._interruptible(self._bot.get_updates(
                    offset=offset or None, timeout=self._timeout, limit=self._limit,
                    allowed_updates=self._allowed))
            except Stopped:
                return
            except InvalidToken:
                log.error("Telegram does not know this bot token (TELEGRAM_BOT_TOKEN)")
                raise
            except Exception as err:
                failures += 1
                await self._back_off(err, failures, "getUpdates")
                continue
            failures = 0
            for update in updates:
                if update.update_id >= self._offset and update.update_id not in self._in_hand:
                    self._in_hand[update.update_id] = self.intake.submit(update)

    async def _back_off(self, err: Exception, failures: int, method: str) -> None:
        """Wait before trying again: as long as Telegram asks after a 429, else growing with
        each failure in a row (with jitter), at most MAX_BACKOFF_SECONDS."""
        if isinstance(err, RetryAfter):
            delay = _seconds(err.retry_after)
        else:
            delay = min(MAX_BACKOFF_SECONDS, 2.0 ** (failures - 1)) * random.uniform(0.5, 1.0)
        if isinstance(err, Conflict):
            log.warning("%s refused: another process polls with this token, or a webhook is "
                        "set; trying again in %.0fs", method, delay)
        else:
            log.warning("%s failed (%s); trying again in %.1fs", method, type(err).__name__,
                        delay)
        with contextlib.suppress(Stopped):
            await self._interruptible(asyncio.sleep(delay))

    async def _interruptible(self, awaitable: Awaitable[T]) -> T:
        """Await it, unless stop() comes first: then cancel it and raise Stopped."""
        assert self._stop is not None
        task = asyncio.ensure_future(awaitable)
        either: list[asyncio.Future[Any]] = [task, self._stop]
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            task.cancel()
            await asyncio.wait([task])
            raise Stopped
        return task.result()


async def serve(application: BotApp, front: Front) -> int:
    """Run the application with `front` until SIGINT or SIGTERM (0), or until the front fails
    (1). Stopping: the front stops taking updates, what is in hand finishes and is confirmed,
    then the application stops."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    code = 0
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            starting = asyncio.create_task(front.start())
            stopped = asyncio.create_task(stop.wait())
            either: list[asyncio.Future[Any]] = [starting, stopped]
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
            if not starting.done():  # stopped while it still waited for Telegram
                starting.cancel()
                await asyncio.wait([starting])
            elif starting.exception() is not None:
                log.error("could not start: %s", type(starting.exception()).__name__)
                code = 1
            else:
                ended = asyncio.create_task(front.ended())
                either = [ended, stopped]
                await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
                if ended.done():
                    code = 1
                    if not ended.cancelled() and ended.exception() is not None:
                        log.error("stopping: %s", type(ended.exception()).__name__)
                ended.cancel()
            stopped.cancel()
        finally:
            await front.stop()
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return code
