"""The sandbox's own API, as the page uses it: the real bot behind it, events for every
change, bad requests refused without a change, its own database only."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import soundfile

from sandbox import demo
from sandbox.server import Sandbox, message_html

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def sandbox(tmp_path: Path):
    running = await Sandbox.start(tmp_path / "data", parent_language="ar")
    yield running
    await running.stop()


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


async def get(http: aiohttp.ClientSession, sandbox: Sandbox, path: str) -> Any:
    async with http.get(sandbox.url + path) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def post(http: aiohttp.ClientSession, sandbox: Sandbox, path: str, body: Any = None,
               *, raw: str | None = None) -> tuple[int, dict[str, Any]]:
    data = raw if raw is not None else json.dumps(body or {})
    async with http.post(sandbox.url + path, data=data) as response:
        return response.status, await response.json()


async def chat_until(http, sandbox, user_id, predicate, timeout=10.0) -> dict[str, Any]:
    """The chat as the page reads it, once it shows what the predicate wants."""
    async with asyncio.timeout(timeout):
        while True:
            chat = await get(http, sandbox, f"/api/chats/{user_id}")
            if predicate(chat):
                return chat
            await asyncio.sleep(0.05)


def texts(chat: dict[str, Any]) -> str:
    return "\n".join(m["html"] for m in chat["messages"])


async def test_the_demo_library_is_there_and_the_staff_phones_have_something_to_show(
        sandbox, http):
    phones = await get(http, sandbox, "/api/phones")
    assert [p["role"] for p in phones["phones"]] == ["consultant", "nurse", "parent"]
    assert "made-up people" in phones["notice"]
    assert {lang["code"] for lang in phones["languages"] if lang["rtl"]} == {"ar", "fa"}
    consultant = await chat_until(http, sandbox, demo.CONSULTANT,
                                  lambda c: texts(c).count("Nieuwe verwijzing") == 3)
    assert "Hallo Bertine" in texts(consultant)
    nurse = await chat_until(http, sandbox, demo.NURSE, lambda c: "afgesloten" in texts(c))
    assert "GGD IJsselland" in texts(nurse)
    parent = await get(http, sandbox, f"/api/chats/{demo.PARENT}")
    assert parent["messages"] == [] and not parent["started"] and parent["rtl"]


async def test_a_pressed_button_reaches_the_bot_and_the_page_hears_of_it(sandbox, http):
    consultant = await chat_until(http, sandbox, demo.CONSULTANT,
                                  lambda c: "case:take:1" in json.dumps(c))
    notification = next(m for m in consultant["messages"]
                        if any(b["data"] == "case:take:1" for row in m["buttons"] for b in row))
    async with http.get(sandbox.url + "/api/events") as events:
        status, _ = await post(http, sandbox, f"/api/chats/{demo.CONSULTANT}/press",
                               {"message_id": notification["id"], "data": "case:take:1"})
        assert status == 200
        seen: list[dict[str, Any]] = []
        async with asyncio.timeout(10):
            async for line in events.content:
                if line.startswith(b"data: "):
                    seen.append(json.loads(line[6:]))
                if any(e["type"] == "toast" and "2026-0001" in e["text"] for e in seen) and any(
                        e == {"type": "chat", "user_id": demo.NURSE} for e in seen):
                    break
    nurse = await chat_until(http, sandbox, demo.NURSE, lambda c: "2026-0001 opgepakt" in
                             texts(c))
    assert nurse["messages"][-1]["from"] == "bot"


async def test_the_parent_shares_a_number_and_sends_a_photo(sandbox, http):
    assert (await post(http, sandbox, f"/api/chats/{demo.PARENT}/send", {"text": "/start"}))[0] \
        == 200
    chat = await chat_until(http, sandbox, demo.PARENT, lambda c: c["messages"][-1]["buttons"])
    assert chat["started"] and chat["messages"][-1]["buttons"][0][0]["text"] == "العربية"
    await post(http, sandbox, f"/api/chats/{demo.PARENT}/press",
               {"message_id": chat["messages"][-1]["id"], "data": "lang:set:ar"})
    chat = await chat_until(http, sandbox, demo.PARENT, lambda c: c["keyboard"] is not None)
    assert len(chat["keyboard"]["rows"]) == 4
    await post(http, sandbox, f"/api/chats/{demo.PARENT}/photo")
    chat = await chat_until(http, sandbox, demo.PARENT,
                            lambda c: any(m["photo"] for m in c["messages"])
                            and c["messages"][-1]["from"] == "bot")
    photo = next(m["photo"] for m in chat["messages"] if m["photo"])
    async with http.get(sandbox.url + photo) as response:
        assert response.content_type == "image/png"
        assert (await response.read()).startswith(b"\x89PNG")
    consultant = await chat_until(http, sandbox, demo.CONSULTANT,
                                  lambda c: any(m["photo"] for m in c["messages"]))
    assert consultant["messages"][-1]["photo"]


async def test_the_parent_hears_an_answer_on_the_page(sandbox, http):
    await post(http, sandbox, f"/api/chats/{demo.PARENT}/send", {"text": "/start"})
    chat = await chat_until(http, sandbox, demo.PARENT, lambda c: c["messages"][-1]["buttons"])
    await post(http, sandbox, f"/api/chats/{demo.PARENT}/press",
               {"message_id": chat["messages"][-1]["id"], "data": "lang:set:ar"})
    chat = await chat_until(http, sandbox, demo.PARENT, lambda c: c["keyboard"] is not None)
    boekstart = chat["keyboard"]["rows"][0][1]["text"]
    await post(http, sandbox, f"/api/chats/{demo.PARENT}/send", {"text": boekstart})
    chat = await chat_until(http, sandbox, demo.PARENT,
                            lambda c: c["messages"][-1]["buttons"] == [[
                                {"text": "🔊", "data": "voice:boekstart:ar", "url": None}]])
    await post(http, sandbox, f"/api/chats/{demo.PARENT}/press",
               {"message_id": chat["messages"][-1]["id"], "data": "voice:boekstart:ar"})
    chat = await chat_until(http, sandbox, demo.PARENT, lambda c: c["messages"][-1]["audio"])
    async with http.get(sandbox.url + chat["messages"][-1]["audio"]) as response:
        assert response.content_type == "audio/ogg"
        info = soundfile.info(io.BytesIO(await response.read()))
    assert (info.format, info.subtype) == ("OGG", "OPUS") and info.duration > 3


BAD_REQUESTS = (
    (f"/api/chats/{demo.CONSULTANT}/send", "{not json", 400),
    (f"/api/chats/{demo.CONSULTANT}/send", '["a list"]', 400),
    (f"/api/chats/{demo.CONSULTANT}/send", '{"text": ""}', 400),
    (f"/api/chats/{demo.CONSULTANT}/send", json.dumps({"text": "x" * 5000}), 400),
    (f"/api/chats/{demo.CONSULTANT}/press", '{"message_id": 1, "data": "case:take:1"}', 400),
    (f"/api/chats/{demo.CONSULTANT}/language", '{"language": "ar"}', 400),
    (f"/api/chats/{demo.PARENT}/language", '{"language": "xx"}', 400),
    (f"/api/chats/{demo.CONSULTANT}/explode", "{}", 404),
    ("/api/chats/123/send", '{"text": "hi"}', 404),
    (f"/api/chats/{demo.WELFARE_WORKER}/send", '{"text": "hi"}', 404),
)


async def test_bad_requests_get_a_clear_error_and_change_nothing(sandbox, http):
    await chat_until(http, sandbox, demo.CONSULTANT,
                     lambda c: texts(c).count("Nieuwe verwijzing") == 3)  # the demo settled
    before = {p: await get(http, sandbox, f"/api/chats/{p}")
              for p in (demo.CONSULTANT, demo.PARENT)}
    updates = len(sandbox.fake.history)
    for path, body, status in BAD_REQUESTS:
        answer_status, answer = await post(http, sandbox, path, raw=body)
        assert (answer_status, bool(answer.get("error"))) == (status, True), (path, body)
    assert len(sandbox.fake.history) == updates  # nothing reached the bot
    for user_id, chat in before.items():
        assert (await get(http, sandbox, f"/api/chats/{user_id}"))["messages"] == \
            chat["messages"]
    async with http.get(sandbox.url + "/api/reset") as response:  # a GET changes nothing
        assert response.status == 405 and (await response.json())["error"]


async def test_start_over_gives_a_fresh_demo(sandbox, http):
    await post(http, sandbox, f"/api/chats/{demo.CONSULTANT}/send", {"text": "/invite Test"})
    await chat_until(http, sandbox, demo.CONSULTANT, lambda c: any(m["photo"]
                                                                   for m in c["messages"]))
    assert (await post(http, sandbox, "/api/reset"))[0] == 200
    consultant = await chat_until(http, sandbox, demo.CONSULTANT,
                                  lambda c: texts(c).count("Nieuwe verwijzing") == 3)
    assert "Test" not in texts(consultant)
    assert not any(m["photo"] for m in consultant["messages"])


def test_without_a_token_the_command_starts_the_sandbox_on_its_own_database(tmp_path):
    production = tmp_path / "bot.sqlite3"
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update(DATABASE_URL=f"sqlite+aiosqlite:///{production}", SANDBOX_PORT="0",
               PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, str(ROOT / "main.py")], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Sandbox: open http://127.0.0.1:")
        assert "no Telegram needed" in line
        assert (tmp_path / "data" / "sandbox.sqlite3").exists()
        assert not production.exists()
    finally:
        process.terminate()
        process.wait(timeout=20)


async def test_a_link_into_the_bot_opens_on_the_parents_phone(sandbox, http):
    rendered = message_html("Geef het gezin deze link:\nhttps://t.me/bieb_demo_bot?start=f_abc",
                            None)
    assert '<a href="/open?start=f_abc"' in rendered
    assert '<a href="https://example.org/x" target="_blank"' in message_html(
        "https://example.org/x", None)
    assert message_html("<b>vet</b> <script>x</script>", "HTML") == "<b>vet</b> x"
    async with http.get(sandbox.url + "/open?start=f_made_up", allow_redirects=False) as answer:
        assert answer.status == 303
    chat = await chat_until(http, sandbox, demo.PARENT,
                            lambda c: c["messages"] and c["messages"][-1]["from"] == "bot")
    assert chat["messages"][0]["html"] == "/start f_made_up"
    assert "رابط" in texts(chat)  # "this link is not valid", in the parent's Arabic
    async with http.get(sandbox.url + "/open?start=<script>") as answer:
        assert answer.status == 400
