"""Runs the real bot application against the fake Bot API, in-process, over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import Settings
from bot.intake import Poller
from bot.services import Services
from sandbox.fakebot import FakeBotApi, FakeUser


class BotHarness:
    def __init__(self, server: FakeBotApi, settings: Settings) -> None:
        self.server = server
        self.settings = settings
        self.application: Application | None = None
        self.poller: Poller | None = None
        self._done: dict[int, asyncio.Event] = {}
        self._user_ids = iter(range(10_001, 99_999))

    @property
    def services(self) -> Services:
        assert self.application is not None
        return self.application.bot_data["services"]

    def _on_done(self, update_id: int) -> None:
        self._done.setdefault(update_id, asyncio.Event()).set()

    async def start(self) -> None:
        self.application = build_application(self.settings)
        self.services.update_done.append(self._on_done)
        # What `bieb-bot run` does (bot.intake.serve): initialize, post_init, start, then poll.
        await self.application.initialize()
        await self.application.post_init(self.application)
        await self.application.start()
        self.poller = Poller(self.application, ALLOWED_UPDATES, timeout=1)
        await self.poller.start()

    async def stop(self) -> None:
        if self.application is None:
            return
        app, self.application = self.application, None
        poller, self.poller = self.poller, None
        if poller is not None:
            await poller.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)

    async def restart(self) -> None:
        """Stop the bot and start a fresh application on the same database."""
        await self.stop()
        self._done.clear()
        await self.start()

    async def settle(self, update_id: int, timeout: float = 10.0) -> None:
        event = self._done.setdefault(update_id, asyncio.Event())
        await asyncio.wait_for(event.wait(), timeout)

    def user(self, user_id: int | None = None, first_name: str = "Sam",
             language_code: str | None = "nl") -> FakeUser:
        return FakeUser(self.server, user_id or next(self._user_ids), first_name,
                        language_code, settle=self.settle)

    async def deliver_outbox(self) -> int:
        """Run the outbox relay once, as its job does."""
        assert self.services.relay is not None
        return await self.services.relay.run_once()

    async def drain_outbox(self, timeout: float = 30.0) -> None:
        """Run the relay until nothing is pending; a dead letter fails the wait."""
        from storage.models import OutboxMessage

        deadline = time.monotonic() + timeout
        while await self.count(OutboxMessage, OutboxMessage.status == "pending"):
            assert await self.count(OutboxMessage, OutboxMessage.status == "dead") == 0
            assert time.monotonic() < deadline, "the outbox did not empty in time"
            await self.deliver_outbox()
            await asyncio.sleep(0.1)
        assert await self.count(OutboxMessage, OutboxMessage.status == "dead") == 0

    async def count(self, model: Any, *where: Any) -> int:
        async with self.services.sessions() as session:
            return await session.scalar(select(func.count()).select_from(model).where(*where))

    async def rows(self, model: Any, *where: Any) -> list[Any]:
        async with self.services.sessions() as session:
            return list(await session.scalars(select(model).where(*where)))


# How long a bot process started by a test may take to come up: importing the bot takes
# seconds, and much longer on a machine busy with other work; only a silent bot fails.
PROCESS_START_SECONDS = 120.0


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0,
                     interval: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)
