"""Figures for the library and the municipality: counts, time to first contact, and a CSV
export without personal data."""

from __future__ import annotations

import io
import json
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, format_percent
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import access, activities, audit, bags, spreadsheet
from bot.cases import NEED_NAMES, OUTCOMES, STATUS_NAMES
from bot.i18n import NS_, S_, Sngettext, current_language
from bot.people import Person
from bot.workdays import DUTCH, Calendar
from storage.db import reading
from storage.models import Case
from storage.repositories import cases as cases_repo
from storage.sealed import open_column

# What a typed place was sealed under (storage.sealed: "table.attribute").
VILLAGE_OTHER = f"{Case.__tablename__}.village_other"
DECEMBER = 12  # the last month: the period "2025-12" ends when the next year starts

# What the export holds: no names, phone numbers, notes, free text or Telegram ids.
EXPORT_COLUMNS = ("reference", "created", "month", "source", "organisation", "village",
                  "family_language", "child_ages", "needs", "contact_method", "status",
                  "outcome", "days_to_first_contact", "closed", "family_got_help", "anonymised",
                  "bag_link_opened", "in_person")
# The header row, in the reader's language (the values stay codes a spreadsheet can count).
EXPORT_HEADERS: dict[str, str] = {
    "reference": NS_("Case"), "created": NS_("Created"), "month": NS_("Month"),
    "source": NS_("Source"), "organisation": NS_("Organisation"), "village": NS_("Village"),
    "family_language": NS_("Family's language"), "child_ages": NS_("Children's ages"),
    "needs": NS_("Needs"), "contact_method": NS_("Contact"), "status": NS_("Status"),
    "outcome": NS_("Outcome"), "days_to_first_contact": NS_("Days to first contact"),
    "closed": NS_("Closed"), "family_got_help": NS_("Family got help"),
    "anonymised": NS_("Anonymised"),
    "bag_link_opened": NS_("BoekStart link opened"),
    "in_person": NS_("In person (presence hours)"),
}


def export_header() -> list[str]:
    return [S_(EXPORT_HEADERS[column]) for column in EXPORT_COLUMNS]


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime
    end: datetime


def parse_period(text: str, zone: ZoneInfo, now: datetime | None = None) -> Period:
    """'' (this year), '2026', '2026-11' or 'all'."""
    now = (now or datetime.now(UTC)).astimezone(zone)
    text = text.strip().lower()
    if text in ("", "year"):
        text = str(now.year)
    if text == "all":
        return Period("all", datetime(2000, 1, 1, tzinfo=zone), datetime(9999, 1, 1, tzinfo=zone))
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return Period(text, datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1,
                                                                       tzinfo=zone))
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if match and 1 <= int(match.group(2)) <= DECEMBER:
        year, month = int(match.group(1)), int(match.group(2))
        end = datetime(year + (month == DECEMBER), month % DECEMBER + 1, 1, tzinfo=zone)
        return Period(f"{year}-{month:02d}", datetime(year, month, 1, tzinfo=zone), end)
    raise PeriodError(text)


Counts = tuple[tuple[Any, int], ...]


@dataclass(frozen=True)
class Figures:
    """The numbers behind /stats, in codes and names, not yet in anyone's language: one source
    for the text here and for any later chart or report. Each `per_*` lists (value, cases) in
    the order of each value's first case (so equal counts keep that order)."""

    period: str
    cases: int
    per_month: Counts  # "2026-11", in the library's time zone
    per_organisation: Counts  # the organisation's name; None: the parent came themselves
    per_village: Counts  # the village or the place typed; None: none
    per_need: Counts  # need codes ("reading")
    per_status: Counts  # status codes ("contacted")
    per_outcome: Counts  # outcome codes of closed cases ("boekstart")
    median_days_to_first_contact: float | None
    contacted: int  # the cases that median is over
    helped: int  # families who said they got help
    answered: int  # of the families who answered the question
    in_person: int = 0  # referrals made in person during presence hours (warm handovers)
    # ((month, organisation kind or None for a parent who came themselves), cases): the chart.
    per_month_kind: Counts = ()
    # Cases contacted by the end of the second working day after the day they came in, of
    # the cases whose two working days are over (or that were contacted in them).
    contacted_in_time: int = 0
    due: int = 0


def _ordered(tally: Iterable[tuple[Any, int, int]]) -> Counts:
    """(value, count, first case's id) → (value, count) by first case, equal values added."""
    counts: dict[Any, int] = {}
    for value, count, _first in sorted(tally, key=lambda row: row[2]):
        counts[value] = counts.get(value, 0) + count
    return tuple(counts.items())


# A deadline is at most a few days after the case's day (a Friday's is the Wednesday after);
# whole days of waiting beyond the longest run of days off in a year are late whatever the
# hours and summer time (Christmas and a weekend: nine days at the most).
LATE_AFTER_DAYS = 10


SECONDS_A_DAY = 86400
QUARTER_HOUR = 900  # seconds: every time zone's offset is a whole number of quarter hours


ONE_DAY = SECONDS_A_DAY - 0.0005
LATE = LATE_AFTER_DAYS * SECONDS_A_DAY - 0.0005


def _median_days(waits: list[float]) -> float | None:
    """The median of waits in seconds, in days, to the millisecond (what SQLite keeps of a
    time stamp): the seconds read back as floats are not exact."""
    if not waits:
        return None
    return round(statistics.median(waits), 3) / SECONDS_A_DAY


class _LocalDays:
    """Seconds since 1970 (UTC) to the day in the library's time zone, worked out once per
    quarter of an hour (a day starts on one) instead of once per case: a year's 50,000 cases
    need a few thousand conversions."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._days: dict[int, date] = {}
        self._iso: dict[int, str] = {}

    def day(self, seconds: float) -> date:
        quarter = int(seconds // QUARTER_HOUR)
        found = self._days.get(quarter)
        if found is None:
            found = datetime.fromtimestamp(quarter * QUARTER_HOUR, self.zone).date()
            self._days[quarter] = found
        return found

    def iso_day(self, seconds: float) -> str:
        """The day as the export writes it: "2026-11-30"."""
        quarter = int(seconds // QUARTER_HOUR)
        found = self._iso.get(quarter)
        if found is None:
            found = self._iso[quarter] = self.day(seconds).isoformat()
        return found


async def figures(session: AsyncSession, period: Period, zone: ZoneInfo,
                  now: datetime | None = None, calendar: Calendar = DUTCH) -> Figures:
    """The numbers, from counts the database makes (a handful of queries, whatever the number
    of cases) and two time stamps per case, no case loaded as an object."""
    start, end = period.start, period.end
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    stamps = await cases_repo.created_and_first_contact(session, start, end)
    local = _LocalDays(zone)
    months: dict[str, int] = {}
    month_kinds: dict[tuple[str, str | None], int] = {}
    waits: list[float] = []
    # Per local day: its month and its deadline for first contact (a year has 365 of them).
    day_facts: dict[date, tuple[str, date]] = {}
    in_time = due = 0
    for created, first_contact, kind in stamps:
        day = local.day(created)
        facts = day_facts.get(day)
        if facts is None:
            facts = day_facts[day] = (f"{day.year}-{day.month:02d}",
                                      calendar.contact_deadline(day))
        month, deadline = facts
        months[month] = months.get(month, 0) + 1
        month_kinds[month, kind] = month_kinds.get((month, kind), 0) + 1
        met = False
        if first_contact is not None:
            wait = first_contact - created
            waits.append(wait)
            # Within a day: in time whatever the day; after LATE_AFTER_DAYS: late; in between
            # the local day decides. (Half a millisecond less: the seconds as floats are not
            # exact, and a wait of exactly one day is not within one.)
            met = wait < ONE_DAY or (wait < LATE and local.day(first_contact) < deadline)
        in_time += met
        due += met or today >= deadline
    # The case's own columns, counted in one read: (village, no place typed, status,
    # outcome, helped, in person, cases, first case).
    combined = await cases_repo.count_by_all(
        session, (Case.village_known, Case.village_other_sealed.is_(None), Case.status,
                  Case.outcome, Case.helped, Case.in_person), start, end)
    villages: list[tuple[Any, int, int]] = [
        (village, count, first) for village, untyped, *_rest, count, first in combined
        if village is not None or untyped]
    villages += [(open_column(sealed, wrapped, VILLAGE_OTHER), 1, case_id) for
                 case_id, sealed, wrapped in await cases_repo.typed_villages(session, start, end)]
    helped: Counter[bool | None] = Counter()
    for *_rest, was_helped, _in_person, count, _first in combined:
        helped[was_helped] += count
    return Figures(
        period=period.label, cases=len(stamps), per_month=tuple(months.items()),
        per_organisation=_ordered(await cases_repo.count_by_organisation(session, start, end)),
        per_village=_ordered(villages),
        per_need=_ordered(await cases_repo.count_by_need(session, start, end)),
        per_status=_ordered((row[2], *row[-2:]) for row in combined),
        per_outcome=_ordered((row[3], *row[-2:]) for row in combined if row[3] is not None),
        median_days_to_first_contact=_median_days(waits),
        contacted=len(waits), helped=helped.get(True, 0),
        answered=helped.get(True, 0) + helped.get(False, 0),
        in_person=sum(row[-2] for row in combined if row[5]),
        per_month_kind=tuple(month_kinds.items()), contacted_in_time=in_time, due=due)


def render(numbers: Figures) -> str:
    """The figures as /stats shows them, in the reader's language: words, not codes."""
    lines = [Sngettext("📊 Figures {period}: {count} case", "📊 Figures {period}: {count} cases",
                       numbers.cases).format(period=numbers.period, count=numbers.cases)]
    if not numbers.cases:
        return lines[0]

    def block(title: str, counts: Counts, name: Callable[[Any], str]) -> None:
        named: Counter[str] = Counter()
        for value, count in counts:
            named[name(value)] += count
        lines.append("")
        lines.append(title)
        lines.extend(f"  {label}: {count}" for label, count in named.most_common())

    block(S_("Per month:"), numbers.per_month, str)
    block(S_("Per organisation:"), numbers.per_organisation,
          lambda name: S_("parent") if name is None else name)
    block(S_("Per village:"), numbers.per_village, lambda village: village or "–")
    block(S_("Per need:"), numbers.per_need, lambda need: S_(NEED_NAMES.get(need, need)))
    block(S_("Per status:"), numbers.per_status,
          lambda status: S_(STATUS_NAMES.get(status, status)))
    block(S_("Per outcome:"), tuple((outcome, count) for outcome, count in numbers.per_outcome
                                    if outcome in OUTCOMES),
          lambda outcome: S_(OUTCOMES[outcome]))
    median = numbers.median_days_to_first_contact
    lines.append("")
    lines.append(S_("⏱️ Median time to first contact: {time} ({cases})").format(
        time=_days(median) if median is not None else "–",
        cases=Sngettext("{count} case", "{count} cases", numbers.contacted).format(
            count=numbers.contacted)))
    if numbers.due:
        lines.append(S_("📞 Contacted within two working days: {share} ({count} of {total})")
                     .format(share=percent(numbers.contacted_in_time, numbers.due),
                             count=numbers.contacted_in_time, total=numbers.due))
    if numbers.answered:
        lines.append(Sngettext("🙂 Families who got help: {yes} of {total} who answered",
                               "🙂 Families who got help: {yes} of {total} who answered",
                               numbers.answered).format(yes=numbers.helped,
                                                        total=numbers.answered))
    if numbers.in_person:
        lines.append(S_("🤝 Referred in person during presence hours: {count}").format(
            count=numbers.in_person))
    return "\n".join(lines)


def _reading(session: AsyncSession, sessions: async_sessionmaker[AsyncSession] | None
             ) -> AbstractAsyncContextManager[AsyncSession]:
    """Where a long read runs: a session of its own beside the update's (`sessions`), or, from
    the command line, the one session there is."""
    return reading(sessions) if sessions is not None else nullcontext(session)


@dataclass(frozen=True)
class Outreach:
    """The library's own outreach in a period, beside the cases: BoekStart bags handed out
    and the activities with their sign-ups."""

    bags: bags.BagFigures
    # The activities' block of /stats, written while their rows are loaded (in the reader's
    # language); "" when there were none.
    activities_text: str
    # The activities' numbers per village (plain numbers, the same as the text's): the chart
    # and the yearly report draw them.
    activities_per_village: tuple[activities.VillageFigures, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.bags.bags or self.activities_text or self.activities_per_village)


async def outreach(source: AsyncSession, period: Period, zone: ZoneInfo) -> Outreach:
    """The bags and the activities of a period, each read once."""
    found = await activities.figures(source, period.start, period.end)
    return Outreach(bags=await bags.bag_figures(source, period.start, period.end, zone),
                    activities_text=activities.figures_text(found, zone).strip("\n"),
                    activities_per_village=activities.per_village(found))


async def stats(session: AsyncSession, person: Person, period: Period, zone: ZoneInfo,
                sessions: async_sessionmaker[AsyncSession] | None = None,
                now: datetime | None = None, calendar: Calendar = DUTCH
                ) -> tuple[Figures, Outreach]:
    """/stats: the figures read in a session of their own when `sessions` is given (the
    update's transaction then only records that they were read). The text (`stats_message`)
    and the chart (bot.charts) are both made from them."""
    access.require(person, "stats")
    async with _reading(session, sessions) as source:
        numbers = await figures(source, period, zone, now, calendar)
        found = await outreach(source, period, zone)
    await audit.record(session, person, "figures", period=period.label, cases=numbers.cases)
    return numbers, found


async def stats_apart(sessions: async_sessionmaker[AsyncSession], person: Person,
                      period: Period, zone: ZoneInfo, now: datetime | None = None,
                      calendar: Calendar = DUTCH) -> tuple[Figures, Outreach]:
    """/stats after the update's commit (BotContext.after_commit): read in a snapshot of its
    own, the audit entry in a short transaction of its own, so the update's transaction (and
    on SQLite everyone else's writes) never waits for the read."""
    async with sessions() as session, session.begin():
        return await stats(session, person, period, zone, sessions, now, calendar)


async def stats_text(session: AsyncSession, person: Person, period: Period, zone: ZoneInfo,
                     sessions: async_sessionmaker[AsyncSession] | None = None) -> str:
    numbers, outreach = await stats(session, person, period, zone, sessions)
    return stats_message(numbers, outreach)


def stats_message(numbers: Figures, outreach: Outreach) -> str:
    """/stats as text: the cases, then the BoekStart bags and the activities when there are."""
    parts = (render(numbers), bags.render_figures(outreach.bags), outreach.activities_text)
    return "\n\n".join(part for part in parts if part)


def percent(part: int, whole: int) -> str:
    """A share as the reader's language writes it, whole percents: "83%" ("83 %" in Dutch)."""
    return format_percent(part / whole if whole else 0, format="0%",
                          locale=current_language())


def _days(days: float) -> str:
    """A number of days with one decimal, as the reader's language writes it: "1,5 dagen"."""
    number = format_decimal(days, format="0.0", locale=current_language())
    return Sngettext("{days} day", "{days} days", 1 if days == 1 else 2).format(days=number)


class _ExportRows:
    """The export's lines, cell by cell in EXPORT_COLUMNS' order. What many cases share (a
    day's date, a set of ages) is worked out once."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.local = _LocalDays(zone)
        self.ages: dict[str | None, str] = {}

    def _ages(self, text: str | None) -> str:
        found = self.ages.get(text)
        if found is None:
            found = self.ages[text] = " ".join(json.loads(text) if text else [])
        return found

    def line(self, case: Sequence[Any], needs: list[str]) -> tuple[str, ...]:
        """One case's cells (the row as storage.repositories.cases.export_chunks reads it)."""
        (_id, reference, created, source, organisation, village_known, village_sealed,
         wrapped, language, ages, contact, status, outcome, first_contact, closed, helped,
         anonymised, in_person) = case
        day = self.local.iso_day(created)
        wait = (None if first_contact is None
                else round(first_contact - created, 3) / SECONDS_A_DAY)
        village = village_known or open_column(village_sealed, wrapped, VILLAGE_OTHER)
        return (
            reference, day, day[:7], source, organisation or "", village or "",
            language or "", self._ages(ages), " ".join(needs), contact or "", status,
            outcome or "", f"{wait:.1f}" if wait is not None else "",
            self.local.iso_day(closed) if closed is not None else "",
            "" if helped is None else ("yes" if helped else "no"),
            "yes" if anonymised else "no",
            "",  # bag_link_opened: a bag's column
            "yes" if in_person else "no",
        )


async def write_export(out: BinaryIO, session: AsyncSession, period: Period, zone: ZoneInfo,
                       person: Person | None = None,
                       sessions: async_sessionmaker[AsyncSession] | None = None) -> int:
    """Write the CSV into `out` (UTF-8 with BOM and ';', as Dutch Excel opens it) as the cases
    are read, a chunk at a time; returns its row count.

    `person` None is the command line (the library's own server). The cases are read in a
    session of their own when `sessions` is given; `session` records the one audit entry
    that says who exported which cases (their references).
    """
    if person is not None:
        access.require(person, "export")
    references: list[str] = []
    async with _reading(session, sessions) as source:
        writer = spreadsheet.CsvWriter(out, EXPORT_COLUMNS, export_header())
        lines = _ExportRows(zone)
        async for rows, needs in cases_repo.export_chunks(source, period.start, period.end):
            writer.write_lines(lines.line(row, needs.get(row[0], [])) for row in rows)
            references.extend(row[1] for row in rows)
        writer.write(await bags.export_rows(source, period.start, period.end, zone))
    await audit.record(session, person, "export", period=period.label, cases=len(references),
                       references=references)
    await session.flush()
    return len(references)


async def export_csv(session: AsyncSession, period: Period, zone: ZoneInfo,
                     person: Person | None = None,
                     sessions: async_sessionmaker[AsyncSession] | None = None
                     ) -> tuple[bytes, int]:
    """The CSV as bytes (to send as a document), and its row count."""
    out = io.BytesIO()
    rows = await write_export(out, session, period, zone, person, sessions)
    return out.getvalue(), rows


async def export_apart(sessions: async_sessionmaker[AsyncSession], period: Period,
                       zone: ZoneInfo, person: Person) -> tuple[bytes, int]:
    """/export after the update's commit, as `stats_apart`: the export of every case takes
    seconds, and on SQLite the update's transaction would hold the write lock all along."""
    async with sessions() as session, session.begin():
        return await export_csv(session, period, zone, person, sessions)


async def export_activities(session: AsyncSession, period: Period, zone: ZoneInfo,
                            person: Person | None = None) -> tuple[bytes, int]:
    """The activities of the period as a CSV (counts only, no parents), and its row count."""
    if person is not None:
        access.require(person, "export")
    rows = activities.export_rows(await activities.figures(session, period.start, period.end),
                                  zone)
    return spreadsheet.to_csv(activities.EXPORT_COLUMNS, rows), len(rows)
