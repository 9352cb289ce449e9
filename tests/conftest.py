"""Shared fixtures: a migrated database, the fake Bot API server and the running bot."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from bot.config import load_settings
from storage.db import migrate
from tests import postgres
from tests.fakebot import FakeBotApi
from tests.harness import BotHarness

CONSULTANT_ID = 900_001


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; every test gets a copy of this SQLite file."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database; the test is skipped without a server."""
    url = postgres.create_database()
    if url is None:
        pytest.skip("no PostgreSQL server answers; the PostgreSQL checks were skipped")
    yield url
    postgres.drop_database(url)


@pytest.fixture
def migrated_postgres_url(postgres_url: str) -> str:
    migrate(postgres_url)
    return postgres_url


@pytest.fixture
def database_url(tmp_path: Path, migrated_template: Path):
    """A fresh migrated database per test: SQLite, or PostgreSQL with TEST_DATABASE=postgresql."""
    if os.environ.get("TEST_DATABASE") == "postgresql":
        url = postgres.create_database()
        if url is None:
            pytest.fail("TEST_DATABASE=postgresql but no PostgreSQL server answers")
        migrate(url)
        yield url
        postgres.drop_database(url)
        return
    path = tmp_path / "bot.sqlite3"
    shutil.copy(migrated_template, path)
    yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def fake_api():
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def settings(fake_api: FakeBotApi, database_url: str):
    return load_settings(
        _env_file=None,
        telegram_bot_token=fake_api.token,
        telegram_api_url=fake_api.api_url,
        database_url=database_url,
        consultant_ids=[CONSULTANT_ID],
        outbox_interval_seconds=0.2,
        outbox_chat_interval_seconds=0.0,  # the fault test sets Telegram's real pace
        # Else a test started on a weekday after 08:30 would get today's reminders (and on a
        # Monday the digest) at a moment that depends on the clock; the reminder tests turn
        # them on themselves or call run_morning with a chosen day.
        reminders=False,
    )


@pytest.fixture
async def bot(fake_api: FakeBotApi, settings):
    harness = BotHarness(fake_api, settings)
    await harness.start()
    yield harness
    await harness.stop()
    await asyncio.sleep(0)
