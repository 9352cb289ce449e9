"""How fast the consultant's screens are with a few years of cases (issue "Fast on Monday
morning").

    .venv/bin/python bench/caseload.py [N] [--years 2] [--repeats 5] [--no-postgres]

Seeds a fresh SQLite database file with N made-up cases (default 100,000; bot/seed.py, as
`bieb-bot seed-cases`) and, when a PostgreSQL server answers on 127.0.0.1:5432 (or at
TEST_POSTGRES_ADMIN_URL), a fresh PostgreSQL database it creates and drops. On each it times,
as the bot runs them (a session per call, rolled back after it, so nothing piles up):

  inbox       every filter's first page and its count (bot.inbox.page)
  case view   a case's card, the view logged (bot.cases.open_card), on random cases
  /stats      the figures for the calendar year with the most cases (bot.figures.stats_text)
  chart       /stats's picture of every case (bot.charts.render_png), from figures read
              before: the drawing alone, the work done after the update's transaction
  report      the yearly report's PDF of that year (bot.report.render_pdf), drawing alone
  export      every case as CSV (bot.figures.export_csv, period "all"): its time, and how
              much memory it took at its peak (tracemalloc, in a run of its own)

and prints a table per database with the issue's targets beside them. The numbers are the
median of the repeats (the slowest beside it), after one warm-up call. They are reported
here, never asserted in the tests: they depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

from bot import cases, charts, figures, inbox, report, seed  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.facts import load_facts  # noqa: E402
from bot.i18n import load_catalogs, use_language  # noqa: E402
from bot.people import Person, Role  # noqa: E402
from bot.referrals import NEEDS  # noqa: E402
from storage import crypto  # noqa: E402
from storage.db import create_engine, create_session_factory, migrate  # noqa: E402
from storage.models import Case, Consultant, Organisation  # noqa: E402
from tests import postgres  # noqa: E402

MS = 1000.0
# The targets.
INBOX_MS = 20.0
CASE_VIEW_MS = 10.0
STATS_MS = 300.0
EXPORT_S = 5.0
CHART_S = 1.0  # drawing /stats's chart, after the aggregate queries
REPORT_S = 5.0  # drawing the yearly report's pages
EXPORT_MB = 50.0
CASE_VIEWS = 20  # random cases opened, each once (after a warm-up)


@dataclass(frozen=True)
class Row:
    what: str
    median: float
    worst: float
    unit: str
    target: float

    @property
    def met(self) -> bool:
        return self.median < self.target

    def line(self) -> str:
        mark = "met" if self.met else "NOT MET"
        return (f"  {self.what[:42]:42} {self.median:9.1f} {self.worst:9.1f} {self.unit:3} "
                f" < {self.target:g} {self.unit:3} {mark}")


Call = Callable[[AsyncSession], Awaitable[Any]]


async def _once(factory: async_sessionmaker[AsyncSession], call: Call) -> float:
    """Seconds one call takes in a session of its own (rolled back: it leaves nothing)."""
    async with factory() as session:
        await session.begin()
        started = time.perf_counter()
        await call(session)
        elapsed = time.perf_counter() - started
        await session.rollback()
    return elapsed


async def _timed(factory: async_sessionmaker[AsyncSession], call: Call, repeats: int
                 ) -> tuple[float, float]:
    await _once(factory, call)  # warm-up: the statement compiled, the pages in the cache
    times = [await _once(factory, call) for _ in range(repeats)]
    return statistics.median(times), max(times)


async def measure(url: str, count: int, years: float, repeats: int) -> tuple[list[Row], str]:
    settings = load_settings(_env_file=None, database_url=url)
    villages = load_facts(settings.library_facts_path).villages
    zone = settings.zone
    await asyncio.to_thread(migrate, url)
    engine = create_engine(url)
    try:
        def progress(done: int, total: int) -> None:
            if done == total or done % (total // 4 or 1) < seed.CHUNK:
                print(f"  seeding: {done:,} of {total:,}", flush=True)

        seeded = await seed.seed_cases(engine, count, villages=villages, years=years,
                                       seed=1, progress=progress)
        note = (f"{seeded.cases:,} cases, {seeded.events:,} events, {seeded.parents:,} "
                f"parents seeded in {seeded.seconds:.1f} s")
        print(f"  {note}", flush=True)
        # As `bieb-bot run` does after start-up (bot.cli._settle): what lives on is left out
        # of the garbage collector's full collections; without it they walk the seeding's
        # leftovers and every module each time the 50,000 rows of a year are read.
        gc.collect()
        gc.freeze()
        factory = create_session_factory(engine)
        rows = await _measure(factory, villages, zone, repeats)
    finally:
        await engine.dispose()
    return rows, note


async def _measure(factory: async_sessionmaker[AsyncSession], villages: tuple[str, ...],
                   zone: Any, repeats: int) -> list[Row]:
    async with factory() as session:
        busiest = (await session.execute(
            select(Case.assigned_consultant_id, func.count()).where(
                Case.assigned_consultant_id.is_not(None))
            .group_by(Case.assigned_consultant_id).order_by(func.count().desc()).limit(1)
        )).one()[0]
        consultant = await session.get(Consultant, busiest)
        organisations = (await session.execute(
            select(Organisation.id, Organisation.name).order_by(Organisation.id))).all()
        year_column = func.extract("year", Case.created_at)
        year = int((await session.execute(
            select(year_column, func.count()).group_by(year_column)
            .order_by(func.count().desc()).limit(1))).one()[0])
        case_ids = list((await session.scalars(select(Case.id))).all())
    assert consultant is not None
    person = Person(consultant.telegram_user_id, Role.CONSULTANT, "nl",
                    record_id=consultant.id, name=consultant.name)
    rows: list[Row] = []
    codes = ["open", "new", "taken", "contacted", "closed", "all", "mine", "parent", "waiting",
             *(f"v{i}" for i in range(len(villages))), *(f"n{need}" for need in NEEDS),
             *(f"o{org_id}" for org_id, _ in organisations)]
    names = {f"v{i}": f"village {v}" for i, v in enumerate(villages)}
    names |= {f"n{need}": f"need {need}" for need in NEEDS}
    names |= {f"o{org_id}": f"organisation {name}" for org_id, name in organisations}
    for code in codes:
        def page(session: AsyncSession, code: str = code) -> Awaitable[Any]:
            return inbox.page(session, person, villages, code, 0)

        median, worst = await _timed(factory, page, repeats)
        rows.append(_shown(Row(f"inbox {names.get(code, code)}", median * MS, worst * MS,
                               "ms", INBOX_MS)))

    picked = random.Random(2).sample(case_ids, min(CASE_VIEWS + 1, len(case_ids)))
    views = []
    for case_id in picked:
        views.append(await _once(factory, lambda s, i=case_id: cases.open_card(s, person, i)))
    views = views[1:] or views  # the first one warms up
    rows.append(_shown(Row(f"case view ({len(views)} cases)", statistics.median(views) * MS,
                           max(views) * MS, "ms", CASE_VIEW_MS)))

    period = figures.parse_period(str(year), zone)
    median, worst = await _timed(
        factory, lambda s: figures.stats_text(s, person, period, zone), repeats)
    rows.append(_shown(Row(f"/stats {year}", median * MS, worst * MS, "ms", STATS_MS)))

    everything = figures.parse_period("all", zone)
    rows.extend(await _drawing(factory, everything, year, zone, repeats))

    def export(session: AsyncSession) -> Awaitable[Any]:
        return figures.export_csv(session, everything, zone, person)

    # No warm-up and at most three runs: on a big database one run takes long enough.
    runs = [await _once(factory, export)]
    while len(runs) < min(3, repeats) and sum(runs) < 2 * EXPORT_S:
        runs.append(await _once(factory, export))
    median, worst = statistics.median(runs), max(runs)
    rows.append(_shown(Row("export of everything: time", median, worst, "s", EXPORT_S)))
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        await _once(factory, export)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    grown = (peak - base) / 1024 / 1024
    rows.append(_shown(Row("export of everything: memory growth", grown, grown, "MB",
                           EXPORT_MB)))
    return rows


async def _drawing(factory: async_sessionmaker[AsyncSession], everything: figures.Period,
                   year: int, zone: Any, repeats: int) -> list[Row]:
    """The CPU work after the aggregate queries: /stats's chart of every case, and the yearly
    report of the busiest year (each in Dutch, as a consultant would get it)."""
    facts = load_facts(load_settings(_env_file=None).library_facts_path)
    async with factory() as session:
        numbers = await figures.figures(session, everything, zone)
        yearly = await report.gather(session, year, zone, datetime.now(UTC), facts)
        await session.rollback()
    rows = []
    for what, draw, target in (
            (f"chart of {numbers.cases:,} cases: drawing", lambda: charts.render_png(
                numbers, "nl"), CHART_S),
            (f"report {year}: drawing the PDF", lambda: report.render_pdf(yearly, "nl"),
             REPORT_S)):
        draw()  # warm-up: fonts loaded
        times = []
        for _ in range(repeats):
            started = time.process_time()
            draw()
            times.append(time.process_time() - started)
        rows.append(_shown(Row(what, statistics.median(times), max(times), "s", target)))
    return rows


def _shown(row: Row) -> Row:
    print(row.line(), flush=True)  # as it goes: the table follows at the end
    return row


def table(title: str, note: str, rows: list[Row]) -> str:
    met = sum(row.met for row in rows)
    lines = [f"\n{title}: {note}",
             f"  {'':42} {'median':>9} {'slowest':>9}      target",
             *(row.line() for row in rows),
             f"  {met} of {len(rows)} targets met"]
    return "\n".join(lines)


async def _sqlite(count: int, years: float, repeats: int) -> str:
    with tempfile.TemporaryDirectory(prefix="bieb-caseload-") as folder:
        url = f"sqlite+aiosqlite:///{folder}/caseload.sqlite3"
        print(f"SQLite ({url})", flush=True)
        rows, note = await measure(url, count, years, repeats)
        return table("SQLite", note, rows)


async def _postgresql(count: int, years: float, repeats: int) -> str | None:
    if os.environ.get("TEST_POSTGRES_URL"):  # one given database: not ours to fill or drop
        print("PostgreSQL left out: TEST_POSTGRES_URL names a database this would fill")
        return None
    if not await asyncio.to_thread(postgres.available):
        print(f"PostgreSQL left out: no server answers at {postgres.ADMIN_URL}")
        return None
    url = await asyncio.to_thread(postgres.create_database)
    if url is None:
        return None
    print(f"PostgreSQL ({url.rsplit('/', 1)[1]}, dropped afterwards)", flush=True)
    try:
        rows, note = await measure(url, count, years, repeats)
    finally:
        await asyncio.to_thread(postgres.drop_database, url)
    return table("PostgreSQL", note, rows)


async def run(count: int, years: float, repeats: int, with_postgres: bool) -> None:
    results = [await _sqlite(count, years, repeats)]
    if with_postgres:
        found = await _postgresql(count, years, repeats)
        if found is not None:
            results.append(found)
    print(f"\n{count:,} cases over {years:g} years, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print("\n".join(results))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=100_000, metavar="N")
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    crypto.configure([crypto.new_master_key()])  # a throwaway key: nothing seeded is sealed
    load_catalogs()
    with use_language("nl"):
        asyncio.run(run(args.count, args.years, args.repeats, not args.no_postgres))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
