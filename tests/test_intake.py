"""Telegram is told an update arrived only once it is handled (bot.intake, bot.webhook).

In-process against the fake Bot API, which keeps every update until the bot confirms it: the
poller's offset moves over the handled prefix only, one sender's updates keep their order while
other senders go ahead, a stop confirms what was handled and leaves the rest with Telegram, a
unit of work that could not complete is tried again before it is confirmed, getUpdates errors
are waited out; the webhook answers 200 after the commit, 503 while an update is not settled
(Telegram posts it again), 403 without the secret. The SIGKILL tests are in test_acknowledge.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import ALLOWED_UPDATES, build_application
from bot.webhook import SECRET_HEADER, WebhookServer
from sandbox.fakebot import FakeBotApi, FakeUser
from storage.models import ParentMessage
from tests.harness import BotHarness, wait_until
from tests.test_webhook import SECRET, free_port

HELD = "(held)"
QUESTION = "when is the library open on saturday?"


class Gate:
    """Holds every update whose text ends with (held) before its unit of work starts."""

    def __init__(self, application) -> None:
        self.open = asyncio.Event()
        self.entered = asyncio.Event()
        self._handle = application.handle_update
        application.handle_update = self._held

    async def _held(self, update, settled=None):
        if update.message is not None and (update.message.text or "").endswith(HELD):
            self.entered.set()
            await self.open.wait()
        return await self._handle(update, settled)


class Parent:
    """A parent who types without waiting for the bot; `sent` keeps the update ids."""

    def __init__(self, fake_api: FakeBotApi, user_id: int) -> None:
        self.sent: list[int] = []
        self.user = FakeUser(fake_api, user_id, "Parent", "en", settle=self._remember)

    async def _remember(self, update_id: int) -> None:
        self.sent.append(update_id)

    async def ask(self, text: str = QUESTION) -> int:
        await self.user.send(text)
        return self.sent[-1]


async def questions(bot: BotHarness) -> list[str]:
    async with bot.services.sessions() as session:
        rows = await session.scalars(select(ParentMessage).where(ParentMessage.direction == "in")
                                     .order_by(ParentMessage.id))
        return [row.text for row in rows]


async def test_the_offset_moves_over_the_handled_prefix_only_and_one_sender_keeps_order(
        bot, fake_api):
    gate = Gate(bot.application)
    amal, bilal = Parent(fake_api, 71_001), Parent(fake_api, 71_002)
    held = await amal.ask(f"{QUESTION} {HELD}")
    await gate.entered.wait()
    other = await bilal.ask()
    await bot.settle(other)  # another sender goes ahead
    assert bilal.user.inbox
    after = await amal.ask(f"{QUESTION} after")
    await asyncio.sleep(0.5)
    assert not amal.user.inbox  # the same sender waits for their earlier update
    # Handled, but the held update before it is not: nothing is confirmed yet.
    assert not fake_api.is_confirmed(held) and not fake_api.is_confirmed(other)
    gate.open.set()
    await bot.settle(after)
    await wait_until(lambda: fake_api.is_confirmed(after))
    # (stored in the order they were handled: the other sender's first)
    assert await questions(bot) == [QUESTION, f"{QUESTION} {HELD}", f"{QUESTION} after"]


async def test_a_stop_confirms_what_was_handled_and_leaves_the_rest_with_telegram(
        bot, fake_api):
    gate = Gate(bot.application)
    amal = Parent(fake_api, 72_001)
    held = await amal.ask(f"{QUESTION} {HELD}")
    queued = await amal.ask(f"{QUESTION} queued")  # behind the held one: not started
    await gate.entered.wait()
    polls = len(fake_api.calls_to("getUpdates"))
    stopping = asyncio.create_task(bot.stop())
    await asyncio.sleep(0.3)
    assert not fake_api.is_confirmed(held)
    gate.open.set()  # it finishes within the stop's grace
    await stopping
    assert fake_api.is_confirmed(held) and not fake_api.is_confirmed(queued)
    last = fake_api.calls_to("getUpdates")[-1]
    assert len(fake_api.calls_to("getUpdates")) > polls
    assert (last.params.get("offset"), last.params.get("timeout")) == (queued, 0)
    await bot.start()  # the next process gets what was left
    await bot.settle(queued)
    await wait_until(lambda: fake_api.is_confirmed(queued))
    assert await questions(bot) == [f"{QUESTION} {HELD}", f"{QUESTION} queued"]


async def test_an_update_that_could_not_be_completed_is_tried_again_before_it_is_confirmed(
        bot, fake_api, caplog):
    bot.poller.intake._retry_delays = (0.2, 0.2, 0.2)
    handle = bot.application.handle_update
    failures = {"left": 2}
    attempts = []

    async def database_away(update, settled=None):
        attempts.append(update.update_id)
        if failures["left"]:
            failures["left"] -= 1
            return False  # as when the database does not answer: nothing kept
        return await handle(update, settled)

    bot.application.handle_update = database_away
    amal = Parent(fake_api, 73_001)
    update_id = await amal.ask()
    await wait_until(lambda: len(attempts) == 1)
    assert not fake_api.is_confirmed(update_id)
    await wait_until(lambda: fake_api.is_confirmed(update_id))
    assert attempts == [update_id] * 3 and len(await questions(bot)) == 1
    # One that never completes is given up after the last attempt, so it holds up nothing.
    failures["left"] = 10
    with caplog.at_level(logging.ERROR, logger="bot.intake"):
        lost = await amal.ask(f"{QUESTION} lost")
        await wait_until(lambda: fake_api.is_confirmed(lost))
    assert f"update {lost} given up after 4 attempts" in caplog.text


async def test_get_updates_errors_are_waited_out(bot, fake_api, caplog):
    fake_api.inject("502", methods={"getUpdates"}, times=1)
    fake_api.inject("drop", methods={"getUpdates"}, times=1)
    with caplog.at_level(logging.WARNING, logger="bot.intake"):
        await wait_until(lambda: all(f.injected for f in fake_api.faults), timeout=20)
        amal = Parent(fake_api, 74_001)
        update_id = await amal.ask()
        await bot.settle(update_id, timeout=20)
    assert amal.user.inbox
    assert caplog.text.count("getUpdates failed (NetworkError); trying again") == 2


@pytest.fixture
async def hooked(fake_api, settings):
    """The bot in webhook mode in this process, with a short answer deadline."""
    port = free_port()
    settings = settings.model_copy(update={
        "webhook_url": f"http://127.0.0.1:{port}/telegram", "webhook_port": port,
        "webhook_secret": SECRET})
    harness = BotHarness(fake_api, settings)
    application = build_application(settings)
    harness.application = application
    application.bot_data["services"].update_done.append(harness._on_done)
    await application.initialize()
    await application.post_init(application)
    await application.start()
    server = WebhookServer(application, settings, ALLOWED_UPDATES, answer_seconds=0.5)
    await server.start()
    yield harness, server
    await server.stop()
    await application.stop()
    await application.shutdown()
    await application.post_shutdown(application)


async def test_the_webhook_answers_after_the_commit_and_503_while_not_settled(hooked, fake_api):
    harness, _server = hooked
    assert fake_api.webhook["secret_token"] == SECRET
    gate = Gate(harness.application)
    amal = Parent(fake_api, 75_001)
    held = await amal.ask(f"{QUESTION} {HELD}")
    await gate.entered.wait()
    # Not settled within the deadline: 503, and Telegram keeps it and posts it again.
    await wait_until(lambda: fake_api.webhook_failures >= 2, timeout=10)
    assert not fake_api.is_confirmed(held)
    gate.open.set()
    await wait_until(lambda: fake_api.is_confirmed(held), timeout=10)
    assert await questions(harness) == [f"{QUESTION} {HELD}"]  # once, however often posted
    assert amal.user.inbox


async def test_the_webhook_refuses_posts_without_the_secret_or_an_update(hooked, fake_api):
    harness, server = hooked
    url = f"http://127.0.0.1:{server.port}/telegram"
    update = {"update_id": 555, "message": {
        "message_id": 1, "date": 0, "text": "/start",
        "from": {"id": 76_001, "is_bot": False, "first_name": "Eve"},
        "chat": {"id": 76_001, "type": "private"}}}
    async with aiohttp.ClientSession() as session:
        for headers, body, status in (({}, update, 403),
                                      ({SECRET_HEADER: "wrong-secret-0123456789"}, update, 403),
                                      ({SECRET_HEADER: SECRET}, [1, 2], 400)):
            async with session.post(url, json=body, headers=headers) as response:
                assert response.status == status
        async with session.post(url, data=b"{not json", headers={
                SECRET_HEADER: SECRET, "Content-Type": "application/json"}) as response:
            assert response.status == 400
        async with session.get(url) as response:
            assert response.status == 405
    assert 555 not in harness._done
