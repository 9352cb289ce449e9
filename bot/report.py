"""The yearly report for the municipality: a PDF of a few pages (Dutch, or English on
request) with the year's figures against the year before, the charts, the cases per village
and per partner organisation, the BoekStart bags and the activities (when either year had
any; bot.figures.Outreach, as /stats), and a short note on the methods.

Its numbers are bot.figures.Figures, the same as /stats, its chart and the CSV export, read
by the same aggregate queries. No personal data: only counts, and no count under 5 families
is shown (such a cell reads "<5"; villages and organisations with fewer than 5 cases in both
years are taken together). Places a family typed instead of one of the library's villages are
never named. Drawn with matplotlib (Agg, its PdfPages), after the update's transaction, in a
thread (bot.replies.SendRendered), as the chart is.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import access, audit, charts
from bot.activities import VillageFigures
from bot.bags import AGE_BANDS
from bot.cases import OUTCOMES
from bot.charts import POOLED, Figure, FigureCanvasAgg, Line2D, PdfPages, number
from bot.facts import LibraryFacts
from bot.figures import Figures, Outreach, Period, _reading, figures, outreach, percent
from bot.i18n import NS_, S_, current_language, use_language
from bot.people import Person
from bot.workdays import DUTCH, Calendar

SMALL = 5  # no count under this many families is shown
LANGUAGES = ("nl", "en")
A4 = (8.27, 11.69)
FIRST_YEAR = 2000
LONGEST_LIST = 20  # rows in a table; the rest taken together


class YearError(ValueError):
    """A year the report cannot be about; `args[0]` is a message code (see YEAR_PROBLEMS)."""


YEAR_PROBLEMS: dict[str, str] = {
    "malformed": NS_("Which year? For example /report 2026 (or /report 2026 en for English)."),
    "future": NS_("{year} has not ended yet, so there is no report for it. Try /report "
                  "{last}."),
    "empty": NS_("There were no cases in {year} or the year before: there is nothing to "
                 "report."),
}


def parse_year(text: str, now: datetime, zone: ZoneInfo) -> int:
    """'2026' -> 2026; a year that has not started is refused ("future"); the current year
    is allowed (the report then says "so far")."""
    text = text.strip()
    if not re.fullmatch(r"\d{4}", text) or int(text) < FIRST_YEAR:
        raise YearError("malformed")
    year = int(text)
    if year > now.astimezone(zone).year:
        raise YearError("future")
    return year


def filename(year: int, language: str) -> str:
    return (f"jaarverslag-{year}.pdf" if language == "nl" else f"yearly-report-{year}.pdf")


def year_period(year: int, zone: ZoneInfo) -> Period:
    return Period(str(year), datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1,
                                                                         tzinfo=zone))


@dataclass(frozen=True)
class ReportFigures:
    """What the report shows: two years of figures and the words it needs from the facts."""

    year: int
    this: Figures
    before: Figures
    library: str
    villages: tuple[str, ...]  # the library's own villages (typed places stay unnamed)
    made: datetime
    partial: bool  # the year is not over yet
    # BoekStart bags and activities, this year and the year before (the same as /stats's)
    outreach: Outreach | None = None
    outreach_before: Outreach | None = None


async def gather(session: AsyncSession, year: int, zone: ZoneInfo, now: datetime,  # noqa: PLR0913
                 facts: LibraryFacts, person: Person | None = None,
                 sessions: async_sessionmaker[AsyncSession] | None = None, *,
                 calendar: Calendar = DUTCH) -> ReportFigures:
    """The two years' figures (read in a session of their own when `sessions` is given),
    and one audit entry that the report was made. Raises YearError("empty") when neither
    year has a case."""
    if person is not None:
        access.require(person, "stats")
    async with _reading(session, sessions) as source:
        this = await figures(source, year_period(year, zone), zone, now, calendar)
        before = await figures(source, year_period(year - 1, zone), zone, now, calendar)
        out_this = await outreach(source, year_period(year, zone), zone)
        out_before = await outreach(source, year_period(year - 1, zone), zone)
    if not this.cases and not before.cases and out_this.empty and out_before.empty:
        raise YearError("empty")
    await audit.record(session, person, "report", period=str(year), cases=this.cases)
    return ReportFigures(year, this, before, facts.name, facts.villages, now.astimezone(zone),
                         now.astimezone(zone).year == year, out_this, out_before)


async def gather_apart(sessions: async_sessionmaker[AsyncSession], year: int, zone: ZoneInfo,
                       now: datetime, facts: LibraryFacts, person: Person, *,
                       calendar: Calendar = DUTCH) -> ReportFigures:
    """`gather` after the update's commit (BotContext.after_commit): two years read in a
    snapshot of their own, the audit entry in a short transaction of its own."""
    async with sessions() as session, session.begin():
        return await gather(session, year, zone, now, facts, person, sessions,
                            calendar=calendar)


# ---- small cells ----------------------------------------------------------------------------
def cell(count: int) -> str:
    """A count as the report may show it: "<5" for 1 to 4."""
    return f"<{SMALL}" if 0 < count < SMALL else number(count)


def pooled(counts: Iterable[tuple[Any, int]]) -> tuple[tuple[Any, int], ...]:
    """Counts under 5 taken together as POOLED; that sum too is dropped when under 5."""
    kept: list[tuple[Any, int]] = []
    small = 0
    for key, count in counts:
        if count >= SMALL:
            kept.append((key, count))
        else:
            small += count
    if small >= SMALL:
        kept.append((POOLED, small))
    return tuple(kept)


def suppressed(numbers: Figures) -> Figures:
    """The figures as a chart in the report may draw them: per month, the kinds with fewer
    than 5 cases taken together (dropped when still fewer), needs and outcomes likewise."""
    months: dict[str, list[tuple[Any, int]]] = {}
    for (month, kind), count in numbers.per_month_kind:
        months.setdefault(month, []).append((kind, count))
    per_month_kind = tuple(((month, kind), count) for month, kinds in months.items()
                           for kind, count in pooled(kinds))
    return replace(numbers, per_month_kind=per_month_kind,
                   per_month=tuple((month, sum(c for (m, _k), c in per_month_kind if m == month))
                                   for month in months),
                   per_need=tuple(row for row in numbers.per_need if row[1] >= SMALL),
                   per_outcome=tuple(row for row in numbers.per_outcome if row[1] >= SMALL),
                   median_days_to_first_contact=numbers.median_days_to_first_contact
                   if numbers.contacted >= SMALL else None,
                   contacted_in_time=numbers.contacted_in_time if numbers.due >= SMALL else 0,
                   due=numbers.due if numbers.due >= SMALL else 0)


def two_years(this: Sequence[tuple[Any, int]], before: Sequence[tuple[Any, int]],
              named: Iterable[Any] | None = None) -> list[tuple[Any, int, int]]:
    """(key, this year, the year before) per key with 5 or more cases in either year (and, if
    `named` is given, among those), the most this year first; the rest as one POOLED row."""
    allowed = None if named is None else set(named)
    counts: dict[Any, list[int]] = {}
    for column, rows in ((0, this), (1, before)):
        for value, count in rows:
            key = value if allowed is None or value in allowed else POOLED
            counts.setdefault(key, [0, 0])[column] += count
    rest = counts.pop(POOLED, [0, 0])
    kept = sorted(((key, a, b) for key, (a, b) in counts.items() if key is not None
                   and max(a, b) >= SMALL), key=lambda row: (-row[1], -row[2], str(row[0])))
    dropped = [(a, b) for key, (a, b) in counts.items()
               if key is None or max(a, b) < SMALL]
    kept, longer = kept[:LONGEST_LIST], kept[LONGEST_LIST:]
    rest = [rest[0] + sum(a for a, _ in dropped) + sum(row[1] for row in longer),
            rest[1] + sum(b for _, b in dropped) + sum(row[2] for row in longer)]
    if any(rest):
        kept.append((POOLED, rest[0], rest[1]))
    return kept


# ---- the pages ------------------------------------------------------------------------------
KEY_ROWS = (NS_("Cases (families)"), NS_("referred by a partner organisation"),
            NS_("came themselves (parent)"), NS_("closed with an outcome"),
            NS_("median days to first contact"), NS_("contacted within 2 working days"),
            NS_("families who said they got help"))


def key_figures(numbers: Figures) -> list[str]:
    """The first page's column for one year, each cell as the report shows it."""
    parents = sum(count for name, count in numbers.per_organisation if name is None)
    closed = sum(count for outcome, count in numbers.per_outcome if outcome in OUTCOMES)
    median = numbers.median_days_to_first_contact
    return [cell(numbers.cases), cell(numbers.cases - parents), cell(parents), cell(closed),
            (number(round(median, 1)) if median is not None and numbers.contacted >= SMALL
             else "–"),
            (f"{percent(numbers.contacted_in_time, numbers.due)}"
             if numbers.due >= SMALL else "–"),
            (S_("{yes} of {total}").format(yes=cell(numbers.helped), total=cell(numbers.answered))
             if numbers.answered >= SMALL else "–")]


def _page() -> Figure:
    figure = Figure(figsize=A4)
    FigureCanvasAgg(figure)
    return figure


def _y(figure: Figure, inches: float) -> float:
    """Inches from the top of the page as figure coordinates."""
    return 1 - inches / figure.get_figheight()


def _table(figure: Figure, top: float, header: Sequence[str], rows: Sequence[Sequence[str]],
           columns: Sequence[float] = (0.07, 0.72, 0.9), size: int = 12) -> float:
    """Rows of words, the numbers right-aligned; returns the inches used below `top`."""
    step = 0.3
    for row_nr, row in enumerate([header, *rows]):
        y = _y(figure, top + step * row_nr)
        weight = "bold" if row_nr == 0 else "normal"
        for column, (x, text) in enumerate(zip(columns, row, strict=True)):
            figure.text(x, y, text, fontsize=size, fontweight=weight,
                        ha="left" if column == 0 else "right")
        if row_nr == 0:
            figure.add_artist(Line2D(
                [columns[0], columns[-1]], [y - 0.006, y - 0.006], color="black",
                linewidth=0.8))
    return step * (len(rows) + 1)


def _footer(figure: Figure, report: ReportFigures, page: int, pages: int) -> None:
    figure.text(0.07, 0.03, S_("{library} · yearly report {year} · page {page} of {pages}")
                .format(library=report.library, year=report.year, page=page, pages=pages),
                fontsize=9, color="#555555")


def cover(report: ReportFigures) -> Figure:
    figure = _page()
    figure.text(0.07, _y(figure, 0.9), S_("Family approach {library}").format(
        library=report.library), fontsize=22, fontweight="bold")
    figure.text(0.07, _y(figure, 1.35), S_("Yearly report {year}").format(year=report.year),
                fontsize=18)
    made = S_("Figures of {year} against {before}. Made on {date}.").format(
        year=report.year, before=report.year - 1,
        date=format_date(report.made.date(), "long", locale=current_language()))
    if report.partial:
        made += " " + S_("{year} is not over yet: its figures so far.").format(year=report.year)
    _text(figure, 1.8, made, 11)
    header = [S_("Key figures"), str(report.year - 1), str(report.year)]
    rows = [[S_(label), before, this] for label, before, this in
            zip(KEY_ROWS, key_figures(report.before), key_figures(report.this), strict=True)]
    used = _table(figure, 2.7, header, rows)
    _text(figure, 2.7 + used + 0.3, S_(
        "Every number counts families referred to the library's consultant (a case), by "
        "the day the case came in. \"<5\" stands for 1 to 4 families: such small numbers "
        "are not shown, to protect the families' privacy (see the last page)."), 10)
    return figure


def _text(figure: Figure, top: float, text: str, size: int, width: int = 88) -> float:
    lines = textwrap.wrap(text, width=int(width * 11 / size))
    for nr, line in enumerate(lines):
        figure.text(0.07, _y(figure, top + nr * size / 52), line, fontsize=size)
    return len(lines) * size / 52


def chart_pages(report: ReportFigures) -> list[Figure]:
    """The chart's panels for the year, small cells taken together: months and contact on one
    page, needs and outcomes on the next."""
    numbers = suppressed(report.this)
    out = []
    for builders in ((charts.months_by_kind, charts.first_contact),
                     (charts.needs, charts.outcomes)):
        shown = charts.panels(numbers, builders)
        if not shown:
            continue
        figure = _page()
        figure.text(0.07, _y(figure, 0.7), S_("Charts {year}").format(year=report.year),
                    fontsize=18, fontweight="bold")
        charts.draw(figure, shown, top=1.0)
        out.append(figure)
    return out


def places_page(report: ReportFigures) -> Figure:
    figure = _page()
    figure.text(0.07, _y(figure, 0.7), S_("Per village and per partner organisation"),
                fontsize=18, fontweight="bold")
    years = [str(report.year - 1), str(report.year)]
    villages = two_years(report.this.per_village, report.before.per_village, report.villages)
    rows = [[S_("other places, or none given") if key is POOLED else str(key),
             cell(before), cell(this)] for key, this, before in villages]
    top = 1.2 + _table(figure, 1.2, [S_("Village"), *years], rows) + 0.4
    organisations = two_years(
        [(name, count) for name, count in report.this.per_organisation if name is not None],
        [(name, count) for name, count in report.before.per_organisation if name is not None])
    rows = [[S_("other organisations (fewer than 5 each)") if key is POOLED else str(key),
             cell(before), cell(this)] for key, this, before in organisations]
    parents = [sum(c for n, c in numbers.per_organisation if n is None)
               for numbers in (report.before, report.this)]
    rows.append([S_("parents who came themselves"), cell(parents[0]), cell(parents[1])])
    _table(figure, top, [S_("Partner organisation"), *years], rows, size=11)
    return figure


# ---- BoekStart bags and activities -----------------------------------------------------------
def _month_rows(this: Sequence[tuple[str, int]], before: Sequence[tuple[str, int]]
                ) -> list[list[str]]:
    """One row per month of the year ("2026-03" and "2025-03" in one row) with bags in either
    year, each count as the report shows it."""
    counts: dict[int, list[int]] = {}
    for column, rows in ((0, before), (1, this)):
        for month, count in rows:
            counts.setdefault(int(month[5:7]), [0, 0])[column] += count
    return [[format_date(datetime(2000, nr, 1).date(), "LLLL", locale=current_language()),
             cell(counts[nr][0]), cell(counts[nr][1])] for nr in sorted(counts)]


def _opened(numbers: Outreach | None) -> str:
    """The share of bag families with a link who opened it: shown only when both who did and
    who did not are 5 or more."""
    if numbers is None:
        return "–"
    bags = numbers.bags
    if bags.opened < SMALL or bags.with_link - bags.opened < SMALL:
        return "–"
    return percent(bags.opened, bags.with_link)


def has_outreach(report: ReportFigures) -> bool:
    return any(numbers is not None and not numbers.empty
               for numbers in (report.outreach, report.outreach_before))


def bags_pages(report: ReportFigures) -> list[Figure]:
    """The BoekStart bags against the year before: per month and per age on one page, per
    village and per organisation on the next (none without bags in either year)."""
    this = report.outreach.bags if report.outreach else None
    before = report.outreach_before.bags if report.outreach_before else None
    if this is None or before is None or not (this.bags or before.bags):
        return []
    years = [str(report.year - 1), str(report.year)]
    first = _page()
    first.text(0.07, _y(first, 0.7), S_("BoekStart bags handed out"), fontsize=18,
               fontweight="bold")
    rows = [*_month_rows(this.per_month, before.per_month),
            [S_("Bags in the year"), cell(before.bags), cell(this.bags)]]
    top = 1.2 + _table(first, 1.2, [S_("Month"), *years], rows) + 0.4
    ages = (dict(before.per_age_band), dict(this.per_age_band))
    rows = [[S_(name), cell(ages[0].get(band, 0)), cell(ages[1].get(band, 0))]
            for band, name in AGE_BANDS.items()]
    top += _table(first, top, [S_("Baby's age"), *years], rows) + 0.4
    rows = [[S_("families who opened the library's link"), _opened(report.outreach_before),
             _opened(report.outreach)]]
    top += _table(first, top, [S_("Tips by link"), *years], rows) + 0.2
    _text(first, top, S_("Of the families who wanted tips (they got a link with the bag)."), 10)
    second = _page()
    second.text(0.07, _y(second, 0.7), S_("BoekStart bags per village and per organisation"),
                fontsize=18, fontweight="bold")
    # "other" (a place outside the library's villages) and villages under 5 taken together
    villages = two_years(this.per_village, before.per_village, report.villages)
    rows = [[S_("other places") if key is POOLED else str(key), cell(b), cell(a)]
            for key, a, b in villages]
    top = 1.2 + _table(second, 1.2, [S_("Village"), *years], rows) + 0.4
    organisations = two_years(this.per_organisation, before.per_organisation)
    rows = [[S_("other organisations (fewer than 5 each)") if key is POOLED else str(key),
             cell(b), cell(a)] for key, a, b in organisations]
    _table(second, top, [S_("Partner organisation"), *years], rows, size=11)
    return [first, second]


ACTIVITY_COLUMNS = (0.07, 0.44, 0.52, 0.66, 0.74, 0.88, 0.95)


def _activity_rows(report: ReportFigures) -> list[tuple[Any, VillageFigures, VillageFigures]]:
    """(village, the year before, this year) for the library's villages with activities; the
    rest (none given, elsewhere) taken together."""
    empty = VillageFigures(None, 0, 0, 0, 0, 0, 0)
    rows: dict[Any, list[VillageFigures]] = {}
    for column, numbers in ((0, report.outreach_before), (1, report.outreach)):
        for row in numbers.activities_per_village if numbers else ():
            key = row.village if row.village in report.villages else POOLED
            pair = rows.setdefault(key, [empty, empty])
            old = pair[column]
            pair[column] = VillageFigures(
                row.village, old.sessions + row.sessions, old.booked + row.booked,
                old.children + row.children, old.waiting + row.waiting,
                old.parents_came + row.parents_came, old.children_came + row.children_came)
    ordered = sorted((key for key in rows if key is not POOLED), key=str)
    if POOLED in rows:
        ordered.append(POOLED)
    return [(key, rows[key][0], rows[key][1]) for key in ordered]


def activities_page(report: ReportFigures) -> Figure | None:
    """Activities per village against the year before: sessions, parents signed up, parents
    who came (none without activities in either year)."""
    rows = _activity_rows(report)
    if not rows:
        return None
    figure = _page()
    figure.text(0.07, _y(figure, 0.7), S_("Activities per village"), fontsize=18,
                fontweight="bold")
    for x, label in ((0.52, S_("sessions")), (0.74, S_("signed up")), (0.95, S_("came"))):
        figure.text(x, _y(figure, 1.2), label, fontsize=11, fontweight="bold", ha="right")
    years = [str(report.year - 1), str(report.year)]
    table = [[S_("other places, or none given") if key is POOLED else str(key),
              number(before.sessions), number(this.sessions), cell(before.booked),
              cell(this.booked), cell(before.parents_came), cell(this.parents_came)]
             for key, before, this in rows]
    totals = [sum(getattr(row[column], name) for row in rows)
              for name in ("sessions", "booked", "parents_came") for column in (1, 2)]
    table.append([S_("All villages"), number(totals[0]), number(totals[1]), cell(totals[2]),
                  cell(totals[3]), cell(totals[4]), cell(totals[5])])
    used = _table(figure, 1.5, [S_("Village"), *years, *years, *years], table,
                  columns=ACTIVITY_COLUMNS, size=11)
    _text(figure, 1.5 + used + 0.3, S_(
        "Signed up: parents with a place (not those on the waiting list). Came: the parents "
        "the consultant counted at the sessions whose attendance was recorded."), 10)
    return figure


def methods_page(report: ReportFigures) -> Figure:
    figure = _page()
    figure.text(0.07, _y(figure, 0.7), S_("How these figures are made"), fontsize=18,
                fontweight="bold")
    top = 1.2
    for paragraph in (
        S_("A case is one family referred to the library's consultant: by a partner "
           "professional (youth health nurse, daycare, school, welfare) or by a parent who "
           "asked in the bot themselves. It counts in the year and month it came in "
           "(Dutch time)."),
        S_("Time to first contact runs from the referral to the first time the consultant "
           "reached the family. \"Within 2 working days\" means by the end of the second "
           "working day (Monday to Friday) after the day of the referral, of the cases "
           "whose two working days are over."),
        S_("An outcome is recorded when a case is closed; a family is asked two weeks later "
           "whether they got the help they needed."),
        S_("Privacy: the report holds no personal data, only counts. No number under 5 "
           "families is shown (\"<5\"); villages and organisations with fewer than 5 "
           "families in both years are taken together, and places a family typed instead "
           "of one of the library's villages are not named. In the charts, groups of "
           "fewer than 5 families in a month are taken together or left out."),
        *((S_("BoekStart bags are counted as partner professionals record them in the bot, by "
              "the day they were handed out; a bag holds no name. The share who opened the "
              "library's link counts the families who wanted tips, and is shown only when at "
              "least 5 did and 5 did not. Activities count the sessions in the year, the "
              "parents signed up for them and the parents who came; the same rule holds: "
              "fewer than 5 parents reads \"<5\" (a number of sessions is not about "
              "families and is shown as it is)."),) if has_outreach(report) else ()),
        S_("The figures come from the same counts as the bot's /stats and the CSV export."),
    ):
        top += _text(figure, top, paragraph, 11) + 0.25
    return figure


def pages(report: ReportFigures) -> list[Figure]:
    activities = activities_page(report)
    made = [cover(report), *chart_pages(report), places_page(report), *bags_pages(report),
            *([activities] if activities is not None else []), methods_page(report)]
    for nr, figure in enumerate(made, start=1):
        _footer(figure, report, nr, len(made))
    return made


def render_pdf(report: ReportFigures, language: str) -> bytes:
    """The report as PDF bytes, in `language` (nl or en)."""
    with charts.drawing(), use_language(language):
        out = io.BytesIO()
        with PdfPages(out, metadata={"Title": S_("Yearly report {year}").format(
                year=report.year), "Creator": "bieb-bot"}) as pdf:
            for figure in pages(report):
                pdf.savefig(figure)
        return out.getvalue()


def render_page_png(report: ReportFigures, language: str, page: int, dpi: int = 100) -> bytes:
    """One page as a PNG (for the documentation)."""
    with charts.drawing(), use_language(language):
        figure = pages(report)[page]
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=dpi, facecolor="white")
        return out.getvalue()
