"""The fake Bot API is as strict as Telegram: python-telegram-bot sees the same errors."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter

from sandbox.fakebot import FakeUser
from tests.harness import wait_until


@pytest.fixture
async def tg(fake_api):
    bot = Bot(fake_api.token, base_url=f"{fake_api.api_url}/bot",
              base_file_url=f"{fake_api.api_url}/file/bot")
    async with bot:
        yield bot


@pytest.fixture
def chat(fake_api):
    user = FakeUser(fake_api, 4242, "Lena", "pl")
    user.account.started = True
    return user


async def test_get_me_and_send(tg, chat, fake_api):
    assert (await tg.get_me()).username == "bieb_test_bot"
    message = await tg.send_message(chat.id, "Cześć")
    assert message.text == "Cześć" and chat.last_text == "Cześć"
    assert [c.method for c in fake_api.calls][-1] == "sendMessage"


@pytest.mark.parametrize("text, error", [
    ("x" * 4097, "Message is too long"),
    ("", "Message text is empty"),
    ("   ", "Message text is empty"),
])
async def test_text_limits(tg, chat, text, error):
    with pytest.raises(BadRequest, match=error):
        await tg.send_message(chat.id, text)


async def test_text_at_the_limit_is_fine(tg, chat):
    await tg.send_message(chat.id, "x" * 4096)


@pytest.mark.parametrize("html", ["<b>open", "<blink>x</blink>", "a < b", "<b><i>x</b></i>",
                                  "&nbsp;"])
async def test_malformed_html(tg, chat, html):
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await tg.send_message(chat.id, html, parse_mode="HTML")


async def test_good_html_and_plain_brackets(tg, chat):
    await tg.send_message(chat.id, "<b>bold</b> &amp; <a href=\"https://x.nl\">link</a>",
                          parse_mode="HTML")
    await tg.send_message(chat.id, "a < b without parse mode")


async def test_button_data_over_64_bytes(tg, chat):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await tg.send_message(chat.id, "hi", reply_markup=markup)


async def test_unknown_chat_and_message(tg, chat):
    with pytest.raises(BadRequest, match="Chat not found"):
        await tg.send_message(777, "hello")
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await tg.edit_message_text("new", chat_id=chat.id, message_id=12345)


async def test_edit_unchanged_is_refused(tg, chat):
    message = await tg.send_message(chat.id, "same")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await tg.edit_message_text("same", chat_id=chat.id, message_id=message.message_id)


async def test_blocked_and_never_started(tg, fake_api, chat):
    chat.block()
    with pytest.raises(Forbidden, match="blocked"):
        await tg.send_message(chat.id, "hello")
    fake_api.add_user(5555, "Nobody")
    with pytest.raises(Forbidden, match="initiate"):
        await tg.send_message(5555, "hello")


async def test_injected_429_and_5xx(tg, chat, fake_api):
    fake_api.inject("429", methods={"sendMessage"}, times=1, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await tg.send_message(chat.id, "hi")
    retry = info.value.retry_after
    assert (retry.total_seconds() if hasattr(retry, "total_seconds") else retry) == 7
    fake_api.inject("502", methods={"sendMessage"}, times=1)
    with pytest.raises(Exception, match="Bad Gateway"):
        await tg.send_message(chat.id, "hi")
    await tg.send_message(chat.id, "third time lucky")
    assert chat.texts() == ["third time lucky"]


async def test_faults_for_one_chat_only(tg, chat, fake_api):
    other = FakeUser(fake_api, 4343, "Piet", "nl")
    other.account.started = True
    fault = fake_api.inject("502", methods={"sendMessage", "sendPhoto"}, chats={chat.id})
    with pytest.raises(Exception, match="Bad Gateway"):
        await tg.send_message(chat.id, "lost")
    with pytest.raises(Exception, match="Bad Gateway"):
        await tg.send_photo(chat.id, b"\x89PNG qr", filename="qr.png")
    await tg.send_message(other.id, "arrives")
    assert other.texts() == ["arrives"] and chat.texts() == [] and fault.injected == 2
    fake_api.clear_faults()
    await tg.send_message(chat.id, "now it works")
    assert chat.texts() == ["now it works"]


async def test_answer_unknown_callback_query(tg):
    with pytest.raises(BadRequest, match="Query is too old"):
        await tg.answer_callback_query("nope")


async def test_dropped_connections_and_slow_answers(tg, chat, fake_api):
    from telegram.error import NetworkError, TimedOut

    fake_api.inject("drop", methods={"sendMessage"}, times=1)
    with pytest.raises(NetworkError):
        await tg.send_message(chat.id, "lost")
    assert chat.texts() == []  # dropped before anything happened
    fake_api.inject("drop_after", methods={"sendMessage"}, times=1)
    with pytest.raises(NetworkError):
        await tg.send_message(chat.id, "delivered but unheard")
    assert chat.texts() == ["delivered but unheard"]
    fake_api.inject("slow", methods={"sendMessage"}, times=1, delay=1.0)
    with pytest.raises(TimedOut):
        await tg.send_message(chat.id, "too slow", read_timeout=0.2)


async def test_get_updates_waits_for_updates_and_confirms_offsets(tg, fake_api, chat):
    waiting = asyncio.create_task(tg.get_updates(timeout=5))
    await wait_until(lambda: fake_api.calls_to("getUpdates"))  # the server has the request
    assert not waiting.done()  # long polling holds it: the answer is the update sent next
    update_id = fake_api.push_update({"message": {
        "message_id": 1, "date": 0, "chat": chat.account.as_chat(),
        "from": chat.account.as_user(), "text": "hoi"}})
    updates = await asyncio.wait_for(waiting, 2)
    assert [u.update_id for u in updates] == [update_id]
    assert await tg.get_updates(offset=update_id + 1, timeout=0) == ()
    assert fake_api.is_confirmed(update_id)


def _text_update(chat, text: str) -> dict:
    return {"message": {"message_id": 1, "date": 0, "chat": chat.account.as_chat(),
                        "from": chat.account.as_user(), "text": text}}


async def test_updates_are_kept_until_a_higher_offset_confirms_them(tg, fake_api, chat):
    """Fetching confirms nothing: what the bot got but never confirmed comes again (after a
    crash, to the next process); an offset confirms and forgets everything below it."""
    first = fake_api.push_update(_text_update(chat, "een"))
    second = fake_api.push_update(_text_update(chat, "twee"))
    assert [u.update_id for u in await tg.get_updates(timeout=0)] == [first, second]
    assert [u.update_id for u in await tg.get_updates(timeout=0)] == [first, second]
    assert fake_api.deliveries == {first: 2, second: 2}
    assert [u.update_id for u in await tg.get_updates(offset=second, timeout=0)] == [second]
    assert fake_api.is_confirmed(first) and not fake_api.is_confirmed(second)
    assert [u["update_id"] for u in fake_api.pending()] == [second]
    assert await tg.get_updates(offset=second + 1, timeout=0) == ()
    assert fake_api.pending() == []
    third = fake_api.push_update(_text_update(chat, "drie"))
    fake_api.push_update(_text_update(chat, "vier"))
    assert len(await tg.get_updates(timeout=0, limit=1)) == 1
    assert [u.update_id for u in await tg.get_updates(offset=-1, timeout=0)] == [third + 1]
    assert fake_api.is_confirmed(third)


async def test_a_newer_get_updates_ends_the_waiting_one_with_409(tg, fake_api):
    from telegram.error import Conflict

    waiting = asyncio.create_task(tg.get_updates(timeout=5))
    await wait_until(lambda: fake_api.calls_to("getUpdates"))
    other = Bot(fake_api.token, base_url=f"{fake_api.api_url}/bot")  # a second process
    async with other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await asyncio.wait_for(waiting, 2)


async def test_webhook_posts_again_until_answered_2xx_in_time(fake_api, chat):
    """A webhook post that fails, is answered 500 or not at all in time is posted again; only
    a 2xx answer confirms the update."""
    from aiohttp import web

    answers = ["500", "hang", "200"]
    received: list[int] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((await request.json())["update_id"])
        answer = answers.pop(0) if answers else "200"
        if answer == "hang":
            await asyncio.sleep(2)
        return web.Response(status=500 if answer == "500" else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    fake_api.webhook_timeout = 0.5
    try:
        fake_api.webhook = {"url": f"http://127.0.0.1:{port}/hook", "secret_token": None}
        update_id = fake_api.push_update(_text_update(chat, "hallo"))
        await wait_until(lambda: fake_api.is_confirmed(update_id), timeout=10)
        assert received == [update_id] * 3
        assert fake_api.webhook_failures == 2 and fake_api.deliveries[update_id] == 3
    finally:
        fake_api.webhook = None
        await runner.cleanup()
