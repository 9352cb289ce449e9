"""The figures and the export read counts and columns, not cases: the numbers equal a plain
count over the same cases, and the number of SQL statements does not grow with the cases."""

from __future__ import annotations

import csv
import io
import random
import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, select, text
from sqlalchemy.orm import selectinload

from bot import figures
from bot.cases import NEED_NAMES, OUTCOMES, STATUS_NAMES
from bot.i18n import S_, Sngettext, use_language
from storage.db import create_engine, create_session_factory, reading
from storage.models import Case, CaseNeed, Organisation
from storage.repositories import cases as cases_repo

VILLAGES = ("Nieuwleusen", "Dalfsen", "Lemelerveld", "other")
NEEDS = tuple(NEED_NAMES)
STATUSES = tuple(STATUS_NAMES)
# Midnight of a new month in Amsterdam is 23:00 or 22:00 UTC the day before: a case made then
# belongs to the new month (and the first to the new year), whatever UTC says.
BOUNDARIES = (datetime(2025, 12, 31, 23, 30, tzinfo=UTC),  # 2026-01-01 00:30 in Amsterdam
              datetime(2026, 1, 31, 23, 15, tzinfo=UTC),  # 2026-02-01
              datetime(2026, 3, 31, 22, 30, tzinfo=UTC),  # 2026-04-01 (summer time)
              datetime(2026, 3, 31, 21, 30, tzinfo=UTC),  # still 2026-03-31
              datetime(2026, 12, 31, 23, 30, tzinfo=UTC))  # 2027: not in the year 2026


async def _make_cases(bot, count: int, seed: int = 7) -> None:
    chance = random.Random(seed)
    async with bot.services.sessions() as session, session.begin():
        organisations = [Organisation(name=f"Organisation {n}") for n in range(3)]
        session.add_all(organisations)
        await session.flush()
        for number in range(count):
            created = (BOUNDARIES[number] if number < len(BOUNDARIES)
                       else datetime(2026, chance.randint(1, 12), chance.randint(1, 28),
                                     chance.randint(0, 23), chance.randint(0, 59),
                                     tzinfo=UTC))
            status = chance.choice(STATUSES)
            case = Case(reference=f"2026-{number + 1:04d}", status=status,
                        source=chance.choice(("partner", "parent")), created_at=created,
                        child_ages=["2"] if number % 2 else [],
                        needs=[CaseNeed(need=n) for n in
                               chance.sample(NEEDS, chance.randint(0, 2))])
            if case.source == "partner":
                case.organisation_id = chance.choice(organisations).id
            place = chance.randint(0, 5)
            if place == 0:
                case.village_other = chance.choice(("Zwolle", "Ommen"))  # typed: sealed
            elif place < 5:
                case.village = chance.choice(VILLAGES)
            if status in ("contacted", "closed") and number % 5:
                case.first_contact_at = created + timedelta(hours=chance.choice((6, 24, 30, 72)))
            if status == "closed":
                case.outcome = chance.choice((*OUTCOMES, "gone"))  # an old code: not shown
                case.helped = chance.choice((True, False, None))
            session.add(case)


async def _cases(bot) -> list[Case]:
    async with bot.services.sessions() as session:
        return list(await session.scalars(select(Case).options(selectinload(Case.organisation))
                                          .order_by(Case.id)))


def _second_working_day_after(day: date) -> date:
    counted = 0
    while counted < 2:
        day += timedelta(days=1)
        counted += day.weekday() < 5
    return day


def _plain_text(found: list[Case], period: str, zone) -> str:
    """The figures as /stats made them before: a count over every case loaded as an object."""
    lines = [Sngettext("📊 Figures {period}: {count} case", "📊 Figures {period}: {count} cases",
                       len(found)).format(period=period, count=len(found))]

    def block(title: str, counts: Counter[str]) -> None:
        lines.append("")
        lines.append(title)
        lines.extend(f"  {name}: {count}" for name, count in counts.most_common())

    block(S_("Per month:"), Counter(c.created_at.astimezone(zone).strftime("%Y-%m")
                                    for c in found))
    block(S_("Per organisation:"), Counter(c.organisation.name if c.organisation else S_("parent")
                                           for c in found))
    block(S_("Per village:"), Counter(c.village or "–" for c in found))
    block(S_("Per need:"), Counter(S_(NEED_NAMES[n.need]) for c in found for n in c.needs))
    block(S_("Per status:"), Counter(S_(STATUS_NAMES[c.status]) for c in found))
    block(S_("Per outcome:"), Counter(S_(OUTCOMES[c.outcome]) for c in found
                                      if c.outcome in OUTCOMES))
    waits = [(c.first_contact_at - c.created_at).total_seconds() / 86400 for c in found
             if c.first_contact_at is not None]
    lines.append("")
    lines.append(S_("⏱️ Median time to first contact: {time} ({cases})").format(
        time=figures._days(statistics.median(waits)) if waits else "–",
        cases=Sngettext("{count} case", "{count} cases", len(waits)).format(count=len(waits))))
    today = datetime.now(UTC).astimezone(zone).date()
    late_from = {c.id: _second_working_day_after(c.created_at.astimezone(zone).date())
                 for c in found}
    in_time = [c for c in found if c.first_contact_at is not None
               and c.first_contact_at.astimezone(zone).date() <= late_from[c.id]]
    due = len(in_time) + sum(today > late_from[c.id] for c in found if c not in in_time)
    if due:
        lines.append(S_("📞 Contacted within two working days: {share} ({count} of {total})")
                     .format(share=f"{round(100 * len(in_time) / due)}%", count=len(in_time),
                             total=due))
    answered = [c.helped for c in found if c.helped is not None]
    if answered:
        lines.append(Sngettext("🙂 Families who got help: {yes} of {total} who answered",
                               "🙂 Families who got help: {yes} of {total} who answered",
                               len(answered)).format(yes=sum(answered), total=len(answered)))
    in_person = sum(1 for c in found if c.in_person)
    if in_person:
        lines.append(S_("🤝 Referred in person during presence hours: {count}").format(
            count=in_person))
    return "\n".join(lines)


async def test_the_figures_equal_a_plain_count_over_the_cases(bot):
    await _make_cases(bot, 48)
    zone = bot.settings.zone
    every = await _cases(bot)
    for label in ("2026", "2026-01", "2026-04", "2027", "all"):
        period = figures.parse_period(label, zone)
        found = [c for c in every if period.start <= c.created_at < period.end]
        async with bot.services.sessions() as session:
            numbers = await figures.figures(session, period, zone)
        assert numbers.cases == len(found), label
        assert dict(numbers.per_month) == Counter(
            c.created_at.astimezone(zone).strftime("%Y-%m") for c in found)
        assert dict(numbers.per_village) == Counter(c.village for c in found)
        assert dict(numbers.per_need) == Counter(n.need for c in found for n in c.needs)
        assert dict(numbers.per_status) == Counter(c.status for c in found)
        assert dict(numbers.per_outcome) == Counter(c.outcome for c in found if c.outcome)
        assert dict(numbers.per_month_kind) == Counter(
            (c.created_at.astimezone(zone).strftime("%Y-%m"),
             c.organisation.kind if c.organisation else None) for c in found)
        assert numbers.helped == sum(c.helped is True for c in found)
        assert numbers.answered == sum(c.helped is not None for c in found)
        for language in ("en", "nl"):
            with use_language(language):
                assert figures.render(numbers) == _plain_text(found, period.label, zone), label
    # The time-zone boundary: the first case is January 2026 in Amsterdam, the last 2027.
    async with bot.services.sessions() as session:
        year = await figures.figures(session, figures.parse_period("2026", zone), zone)
    assert ("2025-12" not in dict(year.per_month)) and year.cases == 47
    assert dict(year.per_month)["2026-04"] >= 1
    assert "Zwolle" in dict(year.per_village) or "Ommen" in dict(year.per_village)


def _count_statements(bot) -> list[str]:
    """The statements run from now on, less the outbox relay's own (its heartbeat looks for
    messages to send whenever the clock says so, a busy machine decides when)."""
    statements: list[str] = []

    def seen(_c, _cur, statement: str, *_rest) -> None:
        if not statement.lstrip().upper().startswith(("SELECT OUTBOX.", "UPDATE OUTBOX")):
            statements.append(statement)

    event.listen(bot.services.engine.sync_engine, "before_cursor_execute", seen)
    return statements


async def _export(bot, label: str = "all") -> tuple[bytes, int]:
    zone = bot.settings.zone
    async with bot.services.sessions() as session, session.begin():
        with use_language("en"):
            return await figures.export_csv(session, figures.parse_period(label, zone), zone,
                                            sessions=bot.services.sessions)


async def _statements(bot, cases: int) -> tuple[int, int]:
    """SQL statements for the export and the figures over `cases` cases."""
    await _make_cases(bot, cases, seed=cases)
    statements = _count_statements(bot)
    content, rows = await _export(bot)
    assert rows == cases and content.count(b"\r\n") == cases + 1
    exported = len(statements)
    statements.clear()
    async with bot.services.sessions() as session:
        await figures.figures(session, figures.parse_period("all", bot.settings.zone),
                              bot.settings.zone)
    return exported, len(statements)


async def test_the_export_and_figures_take_as_many_statements_for_10_cases_as_for_60(bot):
    few = await _statements(bot, 10)
    async with bot.services.sessions() as session, session.begin():
        await session.execute(CaseNeed.__table__.delete())
        await session.execute(Case.__table__.delete())
        await session.execute(Organisation.__table__.delete())
    many = await _statements(bot, 60)
    assert few == many
    assert many[0] <= 10 and many[1] <= 10


async def test_the_export_in_small_chunks_is_the_same_file(bot, monkeypatch):
    await _make_cases(bot, 48)
    whole, rows = await _export(bot)
    monkeypatch.setattr(cases_repo, "EXPORT_CHUNK", 7)
    chunked, _ = await _export(bot)
    assert chunked == whole and rows == 48
    period = figures.parse_period("all", bot.settings.zone)
    async with bot.services.sessions() as session:
        sizes = [len(rows) async for rows, _needs in
                 cases_repo.export_chunks(session, period.start, period.end)]
    assert sizes == [7] * 6 + [6]  # streamed 7 cases at a time, none left out
    body = list(csv.reader(io.StringIO(whole.decode("utf-8-sig")), delimiter=";"))[1:]
    cases = await _cases(bot)
    assert [row[0] for row in body] == [c.reference for c in cases]
    # A typed place is opened (as the case shows it); the needs in alphabetical order.
    assert [row[5] for row in body] == [c.village or "" for c in cases]
    assert [row[8] for row in body] == [" ".join(n.need for n in c.needs) for c in cases]


async def test_reading_is_a_read_only_snapshot(database_url):
    engine = create_engine(database_url)
    try:
        async with reading(create_session_factory(engine)) as session:
            if engine.dialect.name == "postgresql":
                assert await session.scalar(text("SHOW transaction_isolation")) == "repeatable read"
                assert await session.scalar(text("SHOW transaction_read_only")) == "on"
            else:
                assert await session.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()
