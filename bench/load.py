"""How much load the bot takes ("Fast on Monday morning"): many parents at once, against a fake
Bot API, compared with a bare python-telegram-bot echo bot on the same machine.

    .venv/bin/python bench/load.py            # or: make bench-load
    LOAD_USERS=1,50,200 LOAD_SECONDS=20 LOAD_WARMUP=5 LOAD_NO_LIMITER=1 LOAD_WEBHOOK=1
    LOAD_BROADCAST=1000 LOAD_BROADCAST_USERS=50

This process is the fake Bot API (a minimal aiohttp server: getMe, getUpdates with offsets,
sendMessage, editMessageText, answerCallbackQuery, setMyCommands ..., each answered with
minimal valid JSON and nothing checked) and the load driver: N simulated parents, each in its
own private chat, who type questions as parents do (tests/questions/*.toml, in their own
language), tap menu buttons (the reply keyboard the bot sent) and the inline buttons under
answers (👍, 👎, a village). Each parent waits for the bot's first reply, then until the bot
has been quiet in that chat for QUIET seconds (so late replies are not taken for the answer
to the next action), then acts again: a closed loop, no think time beyond that.

Each bot runs in its own process, on a fresh SQLite database, in turn at every level: the
bare echo bot (bench/echo_bot.py), `python main.py run` (long polling, the bot's rate limiter on),
the same with RATE_LIMITER=off (LOAD_NO_LIMITER=0: not), and `run --webhook` (LOAD_WEBHOOK=0:
not; the fake API posts each update to the bot's webhook, one post per update over at most 40
connections, Telegram's default max_connections, until the bot answers 2xx), and once more
with the production limiter (at the levels in LOAD_BROADCAST_USERS) while a broadcast of
LOAD_BROADCAST messages (0: not) to as many other chats goes out through the outbox (queued
before the bot starts, bench/broadcast.py): the parents' replies must not queue behind it.

Measured per bot and level, over LOAD_SECONDS after LOAD_WARMUP seconds:
  updates/s    updates answered in the window, per second
  p50/p95/p99  from the moment an update is available (getUpdates would return it, or its
               webhook post starts) to the bot's first reply in that chat (a message, an
               edit, or the answer to the button's callback query; typing actions do not count)
  CPU s/1000   user+system CPU seconds of the bot process per 1,000 answered updates
  peak RSS     the bot process's VmHWM (/proc) at the end of the phase
  no answer    updates pushed in the window without a reply after REPLY_TIMEOUT seconds (after
               the window the parents stop acting, and the updates still waiting are
               waited for, so the slowest count in the percentiles too)
The driver's own CPU (the fake API and the parents, one process) is shown as a share of one
core; near 100% the driver, not the bot, is the bottleneck, and the line says so.

LOAD_PROFILE=/tmp/load runs this bot under cProfile and writes /tmp/load-<bot>-<users>.prof
for each run (read with `python -m pstats`); the numbers of such a run are not comparable.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import random
import signal
import socket
import statistics
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TOKEN = "123456789:load-benchmark-token-not-secret"
BOT_ID = 123456789
BROADCAST_CHATS = 900_000_000  # the broadcast's chats: from this id on (parents: 100,000 on)
CONSULTANT_ID = 777000001  # configured, so that 👎 cases notify someone (through the outbox)
LANGUAGES = ("nl", "en", "ar", "tr", "pl", "uk", "fa", "so", "ti")
QUIET = 0.1  # seconds without a bot call in the chat before the parent acts again
REPLY_TIMEOUT = 30.0  # a parent gives up waiting after this long and acts again
# Left out: the contact flow (📞, 📱 share the number), the "ask" prompt, speech synthesis, and
# another language (the parent keeps their own).
SKIP_LABELS = ("📞", "📱", "❓", "🔊", "🌍")
WEBHOOK_CONNECTIONS = 40  # Telegram's default max_connections for a webhook
WEBHOOK_SECRET = "load-benchmark-secret-0123456789"
DRIVER_BUSY = 0.9  # the driver's CPU share of one core above which it is the bottleneck

MESSAGE_METHODS = {"sendMessage", "sendPhoto", "sendVoice", "sendDocument", "sendAudio",
                   "forwardMessage"}
EDIT_METHODS = {"editMessageText", "editMessageReplyMarkup", "editMessageCaption"}
NOT_A_REPLY = {"sendChatAction"}


def env_list(name: str, default: str) -> list[int]:
    return [int(x) for x in os.environ.get(name, default).split(",") if x.strip()]


def load_questions() -> dict[str, list[str]]:
    questions: dict[str, list[str]] = {}
    for language in LANGUAGES:
        raw = tomllib.loads((ROOT / "tests" / "questions" / f"{language}.toml")
                            .read_text(encoding="utf-8"))
        questions[language] = [q for entry in raw.values() for q in entry["questions"]]
    return questions


# ---- the fake Bot API -------------------------------------------------------------------------

class FakeApi:
    """Just enough of the Bot API for a bot under load; keeps only what the parents need."""

    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []  # updates not confirmed yet, ascending ids
        self.update_ids = itertools.count(1)
        self.changed = asyncio.Event()
        self.parents: dict[int, Parent] = {}
        self.queries: dict[str, Parent] = {}  # callback query id -> who pressed
        self.message_ids: dict[int, itertools.count[int]] = {}
        self.polled = asyncio.Event()  # the bot asked for updates (it is up)
        self.webhook: str | None = None
        self.webhook_set = asyncio.Event()
        self.http: ClientSession | None = None
        self.calls = 0
        self.url = ""
        self.broadcast_sent = 0  # messages to the broadcast's chats (bench/broadcast.py)

    def reset(self) -> None:
        self.pending.clear()
        self.parents.clear()
        self.queries.clear()
        self.message_ids.clear()
        self.polled.clear()
        self.webhook = None
        self.webhook_set.clear()

    def push(self, payload: dict[str, Any]) -> None:
        update = {"update_id": next(self.update_ids), **payload}
        if self.webhook is not None:
            asyncio.get_running_loop().create_task(self._post(update))
        else:
            self.pending.append(update)
            self.changed.set()

    async def _post(self, update: dict[str, Any]) -> None:
        """One post per update, tried again until the bot answers 2xx (as Telegram does)."""
        assert self.http is not None
        url = self.webhook
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        for _ in range(20):
            if url is None or self.webhook != url:  # the bot stopped: the run is over
                return
            try:
                async with self.http.post(url, json=update, headers=headers) as reply:
                    if reply.status < 300:
                        return
            except (OSError, TimeoutError):
                pass
            await asyncio.sleep(0.5)

    def message(self, chat_id: int, message_id: int | None, params: dict[str, Any]
                ) -> dict[str, Any]:
        if message_id is None:
            message_id = next(self.message_ids.setdefault(chat_id, itertools.count(1)))
        message: dict[str, Any] = {
            "message_id": message_id, "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Parent"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bieb"},
            "text": str(params.get("text") or params.get("caption") or "…"),
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    async def handle(self, request: web.Request) -> web.Response:
        self.calls += 1
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params: dict[str, Any] = await request.json()
        else:
            params = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        for key in ("reply_markup",):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        result = await self.answer(method, params)
        return web.json_response({"ok": True, "result": result})

    async def answer(self, method: str, params: dict[str, Any]) -> Any:  # noqa: PLR0911
        if method == "getUpdates":
            return await self.get_updates(params)
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Bieb",
                    "username": "bieb_load_bot", "can_join_groups": False,
                    "can_read_all_group_messages": False, "supports_inline_queries": False}
        if method == "setWebhook":
            self.webhook = str(params["url"])
            self.webhook_set.set()
            return True
        if method == "deleteWebhook":
            self.webhook = None
            return True
        if method == "getWebhookInfo":
            return {"url": self.webhook or "", "has_custom_certificate": False,
                    "pending_update_count": len(self.pending)}
        if method == "getMyCommands":
            return []
        chat_id = int(params["chat_id"]) if "chat_id" in params else None
        parent = self.parents.get(chat_id) if chat_id is not None else None
        if method == "answerCallbackQuery":
            parent = self.queries.pop(str(params.get("callback_query_id")), None)
        result: Any = True
        if chat_id is not None and method in MESSAGE_METHODS:
            result = self.message(chat_id, None, params)
            self.broadcast_sent += chat_id >= BROADCAST_CHATS
        elif chat_id is not None and method in EDIT_METHODS:
            result = self.message(chat_id, int(params["message_id"]), params)
        elif method == "copyMessage":
            result = {"message_id": 1}
        if parent is not None and method not in NOT_A_REPLY:
            parent.bot_said(params, result if isinstance(result, dict) else None,
                            edit=method in EDIT_METHODS)
        return result

    async def get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.polled.set()
        offset = int(params.get("offset") or 0)
        if offset:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        deadline = time.perf_counter() + float(params.get("timeout") or 0)
        while not self.pending:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)
        return self.pending[:limit]


# ---- the parents ------------------------------------------------------------------------------

@dataclass
class Phase:
    """What one bot did at one level."""

    start: float = float("inf")  # nothing is counted before the window starts (warm-up)
    end: float = float("inf")
    latencies: list[float] = field(default_factory=list)  # of updates pushed in the window
    answered: int = 0  # first replies that came in the window
    pushed: int = 0  # updates pushed in the window
    timeouts: int = 0

    def within(self, moment: float) -> bool:
        return self.start <= moment < self.end


class Parent:
    def __init__(self, api: FakeApi, user_id: int, language: str, questions: list[str],
                 phase: Phase, rng: random.Random) -> None:
        self.api = api
        self.id = user_id
        self.language = language
        self.questions = questions
        self.phase = phase
        self.rng = rng
        self.waiting_since: float | None = None
        self.replied = asyncio.Event()
        self.last_activity = 0.0
        self.buttons: tuple[dict[str, Any], list[dict[str, Any]]] | None = None  # message, row
        self.keyboard: list[str] = []
        self.queries = itertools.count(1)
        self.stopping = False
        api.parents[user_id] = self

    def user(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": "Parent",
                "language_code": self.language}

    def bot_said(self, params: dict[str, Any], message: dict[str, Any] | None, *,
                 edit: bool) -> None:
        now = time.perf_counter()
        self.last_activity = now
        if self.waiting_since is not None:
            if self.phase.within(self.waiting_since):
                self.phase.latencies.append(now - self.waiting_since)
            if self.phase.within(now):
                self.phase.answered += 1
            self.waiting_since = None
            self.replied.set()
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "keyboard" in markup:
            self.keyboard = [b if isinstance(b, str) else b["text"]
                             for row in markup["keyboard"] for b in row]
        if message is None:
            return
        buttons = [b for row in (markup or {}).get("inline_keyboard", []) for b in row
                   if "callback_data" in b and not any(s in b["text"] for s in SKIP_LABELS)]
        if buttons:
            self.buttons = (message, buttons)
        elif not edit or (self.buttons and self.buttons[0]["message_id"]
                          == message["message_id"]):
            self.buttons = None

    def _message(self, text: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.rng.randrange(1, 2**31), "date": int(time.time()),
            "from": self.user(), "chat": {"id": self.id, "type": "private",
                                          "first_name": "Parent"}, "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        return {"message": message}

    def next_action(self) -> dict[str, Any]:
        """Tap a button under the last answer (👍 mostly), or a menu button, or ask."""
        roll = self.rng.random()
        if self.buttons is not None and roll < 0.6:
            message, buttons = self.buttons
            by_label = {b["text"]: b for b in buttons}
            if "👍" in by_label:
                button = by_label["👍" if self.rng.random() < 0.8 else "👎"]
            elif buttons[0]["callback_data"].startswith("lang:"):
                button = buttons[0]  # the language picker offers Telegram's language first
            else:
                button = self.rng.choice(buttons)
            query_id = f"{self.id}-{next(self.queries)}"
            self.api.queries[query_id] = self
            return {"callback_query": {
                "id": query_id, "from": self.user(), "chat_instance": str(self.id),
                "message": message, "data": button["callback_data"]}}
        menu = [label for label in self.keyboard if not any(s in label for s in SKIP_LABELS)]
        if menu and roll < 0.8:
            return self._message(self.rng.choice(menu))
        return self._message(self.rng.choice(self.questions))

    async def act(self, update: dict[str, Any]) -> None:
        self.replied.clear()
        self.waiting_since = time.perf_counter()
        if self.phase.within(self.waiting_since):
            self.phase.pushed += 1
        self.api.push(update)
        try:
            await asyncio.wait_for(self.replied.wait(), REPLY_TIMEOUT)
        except TimeoutError:
            if self.phase.within(self.waiting_since or 0):
                self.phase.timeouts += 1
            self.waiting_since = None
            return
        # Until the chat was quiet for QUIET seconds (a later reply moves the end on).
        while (quiet := time.perf_counter() - self.last_activity) < QUIET:  # noqa: ASYNC110
            await asyncio.sleep(QUIET - quiet)

    async def run(self) -> None:
        await asyncio.sleep(self.rng.random())  # not all in the same millisecond
        await self.act(self._message("/start"))
        while not self.stopping:
            await self.act(self.next_action())


# ---- the bots ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bot:
    name: str
    args: tuple[str, ...]
    env: dict[str, str]
    webhook: bool = False
    broadcast: int = 0  # outbox messages queued before it starts (bench/broadcast.py)


def bots(webhook_port: int) -> list[Bot]:
    found = [Bot("bare echo bot", (str(ROOT / "bench" / "echo_bot.py"),), {}),
             Bot("bieb-bot", (str(ROOT / "main.py"), "run"), {})]
    if os.environ.get("LOAD_NO_LIMITER", "1") != "0":
        found.append(Bot("bieb-bot, no limiter", (str(ROOT / "main.py"), "run"),
                         {"RATE_LIMITER": "off"}))
    broadcast = int(os.environ.get("LOAD_BROADCAST", "1000"))
    if broadcast:
        found.append(Bot("bieb-bot, broadcast",
                         (str(ROOT / "main.py"), "run"), {}, broadcast=broadcast))
    if os.environ.get("LOAD_WEBHOOK", "1") != "0":
        found.append(Bot("bieb-bot, webhook", (str(ROOT / "main.py"), "run", "--webhook"), {
            "WEBHOOK_URL": f"http://127.0.0.1:{webhook_port}/telegram",
            "WEBHOOK_PORT": str(webhook_port), "WEBHOOK_SECRET": WEBHOOK_SECRET,
            "HEALTH_PORT": "0"}, webhook=True))
    return found


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Result:
    bot: str
    users: int
    updates_per_s: float
    p50: float
    p95: float
    p99: float
    cpu_per_1000: float
    bot_cpu_share: float  # of one core, in the window
    peak_rss_mb: float
    no_answer: int
    driver_cpu_share: float
    broadcast_per_s: float = 0.0  # broadcast messages sent a second during the phase


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def queue_broadcast(count: int, env: dict[str, str]) -> None:
    """`count` outbox messages in the bot's fresh database, before it starts."""
    queued = await asyncio.create_subprocess_exec(
        PYTHON, str(ROOT / "bench" / "broadcast.py"), str(count), str(BROADCAST_CHATS),
        cwd=ROOT, env=env)
    if await queued.wait():
        raise SystemExit("bench/broadcast.py could not queue the broadcast")


async def measure(api: FakeApi, bot: Bot, users: int, seconds: float, warmup: float,
                  questions: dict[str, list[str]], workdir: Path) -> Result:
    api.reset()
    folder = Path(tempfile.mkdtemp(prefix="load-", dir=workdir))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_", "TRANSLATION_"))}
    env.update({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.url,
                "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'bot.sqlite3'}",
                "MASTER_KEY_FILE": str(folder / "master.key"), "REMINDERS": "off",
                "CONSULTANT_IDS": str(CONSULTANT_ID), "PYTHONUNBUFFERED": "1", **bot.env})
    if bot.broadcast:
        await queue_broadcast(bot.broadcast, env)
    args = bot.args
    profile = os.environ.get("LOAD_PROFILE")
    if profile and bot.args[0].endswith("main.py"):  # this bot under cProfile (slower)
        slug = "".join(c if c.isalnum() else "-" for c in bot.name)
        args = ("-m", "cProfile", "-o", f"{profile}-{slug}-{users}.prof", *bot.args)
    with (folder / "bot.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(PYTHON, *args, cwd=ROOT, env=env,
                                                       stdout=log, stderr=log)
    try:
        ready = api.webhook_set if bot.webhook else api.polled
        try:
            await asyncio.wait_for(ready.wait(), 60)
        except TimeoutError:
            raise SystemExit(f"{bot.name} did not start; see {folder / 'bot.log'}") from None
        await asyncio.sleep(0.5)  # post_init's calls done
        phase = Phase()
        rng = random.Random(users)
        parents = [Parent(api, 100_000 + i, LANGUAGES[i % len(LANGUAGES)],
                          questions[LANGUAGES[i % len(LANGUAGES)]], phase, rng)
                   for i in range(users)]
        tasks = [asyncio.create_task(p.run()) for p in parents]
        await asyncio.sleep(warmup)
        phase.start = time.perf_counter()
        cpu_before, driver_before = cpu_seconds(process.pid), time.process_time()
        broadcast_before = api.broadcast_sent
        await asyncio.sleep(seconds)
        phase.end = time.perf_counter()
        broadcast_rate = (api.broadcast_sent - broadcast_before) / (phase.end - phase.start)
        cpu = cpu_seconds(process.pid) - cpu_before
        driver = time.process_time() - driver_before
        wall = phase.end - phase.start
        rss = peak_rss_mb(process.pid)
        # No new actions; the updates still waiting get their answer (their latency counts).
        for parent in parents:
            parent.stopping = True
        await asyncio.wait(tasks, timeout=REPLY_TIMEOUT + 5)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        no_answer = phase.timeouts
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
    lat = [x * 1000 for x in phase.latencies]
    return Result(bot.name, users, phase.answered / wall, percentile(lat, 50),
                  percentile(lat, 95), percentile(lat, 99),
                  cpu / max(phase.answered, 1) * 1000, cpu / wall, rss, no_answer,
                  driver / wall, broadcast_rate)


# ---- the report -------------------------------------------------------------------------------

HEADER = (f"{'':22} {'updates/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'CPU s/1000':>10} {'bot CPU':>7} {'peak RSS MB':>11} {'no answer':>9}")


def row(result: Result) -> str:
    return (f"{result.bot:22} {result.updates_per_s:9.1f} {result.p50:8.1f} {result.p95:8.1f} "
            f"{result.p99:8.1f} {result.cpu_per_1000:10.2f} {result.bot_cpu_share:7.0%} "
            f"{result.peak_rss_mb:11.1f} {result.no_answer:9}")


def ratio_row(name: str, this: Result, bare: Result) -> str:
    def r(a: float, b: float) -> str:
        return f"{a / b:.2f}x" if b else "–"
    return (f"{name:22} {r(this.updates_per_s, bare.updates_per_s):>9} "
            f"{r(this.p50, bare.p50):>8} {r(this.p95, bare.p95):>8} {r(this.p99, bare.p99):>8} "
            f"{r(this.cpu_per_1000, bare.cpu_per_1000):>10} {'':7} "
            f"{r(this.peak_rss_mb, bare.peak_rss_mb):>11}")


def report(users: int, results: list[Result], seconds: float, warmup: float) -> None:
    print(f"\n{users} user{'s' if users != 1 else ''} ({seconds:.0f} s measured after "
          f"{warmup:.0f} s warm-up)")
    print(HEADER)
    for result in results:
        print(row(result))
    bare = results[0]
    for result in results[1:]:
        print(ratio_row(f"÷ bare{result.bot.removeprefix('bieb-bot')}", result, bare))
    for result in results:
        if result.broadcast_per_s:
            print(f"  {result.bot}: a broadcast was going out at "
                  f"{result.broadcast_per_s:.1f} messages/s meanwhile; the parents' p95: "
                  f"{result.p95 / 1000:.2f} s (target: under 1 s at 50 users)")
    for result in results:
        busy = result.driver_cpu_share
        note = (" <- the driver is the bottleneck here" if busy >= DRIVER_BUSY
                else "")
        print(f"  driver CPU with {result.bot}: {busy:.0%} of a core{note}")
    sys.stdout.flush()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def describe_machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    return f"machine: {os.cpu_count()} CPUs, {model}; Python {sys.version.split()[0]}"


async def main(machine: str) -> int:
    levels = env_list("LOAD_USERS", "1,50,200")
    seconds = float(os.environ.get("LOAD_SECONDS", "20"))
    warmup = float(os.environ.get("LOAD_WARMUP", "5"))
    # The broadcast's target is at 50 users; one level keeps the run under ten minutes.
    broadcast_levels = env_list("LOAD_BROADCAST_USERS", "50")
    questions = load_questions()
    api = FakeApi()
    app = web.Application(client_max_size=50 * 2**20)
    app.router.add_post("/bot{token}/{method}", api.handle)
    app.router.add_get("/bot{token}/{method}", api.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    api.url = f"http://127.0.0.1:{port}"
    api.http = ClientSession(timeout=ClientTimeout(total=60),
                             connector=TCPConnector(limit=WEBHOOK_CONNECTIONS))
    print(machine)
    print(f"levels {levels}, {seconds:.0f} s per bot and level after {warmup:.0f} s warm-up; "
          f"fake Bot API and driver in this process (pid {os.getpid()})")
    all_results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as workdir:
        for users in levels:
            results = []
            for bot in bots(free_port()):
                if bot.broadcast and users not in broadcast_levels:
                    continue
                results.append(await measure(api, bot, users, seconds, warmup, questions,
                                             Path(workdir)))
            report(users, results, seconds, warmup)
            all_results.extend(results)
    await api.http.close()
    await runner.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(describe_machine())))
