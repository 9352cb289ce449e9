"""The rate limiter (bot.limiter) through the fake Bot API: replies to a parent never wait for
a broadcast's budget, the broadcast keeps to it, and 429s are waited out and retried.

No wall-clock assertions: the limiter's clock is frozen, so its budget never refills and what
the broadcast may send is an exact number."""

from __future__ import annotations

import asyncio
import time

from bot import outbox
from bot.limiter import OVERALL_PER_SECOND, ReplyFirstLimiter
from storage.models import OutboxMessage
from tests.harness import wait_until
from tests.test_parent import parent_with_menu

QUESTION = "When is the library open?"


def _limiter(bot) -> ReplyFirstLimiter:
    limiter = bot.application.bot.rate_limiter
    assert isinstance(limiter, ReplyFirstLimiter)
    return limiter


async def _queue_broadcast(bot, fake_api, chats: int) -> list[int]:
    chat_ids = [800_000 + n for n in range(chats)]
    for chat_id in chat_ids:
        fake_api.add_user(chat_id, "Parent", "nl").started = True
    async with bot.services.sessions() as session, session.begin():
        for chat_id in chat_ids:
            await outbox.queue_message(session, chat_id=chat_id, text=f"news for {chat_id}",
                                       dedupe_key=f"broadcast:{chat_id}", language="nl")
    return chat_ids


def _sent_to(fake_api, chat_ids: list[int]) -> int:
    wanted = {str(chat_id) for chat_id in chat_ids}
    return sum(1 for call in fake_api.calls_to("sendMessage")
               if str(call.params.get("chat_id")) in wanted)


async def test_a_parent_is_answered_while_a_broadcast_waits_for_its_budget(bot, fake_api):
    parent = await parent_with_menu(bot, "en")
    frozen = time.monotonic()
    _limiter(bot).use_clock(lambda: frozen)  # the budget never refills from here on
    chat_ids = await _queue_broadcast(bot, fake_api, chats=int(OVERALL_PER_SECOND) + 20)
    relay = asyncio.get_running_loop().create_task(bot.deliver_outbox())
    try:
        budget = int(OVERALL_PER_SECOND)
        await wait_until(lambda: _sent_to(fake_api, chat_ids) == budget)
        # The broadcast has used up the second's budget and waits; the parent does not.
        before = len(parent.texts())
        await parent.send(QUESTION)
        assert len(parent.texts()) > before and "👍" in parent.buttons()
        await parent.press("👍")  # answerCallbackQuery and an edit: not held up either
        assert fake_api.calls_to("answerCallbackQuery")
        await parent.send(parent.keyboard()[0])
        assert _sent_to(fake_api, chat_ids) == budget  # and the broadcast kept to it
        assert await bot.count(OutboxMessage, OutboxMessage.status == "pending") == 20
    finally:
        # Time moves again: a pass the relay's clock job started meanwhile can finish.
        _limiter(bot).use_clock(time.monotonic)
        relay.cancel()
        await asyncio.gather(relay, return_exceptions=True)


async def test_a_burst_of_429s_on_a_reply_is_waited_out_and_answered_once(bot, fake_api):
    parent = await parent_with_menu(bot, "en")
    before = len(parent.texts())
    fake_api.inject("429", methods={"sendMessage"}, times=2, retry_after=1,
                    chats={parent.id})
    await parent.send(QUESTION)
    answers = parent.texts()[before:]
    assert len(answers) == 1  # answered, once
    assert fake_api.faults[0].injected == 2


async def test_a_burst_of_429s_holds_the_broadcast_and_everything_arrives_once(bot, fake_api):
    chat_ids = await _queue_broadcast(bot, fake_api, chats=12)
    fake_api.inject("429", methods={"sendMessage"}, times=4, retry_after=1)
    await bot.drain_outbox()
    assert await bot.count(OutboxMessage, OutboxMessage.status == "sent") == len(chat_ids)
    for chat_id in chat_ids:
        assert [m["text"] for m in fake_api.bot_messages(chat_id)] == [f"news for {chat_id}"]
    assert fake_api.faults[0].injected == 4
