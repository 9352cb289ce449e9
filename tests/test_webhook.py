"""Webhook mode: the secret token is checked, and two bot processes on one PostgreSQL
database share the work without losing or doubling anything."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from sandbox.fakebot import FakeBotApi, FakeUser
from storage import crypto
from storage.db import create_engine, create_session_factory
from storage.models import Case, CaseEvent, Consultant, Partner, ProcessedUpdate
from tests.conftest import CONSULTANT_ID, TEST_MASTER_KEY
from tests.harness import PROCESS_START_SECONDS, wait_until

ROOT = Path(__file__).resolve().parent.parent
SECRET = "a-webhook-secret-for-tests-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def start_process(fake_api: FakeBotApi, database_url: str, port: int,
                        consultants: str = str(CONSULTANT_ID)) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update({"TELEGRAM_BOT_TOKEN": fake_api.token, "TELEGRAM_API_URL": fake_api.api_url,
                "DATABASE_URL": database_url, "CONSULTANT_IDS": consultants,
                "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
                "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(port),
                "WEBHOOK_SECRET": SECRET, "OUTBOX_INTERVAL_SECONDS": "0.3",
                "OUTBOX_CHAT_INTERVAL_SECONDS": "0", "REMINDERS": "off",
                "MASTER_KEY": TEST_MASTER_KEY})
    return await asyncio.create_subprocess_exec(
        sys.executable, "main.py", "run", "--webhook", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


async def stop(*processes: asyncio.subprocess.Process) -> None:
    for process in processes:
        if process.returncode is None:
            process.terminate()
    for process in processes:
        await asyncio.wait_for(process.wait(), 20)


def shows(user: FakeUser, expected: str) -> bool:
    """Whether a message in the chat shows `expected` in its text or on a button (edits count:
    the fake server edits its stored messages in place)."""
    return any(expected in (m.get("text") or m.get("caption") or "")
               or any(expected in label for label in user.buttons(m)) for m in user.inbox)


async def answered(user: FakeUser, action, expected: str) -> str:
    """Do something and wait until the bot's answer (over the webhook, from either process)
    shows `expected`; the newest text that shows it."""
    await action
    await wait_until(lambda: shows(user, expected), timeout=20)
    return next((t for t in reversed(user.texts()) if expected in t), "")


async def test_webhook_answers_and_refuses_a_wrong_secret(fake_api, tmp_path):
    database_url = f"sqlite+aiosqlite:///{tmp_path}/webhook.sqlite3"
    port = free_port()
    process = await start_process(fake_api, database_url, port)
    try:
        await wait_until(lambda: fake_api.webhook is not None, timeout=PROCESS_START_SECONDS)
        assert fake_api.webhook["secret_token"] == SECRET
        user = FakeUser(fake_api, 4242, "Amal", "ar")
        await answered(user, user.send("/start"), "مرحبا")
        forged = {"update_id": 999_999, "message": {
            "message_id": 7, "date": 0, "text": "/start",
            "from": {"id": 4343, "is_bot": False, "first_name": "Eve"},
            "chat": {"id": 4343, "type": "private"}}}
        url = f"http://127.0.0.1:{port}/telegram"
        async with aiohttp.ClientSession() as session:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong-secret"}):
                async with session.post(url, json=forged, headers=headers) as response:
                    assert response.status == 403
        # An update with the right secret, sent after the forged ones, is answered; the
        # forged sender heard nothing.
        later = FakeUser(fake_api, 4444, "Bilal", "ar")
        await answered(later, later.send("/start"), "مرحبا")
        assert fake_api.bot_messages(4343) == []
    finally:
        await stop(process)
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        handled = await connection.scalar(select(func.count()).select_from(ProcessedUpdate)
                                          .where(ProcessedUpdate.update_id == 999_999))
    await engine.dispose()
    assert handled == 0


async def test_two_processes_share_one_users_steps(migrated_postgres_url):
    postgres_url = migrated_postgres_url
    fake_api = FakeBotApi()
    await fake_api.start()
    ports = [free_port()]
    while len(ports) < 2:
        port = free_port()
        if port not in ports:
            ports.append(port)
    fake_api.webhook_spread = [f"http://127.0.0.1:{p}/telegram" for p in ports]
    processes = [await start_process(fake_api, postgres_url, p, f"{CONSULTANT_ID},900002")
                 for p in ports]
    try:
        await wait_until(lambda: len(fake_api.calls_to("setWebhook")) == 2,
                         timeout=PROCESS_START_SECONDS)
        bertine = FakeUser(fake_api, CONSULTANT_ID, "Bertine", "nl")
        sabine = FakeUser(fake_api, 900_002, "Sabine", "nl")
        await answered(sabine, sabine.send("/start"), "Je bent consulent")
        text = await answered(bertine, bertine.send("/invite GGD Dalfsen"), "start=i_")
        token = text.split("start=", 1)[1].split()[0]
        nurse = FakeUser(fake_api, 5151, "Anja", "nl")
        await answered(nurse, nurse.send(f"/start {token}"), "uitgenodigd")
        await answered(nurse, nurse.send("Anja de Vries"), "Je kunt nu gezinnen verwijzen")
        # A referral: every step alternates between the two processes. Each step waits for
        # the bot to show the next one (a button's answer is an edit of the question).
        await answered(nurse, nurse.send("/refer"), "stap 1 van 6")
        for label, expected in (("العربية", "stap 2 van 6"), ("Nieuwleusen", "stap 3 van 6"),
                                ("▫️ 0–4 jaar", "✅ 0–4 jaar"), ("Volgende ➡️", "stap 4 van 6")):
            await answered(nurse, nurse.press(label), expected)
        await answered(nurse, nurse.press("lezen", exact=False), "✅ 📚 lezen")
        await answered(nurse, nurse.press("Volgende ➡️"), "stap 5 van 6")
        await answered(nurse, nurse.press("📞 telefonisch"), "Typ het telefoonnummer")
        await answered(nurse, nurse.send("06 12345678"), "stap 7 van 7")
        await answered(nurse, nurse.press("✅ Ja, ze stemden in – versturen"), "-0001")
        await wait_until(lambda: shows(bertine, "🆕") and shows(sabine, "🆕"), timeout=20)
        # Both consultants take it at the same moment, on different processes.
        _, take = bertine.find_button("✋ Zaak oppakken")
        await asyncio.gather(bertine.press_data(take["callback_data"]),
                             sabine.press_data(take["callback_data"]))
        await wait_until(lambda: bertine.callback_answer() and sabine.callback_answer(),
                         timeout=20)
    finally:
        await stop(*processes)
        await fake_api.stop()
    engine = create_engine(postgres_url)
    async with engine.connect() as connection:
        cases = await connection.scalar(select(func.count()).select_from(Case))
        takes = await connection.scalar(select(func.count()).select_from(CaseEvent)
                                        .where(CaseEvent.kind == "take"))
        partners = await connection.scalar(select(func.count()).select_from(Partner))
        names = dict((await connection.execute(
            select(Consultant.telegram_user_id, Consultant.name))).all())
    crypto.configure([TEST_MASTER_KEY.encode()])  # the phone number is sealed
    async with create_session_factory(engine)() as session:
        case = (await session.scalars(select(Case))).one()
        phone, reference = case.phone, case.reference
    await engine.dispose()
    assert (cases, takes, partners, phone) == (1, 1, 1, "+31612345678")
    assert all(fake_api.delivered_to.get(url, 0) >= 8 for url in fake_api.webhook_spread)
    served = {c.params.get("chat_id") for c in fake_api.calls if c.method == "sendMessage"}
    assert {CONSULTANT_ID, 900_002, 5151} <= served
    # Exactly one of them took it; the other hears who did.
    answers = {user.id: user.callback_answer() for user in (bertine, sabine)}
    winner = next(user_id for user_id, answer in answers.items() if answer.startswith("✋"))
    loser = next(user_id for user_id in answers if user_id != winner)
    assert answers[winner] == f"✋ Je hebt zaak {reference} opgepakt."
    assert answers[loser] == f"⚠️ Zaak {reference} was al opgepakt door {names[winner]}."
