"""/stats as a picture: the figures (bot.figures.Figures, the same numbers as the text) drawn
as one PNG a phone shows whole: one column of panels, large type, colours that people with
colour blindness tell apart (Okabe and Ito's palette), words in the reader's language.

Drawing is CPU work: it runs in a thread after the update's transaction (bot.replies
.SendRendered), from figures gathered in it. matplotlib's object interface with the Agg
canvas only (no pyplot, no display); one drawing at a time, as matplotlib's font cache and
text layout are shared. Its only font is DejaVu Sans, which comes with matplotlib.

A panel is one block of the picture. A new one is a function from the figures to a Panel (or
None when it has nothing to show), added to PANELS: the picture grows by its height. The
library's outreach (BoekStart bags per month, activities per village) has its panels in
OUTREACH_PANELS, functions of bot.figures.Outreach (plain numbers, the same as the /stats
text's), drawn under the cases' panels; without cases only they are drawn.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from babel.dates import format_date
from babel.numbers import format_decimal

from bot.bags import OTHER as OTHER_VILLAGE
from bot.cases import NEED_NAMES, OUTCOMES
from bot.figures import Figures, Outreach, percent
from bot.i18n import NS_, S_, current_language, use_language
from bot.organisations import KIND_NAMES, KINDS

# matplotlib keeps its font list in MPLCONFIGDIR (else ~/.config/matplotlib); where neither
# can be written (a read-only home in a container) a folder in the temporary directory.
if "MPLCONFIGDIR" not in os.environ and not os.access(os.path.expanduser("~"), os.W_OK):
    os.environ["MPLCONFIGDIR"] = os.path.join(tempfile.gettempdir(), "bieb-matplotlib")

import matplotlib

matplotlib.use("Agg")
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

matplotlib.rcParams.update({"font.family": "DejaVu Sans", "font.size": 16,
                            "axes.titlesize": 20, "axes.titleweight": "bold",
                            "axes.titlelocation": "left", "axes.spines.top": False,
                            "axes.spines.right": False, "svg.fonttype": "none",
                            "pdf.fonttype": 42})

# bot.report draws with these too (imported from here: MPLCONFIGDIR is set first).
__all__ = ["PANELS", "POOLED", "Figure", "FigureCanvasAgg", "Line2D", "Panel", "PdfPages",
           "draw", "drawing", "first_contact", "months_by_kind", "needs", "number", "outcomes",
           "panels", "render_png"]

# Okabe & Ito (2008): told apart with every common colour blindness.
BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, GREY = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999")
KIND_COLOURS: dict[str | None, str] = {"ggd": BLUE, "daycare": ORANGE, "school": GREEN,
                                       "welfare": PURPLE, "other": SKY, None: VERMILLION}
POOLED = "pooled"  # bot.report: the kinds with fewer than 5 cases in a month, taken together
KIND_COLOURS[POOLED] = GREY
PARENT_THEMSELVES = NS_("parent came themselves")
POOLED_NAME = NS_("fewer than 5 (together)")
WIDTH_INCHES = 7.2
DPI = 150  # 1080 pixels wide: sharp on a phone, small enough to send
_drawing = threading.Lock()
MOST_MONTHS = 36  # bars in the picture, before it shows years instead
LAST_PLAIN = 0xFFFF  # beyond: emoji and other pictures


def drawing() -> threading.Lock:
    """Held while drawing: one picture or report at a time in this process."""
    return _drawing


def kind_name(kind: str | None) -> str:
    if kind is None:
        return S_(PARENT_THEMSELVES)
    if kind == POOLED:
        return S_(POOLED_NAME)
    return S_(KIND_NAMES.get(kind, kind))


def plain(label: str) -> str:
    """A label without the emoji DejaVu Sans does not have ("📚 joined BoekStart")."""
    return "".join(char for char in label if ord(char) <= LAST_PLAIN
                   and unicodedata.category(char) != "So" and char not in "\ufe0f\u200d").strip()


def number(count: float) -> str:
    return format_decimal(count, locale=current_language())


def month_name(month: str) -> str:
    """"2026-11" -> "nov 2026" / "Nov 2026"."""
    year, nr = month.split("-")
    return format_date(date(int(year), int(nr), 1), "MMM yyyy", locale=current_language())


class Panel(Protocol):
    """One block of the picture, its words already in the reader's language."""

    @property
    def title(self) -> str: ...

    @property
    def height(self) -> float: ...  # inches at WIDTH_INCHES

    def draw(self, ax: Axes) -> None: ...

    def shown(self) -> dict[str, Any]: ...  # the numbers it shows (the PNG carries them)


@dataclass(frozen=True)
class StackedMonths:
    """Cases per month (one bar a month, top to bottom), stacked by organisation kind."""

    title: str
    months: tuple[str, ...]  # labels
    codes: tuple[str, ...]  # "2026-11"
    series: tuple[tuple[str, str, tuple[int, ...]], ...]  # (name, colour, count per month)

    @property
    def height(self) -> float:
        return 1.2 + 0.42 * len(self.months) + 0.4 * ((len(self.series) + 1) // 2)

    def draw(self, ax: Axes) -> None:
        rows = range(len(self.months))
        left = [0] * len(self.months)
        for name, colour, counts in self.series:
            ax.barh(rows, counts, left=left, color=colour, label=name, height=0.75)
            left = [a + b for a, b in zip(left, counts, strict=True)]
        for row, total in zip(rows, left, strict=True):
            # "–": a month whose few cases the yearly report leaves out (bot.report)
            ax.text(total, row, f" {number(total)}" if total else " –", va="center",
                    fontsize=15)
        ax.set_yticks(list(rows), list(self.months))
        ax.invert_yaxis()
        ax.set_xlim(0, max(left, default=1) * 1.15 or 1)
        ax.xaxis.set_visible(False)
        ax.spines["bottom"].set_visible(False)
        ax.legend(loc="upper center", bbox_to_anchor=(0.4, -0.02), ncol=2, frameon=False,
                  fontsize=14, handlelength=1.2)

    def shown(self) -> dict[str, Any]:
        return {"months": dict(zip(self.codes, (sum(c) for c in zip(
            *(counts for _n, _c, counts in self.series), strict=True)), strict=True)),
            "kinds": {name: sum(counts) for name, _c, counts in self.series}}


@dataclass(frozen=True)
class Bars:
    """One horizontal bar per label, the count at its end."""

    title: str
    bars: tuple[tuple[str, int], ...]
    colour: str = BLUE
    key: str = "bars"
    codes: tuple[str, ...] = ()  # what the numbers are keyed by instead of the labels

    @property
    def height(self) -> float:
        return 1.3 + 0.72 * len(self.bars)

    def draw(self, ax: Axes) -> None:
        """Each label above its bar, over the whole width: long words fit on a phone."""
        rows = range(len(self.bars))
        counts = [count for _label, count in self.bars]
        ax.barh(rows, counts, color=self.colour, height=0.45)
        for row, (label, count) in zip(rows, self.bars, strict=True):
            ax.text(count, row, f" {number(count)}", va="center", fontsize=15)
            ax.text(0, row - 0.3, label, va="bottom", fontsize=15)
        ax.set_ylim(len(self.bars) - 0.5, -0.9)
        ax.set_xlim(0, max(counts, default=1) * 1.15 or 1)
        ax.set_axis_off()

    def shown(self) -> dict[str, Any]:
        counts = [count for _label, count in self.bars]
        return {self.key: dict(zip(self.codes or [label for label, _c in self.bars], counts,
                                   strict=True))}


@dataclass(frozen=True)
class Groups:
    """Per label (a village) a few bars side by side (signed up, waiting, came), the label
    above them, one legend for the colours."""

    title: str
    names: tuple[tuple[str, str], ...]  # (what a bar counts, colour)
    groups: tuple[tuple[str, tuple[int, ...]], ...]  # (label, one count per name)
    numbers: dict[str, Any] = field(default_factory=dict)

    @property
    def height(self) -> float:
        return 1.6 + (0.45 + 0.32 * len(self.names)) * len(self.groups)

    def draw(self, ax: Axes) -> None:
        step = len(self.names) + 1.4
        most = max((count for _label, counts in self.groups for count in counts), default=1)
        for nr, (label, counts) in enumerate(self.groups):
            top = nr * step
            ax.text(0, top - 0.75, label, va="bottom", fontsize=15)
            for offset, ((name, colour), count) in enumerate(zip(self.names, counts,
                                                                 strict=True)):
                ax.barh(top + offset, count, color=colour, height=0.8,
                        label=name if nr == 0 else None)
                ax.text(count, top + offset, f" {number(count)}", va="center", fontsize=13)
        ax.set_ylim(len(self.groups) * step - 1.2, -1.5)
        ax.set_xlim(0, (most or 1) * 1.2)
        ax.set_axis_off()
        ax.legend(loc="upper center", bbox_to_anchor=(0.45, 0.0), ncol=len(self.names),
                  frameon=False, fontsize=13, handlelength=1.2)

    def shown(self) -> dict[str, Any]:
        return dict(self.numbers)


@dataclass(frozen=True)
class Lines:
    """A few large lines of words and numbers (the time to first contact)."""

    title: str
    lines: tuple[str, ...]
    numbers: dict[str, Any] = field(default_factory=dict)

    @property
    def height(self) -> float:
        return 0.9 + 0.55 * len(self.lines)

    def draw(self, ax: Axes) -> None:
        ax.set_axis_off()
        step = 1 / (len(self.lines) + 0.5)
        for row, line in enumerate(self.lines):
            ax.text(0, 1 - step * (row + 0.6), line, fontsize=18, va="center",
                    transform=ax.transAxes)

    def shown(self) -> dict[str, Any]:
        return dict(self.numbers)


# ---- the panels, from the figures -----------------------------------------------------------
def months_by_kind(numbers: Figures) -> Panel | None:
    """One bar a month; over more than MOST_MONTHS (`/stats all` after a few years), one bar
    a year: Telegram refuses a picture much taller than this."""
    months = sorted(dict.fromkeys(month for month, _count in numbers.per_month))
    if not months:
        return None
    by_year = len(months) > MOST_MONTHS
    counts: dict[tuple[str, Any], int] = {}
    for (month, kind), count in numbers.per_month_kind:
        key = (month[:4] if by_year else month, kind)
        counts[key] = counts.get(key, 0) + count
    bars = sorted(dict.fromkeys(month[:4] for month in months)) if by_year else months
    kinds: list[str | None] = [kind for kind in (*KINDS, None, POOLED)
                               if any(k == kind for (_m, k) in counts)]
    series = tuple((kind_name(kind), KIND_COLOURS.get(kind, GREY),
                    tuple(counts.get((bar, kind), 0) for bar in bars)) for kind in kinds)
    return StackedMonths(S_("Cases per year, by who referred") if by_year
                         else S_("Cases per month, by who referred"),
                         tuple(bars) if by_year else tuple(month_name(m) for m in months),
                         tuple(bars), series)


def needs(numbers: Figures) -> Panel | None:
    bars = sorted(((plain(S_(NEED_NAMES.get(need, str(need)))), count)
                   for need, count in numbers.per_need if need is not None),
                  key=lambda bar: -bar[1])
    return Bars(S_("Needs"), tuple(bars), ORANGE, "needs") if bars else None


def outcomes(numbers: Figures) -> Panel | None:
    bars = sorted(((plain(S_(OUTCOMES[outcome])), count) for outcome, count in numbers.per_outcome
                   if outcome in OUTCOMES), key=lambda bar: -bar[1])
    return Bars(S_("Outcomes of closed cases"), tuple(bars), GREEN, "outcomes") if bars else None


def first_contact(numbers: Figures) -> Panel | None:
    median = numbers.median_days_to_first_contact
    lines = [S_("Median: {days} days").format(
        days=format_decimal(median, format="0.0", locale=current_language()))
        if median is not None else S_("Median: –")]
    if numbers.due:
        lines.append(S_("Within 2 working days: {share}").format(
            share=percent(numbers.contacted_in_time, numbers.due)))
        lines.append(S_("({count} of {total} cases)").format(
            count=number(numbers.contacted_in_time), total=number(numbers.due)))
    return Lines(S_("Time from referral to first contact"), tuple(lines),
                 {"median_days": None if median is None else round(median, 1),
                  "contacted_in_time": numbers.contacted_in_time, "due": numbers.due})


def bags_per_month(outreach: Outreach) -> Panel | None:
    """BoekStart bags handed out per month (bot.bags.BagFigures, as the /stats text)."""
    numbers = outreach.bags
    if not numbers.bags:
        return None
    months = sorted(numbers.per_month)
    return Bars(S_("BoekStart bags handed out: {count}").format(count=number(numbers.bags)),
                tuple((month_name(month), count) for month, count in months), SKY,
                "bags_months", tuple(month for month, _count in months))


def activities_per_village(outreach: Outreach) -> Panel | None:
    """Per village: parents signed up, waiting, and parents who came (bot.activities)."""
    rows = outreach.activities_per_village
    if not rows:
        return None
    names = ((S_("signed up"), BLUE), (S_("waiting"), ORANGE), (S_("came"), GREEN))
    return Groups(S_("Activities per village (parents)"), names,
                  tuple((activity_village(row.village), (row.booked, row.waiting,
                                                         row.parents_came)) for row in rows),
                  {"activities": {row.village or "–": {
                      "sessions": row.sessions, "booked": row.booked, "children": row.children,
                      "waiting": row.waiting, "parents_came": row.parents_came,
                      "children_came": row.children_came} for row in rows}})


def activity_village(village: str | None) -> str:
    if village is None:
        return "–"
    return S_("somewhere else") if village == OTHER_VILLAGE else village


PanelBuilder = Callable[[Figures], "Panel | None"]
PANELS: list[PanelBuilder] = [months_by_kind, needs, outcomes, first_contact]
# Panels of the library's own outreach, beside the cases: under them in the picture.
OutreachBuilder = Callable[[Outreach], "Panel | None"]
OUTREACH_PANELS: list[OutreachBuilder] = [bags_per_month, activities_per_village]


def panels(numbers: Figures, builders: Sequence[PanelBuilder] | None = None) -> list[Panel]:
    made = (build(numbers) for build in (PANELS if builders is None else builders))
    return [panel for panel in made if panel is not None]


def outreach_panels(outreach: Outreach | None) -> list[Panel]:
    if outreach is None:
        return []
    made = (build(outreach) for build in OUTREACH_PANELS)
    return [panel for panel in made if panel is not None]


def draw(figure: Figure, shown: Sequence[Panel], top: float = 0.0, bottom: float = 0.0
         ) -> None:
    """The panels one under the other on `figure` (its height their heights, plus `top`
    inches above and `bottom` below, in inches)."""
    height = figure.get_figheight()
    y = height - top
    for panel in shown:
        y -= panel.height
        ax = figure.add_axes((0.34, (y + 0.3 + _legend(panel)) / height, 0.6,
                              (panel.height - 0.9 - _legend(panel)) / height))
        panel.draw(ax)
        figure.text(0.03, (y + panel.height - 0.45) / height, panel.title, fontsize=20,
                    fontweight="bold")
        if not isinstance(panel, StackedMonths):  # their words are inside: the whole width
            ax.set_position((0.05, (y + 0.2 + _legend(panel)) / height, 0.88,
                             (panel.height - 0.8 - _legend(panel)) / height))


def _legend(panel: Panel) -> float:
    if isinstance(panel, StackedMonths):
        return 0.4 * ((len(panel.series) + 1) // 2)
    if isinstance(panel, Groups):
        return 0.45
    return 0.0


def render_png(numbers: Figures, language: str, title: str | None = None,
               outreach: Outreach | None = None) -> bytes:
    """The picture of these figures (and, under them, the outreach's: BoekStart bags and
    activities) in `language`: PNG bytes, with the numbers it shows as JSON in its
    "Description" text (what tests and anyone curious can read back)."""
    with drawing(), use_language(language):
        shown = [*(panels(numbers) if numbers.cases else []), *outreach_panels(outreach)]
        heading = title or (S_("Figures {period}: {count} cases").format(
            period=numbers.period, count=number(numbers.cases)) if numbers.cases
            else S_("Figures {period}").format(period=numbers.period))
        head = 0.9
        figure = Figure(figsize=(WIDTH_INCHES, head + sum(p.height for p in shown) + 0.2),
                        dpi=DPI)
        FigureCanvasAgg(figure)
        figure.text(0.03, 1 - 0.6 / figure.get_figheight(), heading, fontsize=22,
                    fontweight="bold")
        draw(figure, shown, top=head)
        data: dict[str, Any] = {"period": numbers.period, "cases": numbers.cases}
        for panel in shown:
            data.update(panel.shown())
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=DPI, facecolor="white",
                       metadata={"Title": heading, "Description": json.dumps(data)})
        return out.getvalue()
