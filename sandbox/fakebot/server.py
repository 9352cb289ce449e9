"""A fake Telegram Bot API server on 127.0.0.1, as strict as Telegram where it matters.

python-telegram-bot talks to it through its normal networking (`base_url`). Every call is
recorded; faults (429 with retry_after, 5xx, slow answers, dropped connections) can be
injected. Reusable outside the tests as an offline sandbox: nothing here imports pytest.

Like Telegram it keeps every update until the bot confirms it: `getUpdates` hands out the
pending updates from the offset on and forgets those below it (an update is confirmed by a
later call with a higher offset, never by being fetched), a newer `getUpdates` ends an older
one still waiting with 409, and a webhook post that fails or is not answered 2xx in time is
posted again until it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200

# Parameters that stay strings; every other form value is JSON-decoded like Telegram does.
STRING_PARAMS = {
    "text", "caption", "parse_mode", "callback_query_id", "url", "secret_token",
    "description", "short_description", "name", "title", "action", "language_code",
    "photo", "document", "voice", "file_id", "ip_address",
}
HTML_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}


NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message")


def _set_markup(message: dict[str, Any], markup: Any) -> dict[str, Any]:
    """Replace a stored message's inline keyboard; return the message as the API shows it."""
    if markup is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = markup
    return {k: v for k, v in message.items() if k != "reply_markup_sent"}


class ApiError(Exception):
    """An error answered in the Bot API's envelope."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _mode(params: dict[str, Any]) -> dict[str, str]:
    """The parse mode a text was sent with, kept on the message so the sandbox can render it
    (Telegram itself answers with entities instead)."""
    mode = params.get("parse_mode")
    return {"parse_mode": str(mode)} if mode else {}


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class Fault:
    """One kind of failure to inject.

    kind: "429" (Too Many Requests with retry_after), "500", "502", "503" (server errors),
    "slow" (answer after `delay` seconds), "drop" (close the connection before doing anything),
    "drop_after" (do the call, then close the connection: the client never hears it worked).
    `chats`: only calls for these chat ids (e.g. one user's sendMessage, not everyone's).
    """

    kind: str
    methods: frozenset[str] | None = None
    times: int | None = None  # inject this many times, then stop
    probability: float = 1.0
    retry_after: int = 1
    delay: float = 0.0
    injected: int = 0
    chats: frozenset[int] | None = None

    def applies(self, method: str, rng: random.Random, chat_id: object = None) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        if self.chats is not None and str(chat_id) not in {str(c) for c in self.chats}:
            return False
        if self.times is not None and self.injected >= self.times:
            return False
        return rng.random() < self.probability


@dataclass
class Call:
    """One request the bot made, with its decoded parameters and what it was answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    at: float
    status: int = 200
    fault: str | None = None


@dataclass
class UserAccount:
    id: int
    first_name: str
    language_code: str | None
    username: str | None = None
    started: bool = False  # has written to the bot; before that the bot may not write first
    blocked: bool = False  # has blocked the bot

    def as_user(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def as_chat(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class GroupChat:
    """A group, supergroup or channel the bot was added to (ids are negative)."""

    id: int
    title: str
    type: str = "group"  # group | supergroup | channel
    bot_member: bool = False  # the bot is in it (added, and has not left)

    def as_chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "title": self.title}


UPLOAD_NAMES = "__upload_names__"  # where _read_params keeps the uploaded files' names


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    path: str
    name: str | None = None  # the file name a document was sent with


def check_html(text: str) -> str:
    """Validate Telegram-style HTML; return the plain text that would be shown."""
    plain: list[str] = []
    stack: list[str] = []
    pos = 0
    token = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>|&(#x?[0-9a-fA-F]+|[a-z]+);|[<>&]")
    for match in token.finditer(text):
        plain.append(text[pos:match.start()])
        pos = match.end()
        whole = match.group(0)
        offset = len(text[: match.start()].encode("utf-8"))
        if whole in ("<", ">", "&"):
            if whole == "<":
                raise bad_request(
                    f"can't parse entities: Unsupported start tag \"\" at byte offset {offset}"
                )
            plain.append(whole)  # a bare > or & is accepted by Telegram
            continue
        if match.group(4) is not None:
            entity = match.group(4)
            named = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
            if entity.startswith("#"):
                plain.append("?")
            elif entity in named:
                plain.append(named[entity])
            else:
                raise bad_request(
                    f"can't parse entities: Unknown entity \"&{entity};\" at byte offset {offset}"
                )
            continue
        closing, tag = match.group(1), match.group(2).lower()
        if tag not in HTML_TAGS:
            raise bad_request(
                f"can't parse entities: Unsupported start tag \"{tag}\" at byte offset {offset}"
            )
        if closing:
            if not stack or stack[-1] != tag:
                raise bad_request(
                    f"can't parse entities: Unexpected end tag at byte offset {offset}"
                )
            stack.pop()
        else:
            stack.append(tag)
    plain.append(text[pos:])
    if stack:
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return "".join(plain)


def _check_inline_button(button: dict[str, Any]) -> None:
    if not str(button.get("text", "")).strip():
        raise bad_request("BUTTON_TEXT_EMPTY")
    data = button.get("callback_data")
    if data is not None and not (1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA):
        raise bad_request("BUTTON_DATA_INVALID")
    if data is None and not any(
        k in button for k in ("url", "switch_inline_query", "login_url", "web_app",
                              "copy_text", "pay", "callback_game",
                              "switch_inline_query_current_chat")
    ):
        raise bad_request("can't parse inline keyboard button: Text buttons are "
                          "unallowed in the inline keyboard")


def check_reply_markup(markup: Any) -> None:
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list):
            raise bad_request("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array")
        for row in rows:
            for button in row:
                _check_inline_button(button)
    elif "keyboard" in markup:
        for row in markup["keyboard"]:
            for button in row:
                text = button if isinstance(button, str) else button.get("text", "")
                if not str(text).strip():
                    raise bad_request("BUTTON_TEXT_EMPTY")


class FakeBotApi:
    """The fake server. `start()` binds 127.0.0.1 on a free port; `api_url` is its root."""

    def __init__(self, token: str = "123456789:TEST-fake-token-for-offline-use",
                 bot_username: str = "bieb_test_bot", seed: int = 1) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.users: dict[int, UserAccount] = {}
        self.groups: dict[int, GroupChat] = {}
        self.updates: list[dict[str, Any]] = []  # not yet confirmed (and some that are)
        self.confirmed_offset = 0  # every update below it is confirmed, and forgotten
        self.history: list[dict[str, Any]] = []  # every update, for redelivery
        # Deliver webhook updates to these addresses in turn (processes behind a proxy).
        self.webhook_spread: list[str] = []
        self._spread_turn = 0
        self.delivered_to: dict[str, int] = {}  # webhook address -> updates it accepted
        self.delivered: set[int] = set()
        # How often each update was handed to the bot (getUpdates or a webhook post): more
        # than once means it was delivered again, as it was not confirmed.
        self.deliveries: dict[int, int] = {}
        self.webhook_failures = 0  # webhook posts that failed or were not answered 2xx
        # Telegram gives up on an unanswered post after a while and posts it again later.
        self.webhook_timeout = 10.0
        self.webhook_retry_seconds = 0.2
        # Called with the update ids each time updates are handed to the bot (a getUpdates
        # answer, a webhook post about to be sent): tests use it to kill the bot right then.
        self.on_deliver: list[Callable[[list[int]], None]] = []
        self.messages: dict[int, list[dict[str, Any]]] = {}  # chat id -> every message
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.files: dict[str, StoredFile] = {}
        self.webhook: dict[str, Any] | None = None
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self._rng = random.Random(seed)
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._waiters: list[asyncio.Future[None]] = []  # woken when updates change
        self._poll_generation = 0  # a newer getUpdates ends the one waiting before it
        self._activity = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self.port: int | None = None
        self.listeners: list[Callable[[Call], None]] = []

    # ---- lifecycle -------------------------------------------------------------------
    async def start(self, port: int = 0) -> str:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.*}", self._download)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                    shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.api_url

    async def stop(self) -> None:
        if self._webhook_task:
            self._webhook_task.cancel()
        if self._runner:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        """Forget every user, chat, update and file (the sandbox's "start over"); the
        server keeps its address and token."""
        self.calls.clear()
        self.users.clear()
        self.groups.clear()
        self.updates.clear()
        self.history.clear()
        self.confirmed_offset = 0
        self.delivered.clear()
        self.deliveries.clear()
        self.webhook_failures = 0
        self.messages.clear()
        self.callback_queries.clear()
        self.files.clear()
        self.commands.clear()
        self._update_ids = itertools.count(1)
        self._message_ids.clear()
        self._file_ids = itertools.count(1)

    # ---- what tests and simulated users use --------------------------------------------
    def add_user(self, user_id: int, first_name: str = "Test",
                 language_code: str | None = None, username: str | None = None) -> UserAccount:
        account = self.users.get(user_id)
        if account is None:
            account = UserAccount(user_id, first_name, language_code, username)
            self.users[user_id] = account
        return account

    def add_group(self, chat_id: int, title: str = "Test group", kind: str = "group"
                  ) -> GroupChat:
        return self.groups.setdefault(chat_id, GroupChat(chat_id, title, kind))

    def next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def push_update(self, payload: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **payload}
        self.updates.append(update)
        self.history.append(update)
        self._changed()
        return update_id

    def redeliver_all(self) -> list[int]:
        """Telegram redelivers what it thinks was not confirmed (after a restart, a webhook
        timeout): here, every update ever sent, with its original id."""
        self.updates = [dict(u) for u in self.history]
        self.confirmed_offset = self.history[0]["update_id"] if self.history else 0
        self._changed()
        return [u["update_id"] for u in self.history]

    def pending(self) -> list[dict[str, Any]]:
        """The updates not confirmed yet, oldest first (what Telegram would still deliver)."""
        return [u for u in self.updates if u["update_id"] >= self.confirmed_offset]

    def _changed(self) -> None:
        """Wake whoever waits for updates (a long poll, the webhook delivery)."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
        if self.webhook and self._webhook_task is None:
            self._webhook_task = asyncio.create_task(self._deliver_webhooks())

    async def _wait_for_change(self, timeout: float) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter, max(timeout, 0))

    def _handed_out(self, update_ids: list[int]) -> None:
        for update_id in update_ids:
            self.deliveries[update_id] = self.deliveries.get(update_id, 0) + 1
        for listener in list(self.on_deliver):
            listener(update_ids)

    def record_user_message(self, chat_id: int, message: dict[str, Any]) -> None:
        self.messages.setdefault(chat_id, []).append(message)

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for m in self.messages.get(chat_id, []) if m.get("from", {}).get("is_bot")]

    def store_file(self, content: bytes, suffix: str, name: str | None = None) -> StoredFile:
        number = next(self._file_ids)
        stored = StoredFile(f"file-{number}", f"u{number}", content, f"files/{number}.{suffix}",
                            name)
        self.files[stored.file_id] = stored
        return stored

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.status == 200]

    def inject(self, kind: str, *, methods: set[str] | None = None, times: int | None = None,
               probability: float = 1.0, retry_after: int = 1, delay: float = 0.0,
               chats: set[int] | None = None) -> Fault:
        fault = Fault(kind, frozenset(methods) if methods else None, times, probability,
                      retry_after, delay, chats=frozenset(chats) if chats else None)
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    async def wait_for_activity(self, timeout: float) -> bool:
        self._activity.clear()
        try:
            await asyncio.wait_for(self._activity.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def is_confirmed(self, update_id: int) -> bool:
        return update_id < self.confirmed_offset

    # ---- HTTP ------------------------------------------------------------------------
    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        raw: dict[str, Any] = dict(request.query)
        names: dict[str, str] = {}  # multipart field -> the file name it was sent with
        if request.method == "POST":
            if request.content_type == "application/json":
                body = await request.json()
                return dict(body), files
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = value.file.read()
                    if value.filename:
                        names[key] = str(value.filename)
                else:
                    raw[key] = value
        for key, value in raw.items():
            if key in STRING_PARAMS or not isinstance(value, str):
                params[key] = value
            else:
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
        if names:
            params[UPLOAD_NAMES] = names
        return params, files

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        arrived = time.monotonic()  # before reading the body, as Telegram would count it
        params, files = await self._read_params(request)
        call = Call(method, params, files, arrived)
        self.calls.append(call)
        self._activity.set()
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            fault = self._pick_fault(method, params.get("chat_id"))
            drop_after = False
            if fault is not None:
                call.fault = fault.kind
                if fault.kind == "slow":
                    await asyncio.sleep(fault.delay)
                elif fault.kind == "drop":
                    call.status = 0
                    return self._drop(request)
                elif fault.kind == "drop_after":
                    drop_after = True
                elif fault.kind == "429":
                    raise ApiError(429, f"Too Many Requests: retry after {fault.retry_after}",
                                   {"retry_after": fault.retry_after})
                else:
                    code = int(fault.kind)
                    raise ApiError(code, {500: "Internal Server Error", 502: "Bad Gateway",
                                          503: "Service Unavailable"}.get(code, "Error"))
            handler = getattr(self, f"api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params, files)
            if drop_after:
                call.status = 0
                return self._drop(request)
            for listener in self.listeners:
                listener(call)
            return web.json_response({"ok": True, "result": result})
        except ApiError as err:
            call.status = err.code
            body: dict[str, Any] = {"ok": False, "error_code": err.code,
                                    "description": err.description}
            if err.parameters:
                body["parameters"] = err.parameters
            return web.json_response(body, status=err.code)

    def _drop(self, request: web.Request) -> web.StreamResponse:
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=499)

    async def _download(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.path == path:
                return web.Response(body=stored.content)
        return web.Response(status=404)

    def _pick_fault(self, method: str, chat_id: object = None) -> Fault | None:
        for fault in self.faults:
            if method in ("getUpdates", "getMe") and (fault.methods is None
                                                      or method not in fault.methods):
                continue  # faults target what the bot sends, unless these are named
            if fault.applies(method, self._rng, chat_id):
                fault.injected += 1
                return fault
        return None

    # ---- helpers for the API methods ----------------------------------------------------
    def _chat(self, params: dict[str, Any]) -> UserAccount | GroupChat:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise bad_request("chat_id is empty")
        try:
            chat_id = int(chat_id)
        except (TypeError, ValueError) as err:
            raise bad_request("chat not found") from err
        group = self.groups.get(chat_id)
        if group is not None:
            if not group.bot_member:
                raise ApiError(403, "Forbidden: bot is not a member of the group chat")
            return group
        account = self.users.get(chat_id)
        if account is None:
            raise bad_request("chat not found")
        if account.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not account.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return account

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Bieb",
                "username": self.bot_username}

    def _check_text(self, value: Any, parse_mode: str | None, limit: int, what: str) -> str:
        text = "" if value is None else str(value)
        plain = check_html(text) if (parse_mode or "").upper() == "HTML" else text
        if what == "text" and not plain.strip():
            raise bad_request("message text is empty")
        if len(plain) > limit:
            raise bad_request("message is too long" if what == "text"
                              else "message caption is too long")
        return text

    def _store_bot_message(self, account: UserAccount | GroupChat, extra: dict[str, Any],
                           markup: Any) -> dict[str, Any]:
        message = {
            "message_id": self.next_message_id(account.id),
            "from": self._bot_user(),
            "chat": account.as_chat(),
            "date": int(time.time()),
            **extra,
        }
        if markup is not None:
            message["reply_markup_sent"] = markup
            if "inline_keyboard" in markup:
                message["reply_markup"] = markup
        self.record_user_message(account.id, message)
        return {k: v for k, v in message.items() if k != "reply_markup_sent"}

    def _find_message(self, params: dict[str, Any]) -> dict[str, Any]:
        account = self._chat(params)
        message_id = params.get("message_id")
        for message in self.messages.get(account.id, []):
            if message["message_id"] == message_id:
                return message
        raise bad_request("message to edit not found")

    def _file_from(self, params: dict[str, Any], files: dict[str, bytes], name: str,
                   suffix: str) -> StoredFile:
        if name in files:
            return self.store_file(files[name], suffix, params.get(UPLOAD_NAMES, {}).get(name))
        value = params.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            key = value[len("attach://"):]
            if key in files:
                return self.store_file(files[key], suffix, params.get(UPLOAD_NAMES, {}).get(key))
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        raise bad_request(f"wrong file identifier/HTTP URL specified for {name}")

    # ---- the Bot API methods ----------------------------------------------------------
    async def api_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return {**self._bot_user(), "can_join_groups": False,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def api_logOut(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def api_close(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def api_getUpdates(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        """As Telegram: `offset` confirms every update below it (they are forgotten); the
        answer is the pending updates from there on, at most `limit`, waiting up to
        `timeout` seconds for one. Fetching confirms nothing. A negative offset keeps only
        that many of the newest. A newer call ends one still waiting with 409."""
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = float(params.get("timeout") or 0)
        if offset < 0:
            kept = self.pending()[offset:]
            offset = kept[0]["update_id"] if kept else self.confirmed_offset
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= self.confirmed_offset]
        self._poll_generation += 1
        generation = self._poll_generation
        self._changed()  # an older call still waiting ends now
        deadline = time.monotonic() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make "
                                    "sure that only one bot instance is running")
            pending = self.pending()
            if pending or time.monotonic() >= deadline:
                break
            await self._wait_for_change(deadline - time.monotonic())
        batch = pending[:limit]
        self.delivered.update(u["update_id"] for u in batch)
        if batch:
            self._handed_out([u["update_id"] for u in batch])
        return batch

    async def api_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        url = params.get("url") or ""
        if not url:
            self.webhook = None
            return True
        self.webhook = {"url": url, "secret_token": params.get("secret_token"),
                        "allowed_updates": params.get("allowed_updates"),
                        "max_connections": params.get("max_connections")}
        if params.get("drop_pending_updates"):
            self._drop_pending()
        self._changed()
        return True

    def _drop_pending(self) -> None:
        if self.updates:
            self.confirmed_offset = max(self.confirmed_offset, self.updates[-1]["update_id"] + 1)
        self.updates.clear()

    async def api_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._drop_pending()
        self._changed()
        return True

    async def api_getWebhookInfo(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self.pending())}

    async def api_setMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        commands = params.get("commands") or []
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise bad_request("BOT_COMMAND_INVALID")
        self.commands[str(params.get("language_code") or "")] = commands
        return True

    async def api_deleteMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.commands.pop(str(params.get("language_code") or ""), None)
        return True

    async def api_sendChatAction(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self._chat(params)
        return True

    async def api_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        account = self._chat(params)
        text = self._check_text(params.get("text"), params.get("parse_mode"), MAX_TEXT, "text")
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        return self._store_bot_message(account, {"text": text, **_mode(params)}, markup)

    async def api_editMessageText(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._find_message(params)
        text = self._check_text(params.get("text"), params.get("parse_mode"), MAX_TEXT, "text")
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise bad_request(NOT_MODIFIED)
        message["text"] = text
        message.pop("parse_mode", None)
        message.update(_mode(params))
        message["edit_date"] = int(time.time())
        return _set_markup(message, markup)

    async def api_editMessageReplyMarkup(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._find_message(params)
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        if message.get("reply_markup") == markup:
            raise bad_request(NOT_MODIFIED)
        return _set_markup(message, markup)

    async def api_deleteMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._find_message(params)
        self.messages[message["chat"]["id"]].remove(message)
        return True

    async def api_leaveChat(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self._chat(params)
        if not isinstance(chat, GroupChat):
            raise bad_request("chat member status can't be changed in private chats")
        chat.bot_member = False
        # As Telegram does: the bot hears of its own change of status.
        me = self._bot_user()
        self.push_update({"my_chat_member": {
            "chat": chat.as_chat(), "from": me, "date": int(time.time()),
            "old_chat_member": {"user": me, "status": "member"},
            "new_chat_member": {"user": me, "status": "left"}}})
        return True

    async def api_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        query = self.callback_queries.get(str(params.get("callback_query_id")))
        if query is None or query.get("answered"):
            raise bad_request("query is too old and response timeout expired or query ID is "
                              "invalid")
        text = params.get("text") or ""
        if len(text) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        query["answered"] = True
        query["answer"] = text
        return True

    async def api_sendPhoto(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        account = self._chat(params)
        caption = self._check_text(params.get("caption"), params.get("parse_mode"),
                                   MAX_CAPTION, "caption")
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        stored = self._file_from(params, files, "photo", "png")
        extra: dict[str, Any] = {"photo": [{"file_id": stored.file_id,
                                            "file_unique_id": stored.file_unique_id,
                                            "width": 512, "height": 512,
                                            "file_size": len(stored.content)}]}
        if caption:
            extra["caption"] = caption
            extra.update(_mode(params))
        return self._store_bot_message(account, extra, markup)

    async def api_sendDocument(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        account = self._chat(params)
        caption = self._check_text(params.get("caption"), params.get("parse_mode"),
                                   MAX_CAPTION, "caption")
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        stored = self._file_from(params, files, "document", "bin")
        extra: dict[str, Any] = {"document": {"file_id": stored.file_id,
                                              "file_unique_id": stored.file_unique_id,
                                              "file_size": len(stored.content)}}
        if stored.name:
            extra["document"]["file_name"] = stored.name
        if caption:
            extra["caption"] = caption
            extra.update(_mode(params))
        return self._store_bot_message(account, extra, markup)

    async def api_sendVoice(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        account = self._chat(params)
        stored = self._file_from(params, files, "voice", "ogg")
        extra = {"voice": {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                           "duration": 1}}
        if params.get("caption"):
            extra["caption"] = params["caption"]
        return self._store_bot_message(account, extra, params.get("reply_markup"))

    async def api_copyMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        account = self._chat(params)
        source = self._find_message({"chat_id": params.get("from_chat_id"),
                                     "message_id": params.get("message_id")})
        extra = {k: v for k, v in source.items()
                 if k in ("text", "photo", "voice", "document", "caption", "sticker")}
        message = self._store_bot_message(account, extra, params.get("reply_markup"))
        return {"message_id": message["message_id"]}

    async def api_forwardMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        account = self._chat(params)
        source = self._find_message({"chat_id": params.get("from_chat_id"),
                                     "message_id": params.get("message_id")})
        extra = {k: v for k, v in source.items()
                 if k in ("text", "photo", "voice", "document", "caption", "sticker")}
        return self._store_bot_message(account, extra, None)

    async def api_getFile(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.content), "file_path": stored.path}

    # ---- webhook delivery ---------------------------------------------------------------
    async def _deliver_webhooks(self) -> None:
        """Post pending updates to the webhook one at a time, oldest first; an update is
        confirmed only by a 2xx answer within `webhook_timeout`. A post that fails (refused,
        dropped, an error status, no answer in time) is posted again after a short wait."""
        async with ClientSession() as session:
            while True:
                if not self.webhook:
                    self._webhook_task = None
                    return
                pending = self.pending()
                if not pending:
                    await self._wait_for_change(0.5)
                    continue
                update = pending[0]
                headers = {}
                if self.webhook.get("secret_token"):
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
                target = self.webhook["url"]
                if self.webhook_spread:  # several bot processes behind one address
                    target = self.webhook_spread[self._spread_turn % len(self.webhook_spread)]
                    self._spread_turn += 1
                self._handed_out([update["update_id"]])
                try:
                    async with session.post(target, json=update, headers=headers,
                                            timeout=ClientTimeout(total=self.webhook_timeout)
                                            ) as response:
                        ok = 200 <= response.status < 300
                except Exception:
                    ok = False
                if ok:
                    self.delivered_to[target] = self.delivered_to.get(target, 0) + 1
                    self.delivered.add(update["update_id"])
                    self.confirmed_offset = max(self.confirmed_offset, update["update_id"] + 1)
                else:
                    self.webhook_failures += 1
                    await asyncio.sleep(self.webhook_retry_seconds)
