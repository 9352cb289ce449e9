"""Migrations: every revision upgrades, downgrades and upgrades again; models match them."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.db import alembic_config, create_engine
from storage.models import Base
from storage.repositories import cases as cases_repo
from storage.repositories.cases import CaseFilter


def revisions(url):
    script = ScriptDirectory.from_config(alembic_config(url))
    return list(reversed(list(script.walk_revisions("base", "heads"))))


def stairway(url):
    config = alembic_config(url)
    for revision in revisions(url):
        command.upgrade(config, revision.revision)
        command.downgrade(config, revision.down_revision or "base")
        command.upgrade(config, revision.revision)
    command.downgrade(config, "base")


def test_stairway_sqlite(tmp_path):
    stairway(f"sqlite+aiosqlite:///{tmp_path / 'stairway.sqlite3'}")


def test_stairway_postgres(postgres_url):
    stairway(postgres_url)


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


def test_telegram_ids_are_64_bit_on_postgres(postgres_url):
    command.upgrade(alembic_config(postgres_url), "head")

    async def column_type():
        engine = create_engine(postgres_url)
        async with engine.connect() as connection:
            found = (await connection.execute(text(
                "select data_type from information_schema.columns "
                "where table_name='partners' and column_name='telegram_user_id'"))).scalar()
        await engine.dispose()
        return found

    assert asyncio.run(column_type()) == "bigint"


def test_sqlite_read_then_write_waits_for_a_concurrent_writer(tmp_path):
    """A unit of work that reads, then writes while another connection has written in between,
    must wait its turn, not fail with "database is locked" (e.g. `main.py export` while the
    bot runs). SQLite cannot upgrade a stale read snapshot to a write; this holds because the
    driver begins the transaction at the first write, so reads before it hold no snapshot."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'turns.sqlite3'}"

    async def scenario():
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("CREATE TABLE log (line TEXT)"))
            reader_has_read = asyncio.Event()
            other_has_written = asyncio.Event()

            async def other_writer():
                await reader_has_read.wait()
                async with engine.begin() as connection:
                    await connection.execute(text("INSERT INTO log VALUES ('other')"))
                other_has_written.set()  # committed

            async def read_then_write():
                async with engine.begin() as connection:
                    seen = (await connection.execute(text("SELECT count(*) FROM log"))).scalar()
                    reader_has_read.set()
                    # The other writer commits between this unit's read and its write.
                    await asyncio.wait_for(other_has_written.wait(), 10)
                    await connection.execute(text("INSERT INTO log VALUES ('mine')"))
                return seen

            seen, _ = await asyncio.gather(read_then_write(), other_writer())
            async with engine.connect() as connection:
                lines = list((await connection.execute(
                    text("SELECT line FROM log ORDER BY rowid"))).scalars())
            return seen, lines
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == (0, ["other", "mine"])


ONE_VALUE = {"mine": CaseFilter(assigned_to=1), "parent": CaseFilter(source="parent"),
             "village": CaseFilter(village="Dalfsen"), "organisation": CaseFilter(organisation_id=1)}
SEVERAL = {"open": CaseFilter(), "all": CaseFilter(statuses=None),
           "need": CaseFilter(need="reading"),
           "waiting": CaseFilter(statuses=frozenset({"new", "taken"}), oldest_first=True)}


def _plan(wanted: CaseFilter) -> str:
    engine = sqlalchemy.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    statement = cases_repo.page_query(wanted, 5, 0).compile(
        engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        return " | ".join(row[-1] for row in connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement}"))


@pytest.mark.parametrize("name", [*ONE_VALUE, *SEVERAL])
def test_every_inbox_filter_reads_an_index_not_every_case(name):
    """With many cases a page must not read the whole table (migration 0012); SQLite's
    planner says how it would read it."""
    plan = _plan({**ONE_VALUE, **SEVERAL}[name])
    assert "SCAN cases" not in plan or "USING INDEX" in plan, plan
    if name in ONE_VALUE:  # the index also gives the order: only five rows are read
        assert "TEMP B-TREE" not in plan, plan
