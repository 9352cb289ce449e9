"""BoekStart bags and activities in /stats's chart and in the yearly report (issue 18): the
chart's numbers are the text's, the report compares two years and shows no count under 5."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from storage.models import Activity, ActivitySignup, BagHandout, Organisation, Parent
from tests.test_charts import NOW, _block, _cases, _consultant, _pdf, _photo, _row
from tests.test_consultant import answer

# (village, age band, month, bags in 2026, bags in 2025); Lemelerveld's 3 are a small cell.
BAGS = (("Dalfsen", "0-3", 3, 6, 2), ("Nieuwleusen", "4-6", 4, 5, 2),
        ("Lemelerveld", "0-3", 4, 3, 0))
# (village, day in June 2026, capacity, booked, waiting, came: parents, children or None)
SESSIONS = (("Dalfsen", 3, 4, 4, 2, (3, 5)), ("Dalfsen", 10, 4, 2, 0, None),
            ("Nieuwleusen", 5, 6, 6, 1, (6, 9)))


async def _bags(bot) -> None:
    """14 bags in 2026 (all with a link, 7 of them opened), 4 in 2025; by one organisation."""
    async with bot.services.sessions() as session, session.begin():
        organisation = Organisation(name="Consultatiebureau Nieuwleusen", kind="ggd")
        session.add(organisation)
        await session.flush()
        number = 0
        for village, band, month, this_year, last_year in BAGS:
            for year, count in ((2026, this_year), (2025, last_year)):
                for index in range(count):
                    number += 1
                    created = datetime(year, month, 2 + index, 10, 0, tzinfo=UTC)
                    tips = year == 2026 and number % 7 != 0
                    session.add(BagHandout(
                        organisation_id=organisation.id, village=village, age_band=band,
                        language="ar", wants_tips=tips, created_at=created,
                        opened_at=created + timedelta(hours=2) if tips and number % 2 else None))


async def _activities(bot) -> None:
    async with bot.services.sessions() as session, session.begin():
        for village, day, capacity, booked, waiting, came in SESSIONS:
            starts = datetime(2026, 6, day, 13, 0, tzinfo=UTC)
            activity = Activity(kind="tent", starts_at=starts, ends_at=starts + timedelta(hours=2),
                                village=village, capacity=capacity, languages=["nl"],
                                attended_parents=came[0] if came else None,
                                attended_children=came[1] if came else None)
            session.add(activity)
            await session.flush()
            for index in range(booked + waiting):
                parent = Parent(language="ar")
                session.add(parent)
                await session.flush()
                session.add(ActivitySignup(activity_id=activity.id, parent_id=parent.id,
                                           status="booked" if index < booked else "waiting",
                                           children=2))


LINE = re.compile(r"(\d+) sessions, (\d+) signed up \((\d+) children\), (\d+) waiting, came: "
                  r"(\d+) parents, (\d+) children")


def _villages(text: str) -> dict[str, dict[str, int]]:
    """The "Activities per village:" lines of the /stats text, as numbers."""
    lines = text.split("\n")
    out = {}
    for line in lines[lines.index("Activities per village:") + 1:]:
        if not line.startswith("  "):
            break
        village, numbers = line.strip().split(": ", 1)
        found = LINE.fullmatch(numbers)
        assert found, line
        out[village] = dict(zip(("sessions", "booked", "children", "waiting", "parents_came",
                                 "children_came"), map(int, found.groups()), strict=True))
    return out


async def test_without_cases_the_chart_shows_the_bags_and_activities_as_the_text(bot):
    await _bags(bot)
    await _activities(bot)
    bot.services.clock = lambda: NOW
    consultant = await _consultant(bot)
    replies = await consultant.send("/stats 2026")
    text = answer(replies, "BoekStart bags")
    _image, content = _photo(bot, replies)
    shown = json.loads(_image.text["Description"])
    assert shown["cases"] == 0 and "months" not in shown  # no panels of cases
    assert shown["bags_months"] == _block(text, "Bags per month:") == {"2026-03": 6,
                                                                        "2026-04": 8}
    assert shown["activities"] == _villages(text)
    assert shown["activities"]["Dalfsen"] == {"sessions": 2, "booked": 6, "children": 12,
                                              "waiting": 2, "parents_came": 3,
                                              "children_came": 5}
    assert content.startswith(b"\x89PNG")


async def test_the_chart_puts_the_bags_under_the_cases(bot):
    await _cases(bot)
    await _bags(bot)
    bot.services.clock = lambda: NOW
    consultant = await _consultant(bot)
    replies = await consultant.send("/stats 2026")
    text = answer(replies, "📊")
    image, _content = _photo(bot, replies)
    shown = json.loads(image.text["Description"])
    assert shown["cases"] == 37 and shown["months"] == _block(text, "Per month:")
    assert shown["bags_months"] == _block(text, "Bags per month:")
    assert "activities" not in shown  # none this year: no panel


async def test_the_report_shows_the_bags_and_activities_without_small_cells(bot):
    await _cases(bot)
    await _bags(bot)
    await _activities(bot)
    bot.services.clock = lambda: NOW
    consultant = await _consultant(bot)
    reader, text, _name = _pdf(bot, await consultant.send("/report 2026 en"))
    assert len(reader.pages) == 8  # and two pages of bags, one of activities
    assert "BoekStart bags handed out" in text
    assert _row(text, "Bags in the year") == ["<5", "14"]  # 2025: 4 bags
    assert _row(text, "March") == ["<5", "6"] and _row(text, "April") == ["<5", "8"]
    assert _row(text, "0–3 months") == ["<5", "9"]
    assert _row(text, "4–6 months") == ["<5", "5"]
    assert _row(text, "families who opened the library's link") == ["–", "50%"]
    assert _row(text, "Consultatiebureau Nieuwleusen") == ["<5", "14"]
    # Lemelerveld handed out 3 bags: taken together with other places, not named.
    assert "Lemelerveld" not in text
    assert _rows(text, "Dalfsen")[1] == ["<5", "6"]  # after the cases' row
    assert _rows(text, "Nieuwleusen")[1] == ["<5", "5"]
    assert _rows(text, "other places")[-1] == ["0", "<5"]
    # Activities: sessions as they are, parents under 5 as "<5" (3 came in Dalfsen).
    assert _rows(text, "Dalfsen")[2] == ["0", "2", "0", "6", "0", "<5"]
    assert _rows(text, "Nieuwleusen")[2] == ["0", "1", "0", "6", "0", "6"]
    assert _row(text, "All villages") == ["0", "3", "0", "12", "0", "9"]
    assert "Activities per village" in text and "BoekStart bags are counted" in text


def _rows(text: str, label: str) -> list[list[str]]:
    """The cells of every table row with this label (the cases' table, the bags', ...)."""
    return [line[len(label):].split() for line in text.split("\n")
            if line.startswith(label + " ")]
