"""`bieb-bot seed-cases`: made-up cases for measuring (bot/seed.py), on SQLite and PostgreSQL.

The bench that times the bot on them is bench/caseload.py; its numbers are never asserted
here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import inbox, seed
from bot.people import Person, Role
from storage.db import create_engine, create_session_factory
from storage.models import Case, CaseEvent, Consultant, Parent, ReferenceCounter
from storage.repositories import cases as cases_repo
from tests.test_cli import run_main

VILLAGES = ("Dalfsen", "Nieuwleusen", "Lemelerveld")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def test_seeded_cases_are_counted_unique_and_in_the_inbox(database_url):
    engine = create_engine(database_url)
    try:
        done = await seed.seed_cases(engine, 200, villages=VILLAGES, seed=7, now=NOW)
        assert done.cases == 200
        factory = create_session_factory(engine)
        async with factory() as session, session.begin():
            assert await session.scalar(select(func.count(Case.id))) == 200
            references = list(await session.scalars(select(Case.reference)))
            assert len(set(references)) == 200
            assert all(r[:4].isdigit() and r[4] == "-" for r in references)
            assert await session.scalar(select(func.count(Parent.id))) == done.parents > 0
            assert await session.scalar(select(func.count(CaseEvent.id))) == done.events >= 200
            oldest = await session.scalar(select(func.min(Case.created_at)))
            assert oldest is not None and oldest >= NOW - timedelta(days=2 * 365 + 1)
            closed = await session.scalar(select(func.count()).where(Case.status == "closed"))
            assert closed is not None and closed > 100  # most old cases are closed
            # No personal data: nothing that would need sealing.
            assert await session.scalar(select(func.count()).where(
                Case.phone_sealed.is_not(None) | Case.note_sealed.is_not(None))) == 0

            consultant = await session.scalar(select(Consultant).limit(1))
            assert consultant is not None
            person = Person(consultant.telegram_user_id, Role.CONSULTANT, "nl",
                            record_id=consultant.id)
            everything = await inbox.page(session, person, VILLAGES, "all", 0)
            assert everything is not None and everything.total == 200
            assert len(everything.cases) == inbox.PAGE_SIZE
            still_open = await inbox.page(session, person, VILLAGES, "open", 0)
            assert still_open is not None and still_open.total == 200 - closed

            # The bot's own next reference comes after the seeded ones of that year.
            counters = dict((await session.execute(
                select(ReferenceCounter.year, ReferenceCounter.last_number))).all())
            fresh = await cases_repo.next_reference(session, NOW.year)
            assert fresh not in references
            assert fresh == f"{NOW.year}-{counters[NOW.year] + 1:04d}"

        with pytest.raises(seed.AlreadySeeded):
            await seed.seed_cases(engine, 10, villages=VILLAGES, now=NOW)
        async with factory() as session:
            assert await session.scalar(select(func.count(Case.id))) == 200

        more = await seed.seed_cases(engine, 50, villages=VILLAGES, force=True, now=NOW)
        assert more.cases == 50
        async with factory() as session:
            references = list(await session.scalars(select(Case.reference)))
            assert len(references) == len(set(references)) == 250
            assert await session.scalar(select(func.count(Consultant.id))) == len(
                seed.CONSULTANTS)  # found again, not made twice
    finally:
        await engine.dispose()


def test_the_command_refuses_a_database_with_cases(tmp_path):
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/seed.sqlite3"}
    first = run_main("seed-cases", "30", env=env)
    assert first.returncode == 0, first.stderr
    assert "30 of 30 cases" in first.stdout
    again = run_main("seed-cases", "30", env=env)
    assert again.returncode == 1
    assert "holds 30 cases already" in again.stderr
    forced = run_main("seed-cases", "5", "--force", env=env)
    assert forced.returncode == 0, forced.stderr
