"""main.py: the token hint, one-line configuration errors, migrate, consultants, a real run."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from sandbox.fakebot import FakeUser
from storage.models import Consultant
from tests.harness import PROCESS_START_SECONDS, wait_until

ROOT = Path(__file__).resolve().parent.parent


def run_main(*args: str, env: dict[str, str] | None = None, timeout: float = 60):
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def test_help_lists_commands():
    result = run_main("--help")
    assert result.returncode == 0
    for command in ("run", "migrate", "consultant"):
        assert command in result.stdout


def test_run_without_token_gives_the_botfather_hint(tmp_path):
    result = run_main("run", env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert result.returncode != 0
    assert "BotFather" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_malformed_setting_is_one_clear_line(tmp_path):
    for name, value in (("DATABASE_URL", "mysql://nope"), ("RETENTION_DAYS", "soon"),
                        ("CONSULTANT_IDS", "12,abc"), ("TIMEZONE", "Mars/Olympus"),
                        ("TELEGRAM_BOT_TOKEN", "not-a-token")):
        result = run_main("migrate", env={name: value})
        assert result.returncode == 2, (name, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and name in lines[0] and "Traceback" not in result.stderr


def test_missing_facts_file_is_one_clear_line(tmp_path):
    result = run_main("run", env={"LIBRARY_FACTS_PATH": str(tmp_path / "none.toml"),
                                  "TELEGRAM_BOT_TOKEN": "123:abcdefghijklmnop",
                                  "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert result.returncode == 2
    assert "LIBRARY_FACTS_PATH" in result.stderr and "Traceback" not in result.stderr


def test_consultant_add_and_remove(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/c.sqlite3"}
    assert "added" in run_main("consultant", "add", "5001", "--name", "Sabine", env=env).stdout
    assert "updated" in run_main("consultant", "add", "5001", env=env).stdout
    assert "removed" in run_main("consultant", "remove", "5001", env=env).stdout
    assert "no such" in run_main("consultant", "remove", "5001", env=env).stdout

    import sqlite3

    rows = sqlite3.connect(tmp_path / "c.sqlite3").execute(
        f"select name, active from {Consultant.__tablename__}").fetchall()
    assert rows == [("Sabine", 0)]


async def test_run_answers_start_against_the_fake_server(fake_api, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"TELEGRAM_BOT_TOKEN": fake_api.token, "TELEGRAM_API_URL": fake_api.api_url,
                "DATABASE_URL": f"sqlite:///{tmp_path}/run.sqlite3"})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "main.py", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        user = FakeUser(fake_api, 31337, "Ayşe", "tr")
        await wait_until(lambda: fake_api.calls_to("getUpdates"),  # it polls
                         timeout=PROCESS_START_SECONDS)
        await user.send("/start")
        await wait_until(lambda: any("Hoş geldiniz" in t for t in user.texts()))
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 20)
