"""SQLite stays the easy default and is safe: many writers at once, and a consistent backup
while the bot runs."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from telegram import Update

from storage.models import Case

ROOT = Path(__file__).resolve().parent.parent
WRITERS = 50


def _question_update(update_id: int, user_id: int, text: str) -> dict:
    user = {"id": user_id, "is_bot": False, "first_name": "Parent", "language_code": "en"}
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": int(time.time()), "from": user,
        "chat": {"id": user_id, "type": "private", "first_name": "Parent"}, "text": text}}


async def test_fifty_writers_at_once_no_database_is_locked(bot, caplog):
    users = [800_000 + n for n in range(WRITERS)]
    for user_id in users:
        bot.server.add_user(user_id, "Parent", "en").started = True
    updates = [Update.de_json(_question_update(900_000 + n, user_id,
                                               f"my landlord wrote to me, question {n}"),
                              bot.application.bot) for n, user_id in enumerate(users)]
    with caplog.at_level(logging.WARNING):
        # All at once, as many processes or concurrent updates would.
        await asyncio.gather(*(bot.application.process_update(u) for u in updates))
    cases = await bot.rows(Case)
    assert len(cases) == WRITERS
    assert len({c.reference for c in cases}) == WRITERS
    for user_id in users:
        texts = [m.get("text", "") for m in bot.server.bot_messages(user_id)]
        assert texts and "went wrong" not in texts[-1]
    assert "locked" not in caplog.text


@pytest.mark.sqlite_only(reason="the backup command copies SQLite files; PostgreSQL has pg_dump")
async def test_backup_while_the_bot_runs(bot, tmp_path):
    parent = bot.user(language_code="en")
    await parent.send("/start")
    await parent.send("my landlord wrote to me")
    target = tmp_path / "backup.sqlite3"
    env = {**os.environ, "DATABASE_URL": bot.settings.database_url}
    result = await asyncio.to_thread(
        subprocess.run, [sys.executable, "main.py", "backup", str(target)], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    await parent.send("and another question about the water bill")  # the bot still works
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM cases").fetchone() == (1,)
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone()
