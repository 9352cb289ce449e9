"""The sandbox: the real bot against the fake Bot API, and a page with three phones.

The bot is the production application (same handlers, database code, outbox and jobs), built
by `bot.app.build_application` and talking HTTP to `sandbox.fakebot` as it would to Telegram,
on its own SQLite file. The page (`static/`) shows the consultant's, a nurse's and a parent's
chat; what a person does on the page becomes a Telegram update, and whatever the bot sends
reaches the page as a server-sent event.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import re
import struct
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.engine import make_url

from bot import masterkey
from bot.app import ALLOWED_UPDATES, build_application
from bot.config import Settings, load_settings
from bot.context import BotApp
from bot.i18n import LANGUAGES, is_rtl, language_name
from bot.intake import Poller
from sandbox import demo
from sandbox.fakebot import FakeBotApi, FakeUser
from sandbox.fakebot.server import Call
from storage.db import create_engine, create_session_factory, migrate

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
DATABASE_FILE = "sandbox.sqlite3"
NOTICE = ("A demo with made-up people: nothing here reaches Telegram or a real family. "
          "Start over at any time.")
DEMO_PHONE = "+31612345678"
MAX_TEXT = 4096
MAX_BODY = 64 * 1024
PHONES = (("consultant", demo.CONSULTANT, "Bertine · consultant"),
          ("nurse", demo.NURSE, "Anouk · youth nurse, GGD IJsselland"),
          ("parent", demo.PARENT, "Amina · parent"))
CHAT_METHODS = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup",
                          "deleteMessage", "sendPhoto", "sendDocument", "sendVoice",
                          "sendAudio", "copyMessage", "forwardMessage"})


class SandboxError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# ---- what the page shows ------------------------------------------------------------------
_LINK = re.compile(r"https?://[^\s<>\"']+")
_ALLOWED_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code",
                           "pre", "a", "tg-spoiler", "blockquote"})


class _TelegramHtml(HTMLParser):
    """Telegram's small HTML subset, kept; anything else escaped; links http(s) only."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            return
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if not href.startswith(("http://", "https://")):
                self.out.append("<a>")
                return
            self.out.append(f'<a href="{html.escape(href)}" target="_blank" rel="noopener">')
            return
        self.out.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in _ALLOWED_TAGS:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data))


_START_LINK = re.compile(r"^https://t\.me/[A-Za-z0-9_]+\?start=([A-Za-z0-9_-]{1,64})$")


def _link(url: str) -> str:
    """A link in a message. A link into the bot (the family link, an invite) opens it on the
    parent's phone, as tapping it in Telegram would; any other opens in a new tab."""
    start = _START_LINK.match(html.unescape(url))
    if start:
        return (f'<a href="/open?start={start.group(1)}" class="start-link" '
                f'title="open on the parent\'s phone">{url}</a>')
    return f'<a href="{url}" target="_blank" rel="noopener">{url}</a>'


def _linkify(escaped: str) -> str:
    return _LINK.sub(lambda m: _link(m.group(0)), escaped)


def message_html(text: str, parse_mode: str | None) -> str:
    """A message's text as safe HTML for the page."""
    if (parse_mode or "").upper() == "HTML":
        parser = _TelegramHtml()
        parser.feed(text)
        parser.close()
        return "".join(parser.out)
    return _linkify(html.escape(text))


def _buttons(message: dict[str, Any]) -> list[list[dict[str, Any]]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [[{"text": b.get("text", ""), "data": b.get("callback_data"), "url": b.get("url")}
             for b in row] for row in rows]


def _view(message: dict[str, Any]) -> dict[str, Any]:
    text = message.get("text") or message.get("caption") or ""
    photo = message.get("photo")
    document = message.get("document")
    contact = message.get("contact")
    voice = message.get("voice") or message.get("audio")
    from_bot = bool(message.get("from", {}).get("is_bot"))
    return {
        "id": message["message_id"],
        "from": "bot" if from_bot else "user",
        "html": message_html(text, message.get("parse_mode")),
        "buttons": _buttons(message),
        "photo": f"/api/files/{photo[-1]['file_id']}" if photo else None,
        "document": ({"name": document.get("file_name") or "file",
                      "url": f"/api/files/{document['file_id']}"} if document else None),
        "voice": bool(voice),
        # The bot's voice messages (an answer read aloud) play on the page; the parent's demo
        # voice note is no real sound.
        "audio": f"/api/files/{voice['file_id']}" if voice and from_bot else None,
        "contact": contact.get("phone_number") if contact else None,
        "sticker": bool(message.get("sticker")),
        "edited": "edit_date" in message,
        "date": message.get("date", 0),
    }


def _keyboard(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The reply keyboard the user sees now: the newest one the bot sent, unless removed (or
    a one-time keyboard that was used)."""
    for index in range(len(messages) - 1, -1, -1):
        markup = messages[index].get("reply_markup_sent") or {}
        if markup.get("remove_keyboard"):
            return None
        if "keyboard" in markup:
            used = any(not m.get("from", {}).get("is_bot") for m in messages[index + 1:])
            if markup.get("one_time_keyboard") and used:
                return None
            return {"rows": [[{"text": b if isinstance(b, str) else b.get("text", ""),
                               "request_contact": (not isinstance(b, str)
                                                   and bool(b.get("request_contact")))}
                              for b in row] for row in markup["keyboard"]]}
    return None


def _demo_png(width: int = 120, height: int = 90) -> bytes:
    """A small real PNG (a pale blue card) for the parent's demo photo."""
    row = b"\x00" + bytes((180, 205, 240)) * width
    raw = zlib.compress(row * height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + \
        chunk(b"IEND", b"")


# ---- the sandbox --------------------------------------------------------------------------
@dataclass
class Sandbox:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 0
    parent_language: str = "nl"
    fake: FakeBotApi = field(default_factory=lambda: FakeBotApi(bot_username="bieb_demo_bot"))
    application: BotApp | None = None
    poller: Poller | None = None
    users: dict[int, FakeUser] = field(default_factory=dict)
    clients: list[asyncio.Queue[str]] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    async def start(cls, data_dir: Path, host: str = "127.0.0.1", port: int = 0,
                    parent_language: str = "nl") -> Sandbox:
        if parent_language not in LANGUAGES:
            raise SandboxError(400, f"unknown language {parent_language!r}")
        sandbox = cls(Path(data_dir), host, port, parent_language)
        await sandbox._begin()
        return sandbox

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def database_path(self) -> Path:
        return self.data_dir / DATABASE_FILE

    async def _begin(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        await self.fake.start()
        self.fake.listeners.append(self._on_bot_call)
        await self._start_bot(fresh=not self.database_path.exists())
        app = web.Application(client_max_size=MAX_BODY, middlewares=[_json_errors])
        app.router.add_get("/", self._page)
        app.router.add_static("/static/", STATIC)
        app.router.add_get("/open", self._open_link)
        app.router.add_get("/api/phones", self._phones)
        app.router.add_get("/api/chats/{user_id}", self._chat)
        app.router.add_get("/api/events", self._events)
        app.router.add_get("/api/files/{file_id}", self._file)
        app.router.add_post("/api/chats/{user_id}/{action}", self._act)
        app.router.add_post("/api/reset", self._reset)
        # handler_cancellation: a closed tab ends its event stream at once (counted tabs).
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     shutdown_timeout=0.1, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None)  # the port chosen when port=0
        if sockets:
            self.port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        for queue in list(self.clients):
            queue.put_nowait("")  # ends the event streams
        if self._runner is not None:
            await self._runner.cleanup()
        await self._stop_bot()
        await self.fake.stop()

    # ---- the bot ------------------------------------------------------------------------
    def _settings(self) -> Settings:
        return load_settings(
            telegram_bot_token=self.fake.token,
            telegram_api_url=self.fake.api_url,
            database_url=f"sqlite+aiosqlite:///{self.database_path}",
            consultant_ids=[demo.CONSULTANT],
            webhook_url=None,
            reminders=False,  # no morning reminder bursts in a demo started after 08:30
            outbox_interval_seconds=0.5,
            # The demo's own master key, next to its database (made on the first start).
            master_key_file=self.database_path.with_name("sandbox-master.key"),
        )

    async def _start_bot(self, fresh: bool) -> None:
        settings = self._settings()
        if make_url(settings.database_url).database != str(self.database_path):
            raise SandboxError(500, "the sandbox only ever uses its own database file")
        await asyncio.to_thread(migrate, settings.database_url)
        masterkey.configure(settings)
        if fresh:
            engine = create_engine(settings.database_url)
            try:
                async with create_session_factory(engine)() as session, session.begin():
                    await demo.seed(session)
            finally:
                await engine.dispose()
        for person in demo.PEOPLE:
            language = self.parent_language if person.role == "parent" else person.language
            self.users[person.user_id] = FakeUser(self.fake, person.user_id, person.first_name,
                                                  language, settle=_no_wait)
            # Staff have talked to the bot before; the parent opens it on the page.
            self.fake.users[person.user_id].started = person.role != "parent"
        application = build_application(settings)
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        # Updates are confirmed to the fake Telegram only once handled, as in `bieb-bot run`.
        self.poller = Poller(application, ALLOWED_UPDATES, timeout=1)
        await self.poller.start()
        self.application = application
        for user_id in (demo.CONSULTANT, demo.NURSE):
            await self.users[user_id].send("/start")

    async def _stop_bot(self) -> None:
        application, self.application = self.application, None
        if application is None:
            return
        poller, self.poller = self.poller, None
        if poller is not None:
            await poller.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)

    def _delete_database(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.database_path}{suffix}").unlink(missing_ok=True)

    async def reset(self) -> None:
        """Start the demo over: a new database with the demo library, empty chats."""
        async with self._lock:
            await self._stop_bot()
            await asyncio.to_thread(self._delete_database)
            self.fake.reset()
            self.users.clear()
            await self._start_bot(fresh=True)
        self._broadcast({"type": "reset"})

    # ---- events ---------------------------------------------------------------------------
    def _broadcast(self, event: dict[str, Any]) -> None:
        line = json.dumps(event)
        for queue in list(self.clients):
            queue.put_nowait(line)

    def _on_bot_call(self, call: Call) -> None:
        """Whatever the bot did in a chat becomes an event for the page."""
        if call.method in CHAT_METHODS and str(call.params.get("chat_id", "")).isdigit():
            self._broadcast({"type": "chat", "user_id": int(call.params["chat_id"])})
        elif call.method == "answerCallbackQuery":
            user = str(call.params.get("callback_query_id", "")).split("-", 1)[0]
            text = call.params.get("text")
            if user.isdigit() and text:
                self._broadcast({"type": "toast", "user_id": int(user), "text": str(text)})

    # ---- HTTP: the page and what it reads ---------------------------------------------------
    async def _page(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    async def _open_link(self, request: web.Request) -> web.Response:
        """The parent taps a link into the bot (the family link the nurse passed on)."""
        payload = request.query.get("start", "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", payload) or self.application is None:
            raise SandboxError(400, "that is not a link into the bot")
        parent = self.users[demo.PARENT]
        await parent.send(f"/start {payload}")
        self._broadcast({"type": "chat", "user_id": parent.id})
        raise web.HTTPSeeOther("/#parent")

    async def _phones(self, request: web.Request) -> web.Response:
        phones = []
        for role, user_id, title in PHONES:
            account = self.fake.users.get(user_id)
            language = (account.language_code if account else None) or "nl"
            phones.append({"user_id": user_id, "role": role, "title": title,
                           "language": language, "rtl": is_rtl(language)})
        return web.json_response({
            "demo": True, "notice": NOTICE, "phones": phones,
            "languages": [{"code": code, "name": language_name(code), "rtl": is_rtl(code)}
                          for code in LANGUAGES]})

    def _user(self, request: web.Request) -> FakeUser:
        raw = request.match_info["user_id"]
        user = self.users.get(int(raw)) if raw.isdigit() else None
        if user is None or user.id not in {user_id for _, user_id, _ in PHONES}:
            raise SandboxError(404, "there is no such phone in the demo")
        return user

    async def _chat(self, request: web.Request) -> web.Response:
        user = self._user(request)
        messages = self.fake.messages.get(user.id, [])
        language = user.account.language_code or "nl"
        return web.json_response({
            "user_id": user.id, "language": language, "rtl": is_rtl(language),
            "started": user.account.started,
            "messages": [_view(m) for m in messages], "keyboard": _keyboard(messages)})

    async def _file(self, request: web.Request) -> web.Response:
        stored = self.fake.files.get(request.match_info["file_id"])
        if stored is None:
            raise SandboxError(404, "there is no such file")
        headers = {"Cache-Control": "no-store"}
        if stored.name:  # a document: download it under its own name
            headers["Content-Disposition"] = f'attachment; filename="{stored.name}"'
        content_type = ("image/png" if stored.content.startswith(b"\x89PNG")
                        else "audio/ogg" if stored.content.startswith(b"OggS")
                        else "text/csv" if (stored.name or "").endswith(".csv")
                        else "application/octet-stream")
        return web.Response(body=stored.content, content_type=content_type, headers=headers)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                               "Cache-Control": "no-store"})
        await response.prepare(request)
        queue: asyncio.Queue[str] = asyncio.Queue()
        self.clients.append(queue)
        self._broadcast({"type": "hello", "tabs": len(self.clients)})
        try:
            async for line in _lines(queue):
                await response.write(f"data: {line}\n\n".encode())
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.clients.remove(queue)
            self._broadcast({"type": "hello", "tabs": len(self.clients)})
        return response

    # ---- HTTP: what people do -------------------------------------------------------------
    async def _act(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await _json_body(request)
        action = ACTIONS.get(request.match_info["action"])
        if action is None:
            raise SandboxError(404, "unknown action; try send, press, contact, photo, voice "
                                    "or language")
        if self.application is None:
            raise SandboxError(409, "the demo is starting over; try again in a moment")
        await action(self, user, body)
        self._broadcast({"type": "chat", "user_id": user.id})
        return web.json_response({"ok": True})

    async def _reset(self, request: web.Request) -> web.Response:
        await _json_body(request)
        if self._lock.locked():
            raise SandboxError(409, "the demo is already starting over")
        await self.reset()
        return web.json_response({"ok": True})


async def _no_wait(update_id: int) -> None:
    """The page does not wait for the bot: its answers arrive as events."""


async def _lines(queue: asyncio.Queue[str]) -> AsyncIterator[str]:
    while True:
        try:
            line = await asyncio.wait_for(queue.get(), 15)
        except TimeoutError:
            yield json.dumps({"type": "ping"})  # keeps proxies and browsers from timing out
            continue
        if not line:
            return
        yield line


async def _json_body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SandboxError(400, "the request body is not valid JSON") from err
    if not isinstance(body, dict):
        raise SandboxError(400, "the request body must be a JSON object")
    return body


def _text(body: dict[str, Any], key: str, limit: int = MAX_TEXT) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise SandboxError(400, f"{key!r} must be a text of 1 to {limit} characters")
    return value


async def _send(sandbox: Sandbox, user: FakeUser, body: dict[str, Any]) -> None:
    await user.send(_text(body, "text"))


async def _press(sandbox: Sandbox, user: FakeUser, body: dict[str, Any]) -> None:
    message_id, data = body.get("message_id"), _text(body, "data", 64)
    for message in sandbox.fake.messages.get(user.id, []):
        if message.get("message_id") == message_id and any(
                b["data"] == data for row in _buttons(message) for b in row):
            await user.press_data(data, message)
            return
    raise SandboxError(400, "that message has no such button")


async def _contact(sandbox: Sandbox, user: FakeUser, body: dict[str, Any]) -> None:
    await user.share_contact(DEMO_PHONE)


async def _photo(sandbox: Sandbox, user: FakeUser, body: dict[str, Any]) -> None:
    await user.send_photo(_demo_png(), caption=body.get("caption") or None)


async def _voice(sandbox: Sandbox, user: FakeUser, body: dict[str, Any]) -> None:
    await user.send_voice(b"OggS demo voice note", duration=4)


async def _language(sandbox: Sandbox, user: FakeUser, body: dict[str, Any]) -> None:
    language = body.get("language")
    if user.id != demo.PARENT:
        raise SandboxError(400, "only the parent's Telegram language can be changed")
    if language not in LANGUAGES:
        raise SandboxError(400, f"language must be one of {', '.join(LANGUAGES)}")
    user.account.language_code = str(language)


ACTIONS: dict[str, Callable[[Sandbox, FakeUser, dict[str, Any]], Awaitable[None]]] = {
    "send": _send, "press": _press, "contact": _contact, "photo": _photo, "voice": _voice,
    "language": _language,
}


@web.middleware
async def _json_errors(request: web.Request,
                       handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                       ) -> web.StreamResponse:
    """Every error of the API as {"error": "..."} with its status; nothing changed."""
    try:
        return await handler(request)
    except SandboxError as err:
        return web.json_response({"error": err.message}, status=err.status)
    except web.HTTPException as err:
        if not request.path.startswith("/api/"):
            raise
        return web.json_response({"error": err.reason}, status=err.status)


async def serve(data_dir: Path, host: str, port: int, parent_language: str) -> None:
    """Run the sandbox until interrupted (the `sandbox` command)."""
    sandbox = await Sandbox.start(data_dir, host, port, parent_language)
    print(f"Sandbox: open {sandbox.url} — no Telegram needed; set TELEGRAM_BOT_TOKEN to run "
          "the real bot", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        with contextlib.suppress(Exception):
            await sandbox.stop()
