"""Nothing a person typed or tapped is lost when the bot dies, in polling and in webhook mode.

The fake Bot API keeps every update until the bot confirms it, as Telegram does (getUpdates'
offset; a webhook post answered 2xx). The bot runs as its own process and is killed with
SIGKILL at random moments, half of them just after updates were handed to it (the moment a
bot that confirms too early loses them), while parents type questions and tap 👍/👎 under the
answers. Afterwards every update the parents sent was handled exactly once: its id is
recorded, each typed question is stored once, each tap changed its answer; and Telegram holds
nothing unconfirmed. 3 kills per mode in `make test`, SOAK_KILLS / 2 in `make soak`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from sandbox.fakebot import FakeBotApi, FakeUser
from storage import crypto
from storage.db import create_engine, create_session_factory
from storage.models import ParentMessage, ProcessedUpdate
from tests.conftest import CONSULTANT_ID, TEST_MASTER_KEY
from tests.harness import wait_until
from tests.test_webhook import SECRET, free_port

ROOT = Path(__file__).resolve().parent.parent
KILLS = max(1, int(os.environ.get("SOAK_KILLS", "6")) // 2)  # per mode
PARENTS = [620_001, 620_002, 620_003, 620_004]


class BotProcess:
    """`bieb-bot run` (or `run --webhook`) as a process that can be killed and restarted."""

    def __init__(self, fake_api: FakeBotApi, database_url: str, log: Path, webhook: bool
                 ) -> None:
        self.fake_api = fake_api
        self.log = log
        self.webhook = webhook
        self.env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        self.env.update({
            "TELEGRAM_BOT_TOKEN": fake_api.token, "TELEGRAM_API_URL": fake_api.api_url,
            "DATABASE_URL": database_url, "CONSULTANT_IDS": str(CONSULTANT_ID),
            "OUTBOX_INTERVAL_SECONDS": "0.3", "OUTBOX_CHAT_INTERVAL_SECONDS": "0",
            "OUTBOX_CLAIM_SECONDS": "2", "REMINDERS": "off", "MASTER_KEY": TEST_MASTER_KEY})
        if webhook:
            port = free_port()
            self.env.update({"WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
                             "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(port),
                             "WEBHOOK_SECRET": SECRET, "HEALTH_PORT": "0"})
        self.process: asyncio.subprocess.Process | None = None
        self.kills = 0
        self.life = 0  # which process (1, 2, ...) is running
        self.handed: dict[int, set[int]] = {}  # update id -> the processes it was handed to
        fake_api.on_deliver.append(self._handed)

    def _handed(self, update_ids: list[int]) -> None:
        if self.process is None or self.process.returncode is not None:
            return  # a dead process's long poll, still open at the fake, reaches nobody
        for update_id in update_ids:
            self.handed.setdefault(update_id, set()).add(self.life)

    @property
    def redelivered(self) -> set[int]:
        """Updates handed to a process that was killed before it confirmed them, and handed
        again to the next."""
        return {u for u, lives in self.handed.items() if len(lives) > 1}

    def _ready_calls(self) -> int:
        method = "setWebhook" if self.webhook else "getUpdates"
        return sum(1 for call in self.fake_api.calls if call.method == method)

    async def start(self) -> None:
        before = self._ready_calls()
        self.life += 1
        args = ["main.py", "run", *(["--webhook"] if self.webhook else [])]
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, *args, cwd=ROOT, env=self.env,
                stdout=asyncio.subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 60
        while self._ready_calls() == before:  # ready when it polls, or set its webhook
            assert self.process.returncode is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the bot did not start"
            await asyncio.sleep(0.05)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.kills += 1

    async def stop(self) -> int | None:
        """SIGTERM, as systemd stops it; its exit status."""
        if self.process is None or self.process.returncode is not None:
            return None
        self.process.terminate()
        return await asyncio.wait_for(self.process.wait(), 30)


@dataclass
class Ledger:
    """What the parents sent: every update id, each question's marker, each tap."""

    questions: dict[int, str] = field(default_factory=dict)  # update id -> marker
    taps: dict[int, tuple[int, int, str]] = field(default_factory=dict)  # -> user, id, answer

    @property
    def update_ids(self) -> set[int]:
        return set(self.questions) | set(self.taps)


def _answers(user: FakeUser) -> list[tuple[int, dict]]:
    """The answers with 👍/👎 still on them: (question id, message)."""
    found = []
    for message in user.inbox:
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                data = str(button.get("callback_data", ""))
                if data.startswith("faq:yes:"):
                    found.append((int(data.rsplit(":", 1)[1]), message))
    return found


async def parent(fake_api: FakeBotApi, user_id: int, ledger: Ledger, stop: asyncio.Event,
                 rng: random.Random) -> None:
    """Type a question every moment, answered or not (they pile up while the bot is down),
    and tap 👍 or 👎 under each answer that has come."""
    sent: list[int] = []

    async def remember(update_id: int) -> None:
        sent.append(update_id)

    user = FakeUser(fake_api, user_id, "Parent", "en", settle=remember)
    tapped: set[int] = set()

    async def tap_answers() -> None:
        for question_id, message in _answers(user):
            if question_id not in tapped:
                answer = rng.choice(("yes", "no"))
                tapped.add(question_id)
                await user.press_data(f"faq:{answer}:{question_id}", message)
                ledger.taps[sent[-1]] = (user_id, question_id, answer)

    number = 0
    while not stop.is_set():
        number += 1
        marker = f"q{user_id}-{number}"
        await user.send(f"when is the library open on saturday? {marker}")
        ledger.questions[sent[-1]] = marker
        await tap_answers()
        await asyncio.sleep(rng.uniform(0.2, 1.0))
    # The bot runs undisturbed now: the answers still on their way, tapped too.
    with contextlib.suppress(AssertionError):  # (an answer lost is counted at the end)
        await wait_until(lambda: not fake_api.pending(), timeout=60)
        await wait_until(lambda: len(_answers_seen(fake_api, user_id)) >= number, timeout=5)
    await tap_answers()


async def killer(bot: BotProcess, fake_api: FakeBotApi, rng: random.Random) -> None:
    """Kill the bot at random moments, half of them right after updates were handed to it,
    and start it again (after a pause, so updates pile up into a batch)."""
    handed = asyncio.Event()
    fake_api.on_deliver.append(lambda update_ids: handed.set())
    while bot.kills < KILLS:
        await asyncio.sleep(rng.uniform(0.5, 2.0))
        if rng.random() < 0.5:
            handed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(handed.wait(), 10)
            await asyncio.sleep(rng.uniform(0, 0.05))
        await bot.kill()
        await asyncio.sleep(rng.uniform(0, 1.0))
        await bot.start()


async def _stored(database_url: str) -> tuple[set[int], list[ParentMessage]]:
    crypto.configure([TEST_MASTER_KEY.encode()])  # questions are sealed
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            handled = set(await session.scalars(select(ProcessedUpdate.update_id)))
            questions = list(await session.scalars(
                select(ParentMessage).where(ParentMessage.direction == "in")))
    finally:
        await engine.dispose()
    return handled, questions


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_sigkill_loses_no_update_and_doubles_none(mode, fake_api, database_url, tmp_path,
                                                        figures):
    rng = random.Random(f"acknowledge-{mode}")
    consultant = FakeUser(fake_api, CONSULTANT_ID, "Bertine", "nl")
    consultant.account.started = True  # 👎 passes a question on to her
    bot = BotProcess(fake_api, database_url, tmp_path / "bot.log", webhook=mode == "webhook")
    ledger = Ledger()
    stop = asyncio.Event()
    await bot.start()
    started = time.monotonic()
    try:
        parents = [asyncio.create_task(parent(fake_api, user_id, ledger, stop,
                                              random.Random(rng.random())))
                   for user_id in PARENTS]
        await killer(bot, fake_api, rng)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*parents), 120)
        # Undisturbed now: Telegram hears of every update, once it is handled.
        deadline = time.monotonic() + 120
        while fake_api.pending():
            assert time.monotonic() < deadline, (
                f"{len(fake_api.pending())} updates never confirmed\n"
                + bot.log.read_text()[-3000:])
            await asyncio.sleep(0.1)
        status = await bot.stop()
    finally:
        await bot.stop()
    handled, stored = await _stored(database_url)
    lost = sorted(ledger.update_ids - handled)
    markers = Counter(m.text.rsplit(" ", 1)[-1] for m in stored if m.text)
    typed = set(ledger.questions.values())
    missing = sorted(typed - set(markers))
    doubled = sorted(marker for marker, count in markers.items() if count > 1)
    by_id = {m.id: m for m in stored}
    untapped = [(question, answer) for _user, question, answer in ledger.taps.values()
                if by_id[question].helpful is not (answer == "yes")
                or (answer == "no" and by_id[question].case_id is None)]
    redelivered = len(bot.redelivered & ledger.update_ids)
    answered = sum(len(_answers_seen(fake_api, user_id)) for user_id in PARENTS)
    taps_answered = sum(1 for query in fake_api.callback_queries.values() if query["answered"])
    assert status == 0, "the bot did not stop cleanly on SIGTERM"
    assert not lost, f"{len(lost)} updates never handled: {lost[:10]}"
    assert not missing, f"{len(missing)} typed questions lost: {missing[:10]}"
    assert not doubled, f"{len(doubled)} questions stored twice: {doubled[:10]}"
    assert not untapped, f"{len(untapped)} taps without their effect: {untapped[:10]}"
    assert len(typed) == len(ledger.questions)  # (every marker sent once)
    figures(f"[acknowledge {mode}] {bot.kills} SIGKILLs in {time.monotonic() - started:.0f}s; "
            f"{len(ledger.questions)} questions typed and {len(ledger.taps)} taps sent: "
            f"{len(ledger.update_ids) - len(lost)} handled, {len(lost)} lost, "
            f"{len(doubled)} stored twice; {redelivered} delivered again to the next process "
            f"after a kill; answers seen for {answered} of {len(ledger.questions)} questions "
            f"and {taps_answered} of {len(ledger.taps)} taps (the rest died between the "
            f"commit and the reply: the effect is there)")


def _answers_seen(fake_api: FakeBotApi, user_id: int) -> list[dict]:
    """The bot's answers to questions (with or without their buttons by now)."""
    return [m for m in fake_api.bot_messages(user_id) if "Did this help?" in (m.get("text") or "")]
