"""Migrations: every revision upgrades, downgrades and upgrades again; models match them."""

from __future__ import annotations

import asyncio
import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.db import alembic_config, create_engine
from storage.models import Base

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")


def database_urls(tmp_path):
    urls = [f"sqlite+aiosqlite:///{tmp_path / 'stairway.sqlite3'}"]
    if POSTGRES_URL:
        urls.append(POSTGRES_URL)
    return urls


def revisions(url):
    script = ScriptDirectory.from_config(alembic_config(url))
    return list(reversed(list(script.walk_revisions("base", "heads"))))


def test_stairway(tmp_path):
    for url in database_urls(tmp_path):
        config = alembic_config(url)
        for revision in revisions(url):
            command.upgrade(config, revision.revision)
            command.downgrade(config, revision.down_revision or "base")
            command.upgrade(config, revision.revision)
        command.downgrade(config, "base")


def test_models_match_migrations(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'compare.sqlite3'}"
    command.upgrade(alembic_config(url), "head")

    async def diff():
        engine = create_engine(url)
        async with engine.connect() as connection:
            result = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
        await engine.dispose()
        return result

    assert asyncio.run(diff()) == []


def test_sqlite_pragmas(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'pragmas.sqlite3'}"

    async def pragmas():
        engine = create_engine(url)
        async with engine.connect() as connection:
            values = [
                (await connection.execute(text(f"PRAGMA {name}"))).scalar()
                for name in ("foreign_keys", "journal_mode", "busy_timeout")
            ]
        await engine.dispose()
        return values

    foreign_keys, journal, busy = asyncio.run(pragmas())
    assert foreign_keys == 1 and journal == "wal" and busy >= 5000


@pytest.mark.skipif(not POSTGRES_URL, reason="TEST_POSTGRES_URL not set")
def test_telegram_ids_are_64_bit_on_postgres():
    command.upgrade(alembic_config(POSTGRES_URL), "head")

    async def column_type():
        engine = create_engine(POSTGRES_URL)
        async with engine.connect() as connection:
            found = (await connection.execute(text(
                "select data_type from information_schema.columns "
                "where table_name='partners' and column_name='telegram_user_id'"))).scalar()
        await engine.dispose()
        return found

    assert asyncio.run(column_type()) == "bigint"
