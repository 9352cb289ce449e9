"""/stats's chart and the yearly report (/report, `bieb-bot report`): what the consultant
receives through the fake Bot API, read back as a picture and as a PDF, against the text and
the CSV export (one source of numbers), with small cells left out."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image
from pypdf import PdfReader

from bot import charts, figures, workdays
from bot.config import ConfigError, load_settings
from storage.models import AuditEntry, Case, CaseNeed, Organisation
from tests.test_cli import run_main
from tests.test_consultant import answer, english_consultant
from tests.test_referral import join_as_partner

NOW = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)
# (organisation, kind, cases in 2026, cases in 2025); None: parents who came themselves.
SOURCES = (("GGD IJsselland", "ggd", 20, 10), ("Kinderopvang De Speelhoeve", "daycare", 8, 4),
           ("Basisschool Klein", "school", 3, 0), (None, None, 6, 5))
NEEDS = ("reading", "dutch", "digital", "letters")
OUTCOMES = ("boekstart", "member", "taalpunt")


async def _cases(bot) -> None:
    """37 cases in 2026 and 19 in 2025; in 2026 the school (3) and Lemelerveld (2) are small
    cells, and one family typed "Zwolle"."""
    number = 0
    async with bot.services.sessions() as session, session.begin():
        for name, kind, this_year, last_year in SOURCES:
            organisation = None
            if name is not None:
                organisation = Organisation(name=name, kind=kind)
                session.add(organisation)
                await session.flush()
            for year, count in ((2026, this_year), (2025, last_year)):
                for index in range(count):
                    number += 1
                    created = datetime(year, 1 + index % 4, 2 + index, 9, 0, tzinfo=UTC)
                    closed = index % 3 == 0
                    case = Case(reference=f"{year}-{number:04d}",
                                status="closed" if closed else "contacted",
                                source="parent" if organisation is None else "partner",
                                organisation_id=organisation.id if organisation else None,
                                created_at=created,
                                outcome=OUTCOMES[index % 3] if closed else None,
                                first_contact_at=created + timedelta(days=1 + index % 5),
                                needs=[CaseNeed(need=NEEDS[index % 4])])
                    if year == 2026 and name == "GGD IJsselland" and index < 2:
                        case.village = "Lemelerveld"
                    elif year == 2026 and name == "GGD IJsselland" and index == 2:
                        case.village_other = "Zwolle"
                    else:
                        case.village = "Dalfsen" if index % 2 else "Nieuwleusen"
                    session.add(case)


async def _consultant(bot):
    """The consultant, in English; her updates may take long to settle: the drawing after
    the commit is CPU work, slow on a busy test machine."""
    consultant = await english_consultant(bot)
    consultant._settle = lambda update_id: bot.settle(update_id, timeout=90)
    return consultant


def _photo(bot, replies) -> tuple[Image.Image, bytes]:
    photos = [r["photo"] for r in replies if "photo" in r]
    assert len(photos) == 1, "one chart"
    content = bot.server.files[photos[0][-1]["file_id"]].content
    image = Image.open(io.BytesIO(content))
    image.load()
    return image, content


def _block(text: str, title: str) -> dict[str, int]:
    """The "  label: count" lines under a title of the /stats text."""
    lines = text.split("\n")
    start = lines.index(title) + 1
    out: dict[str, int] = {}
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        label, count = line.strip().rsplit(": ", 1)
        out[label] = int(count)
    return out


async def test_stats_sends_a_chart_whose_numbers_are_the_texts(bot):
    await _cases(bot)
    bot.services.clock = lambda: NOW
    consultant = await _consultant(bot)
    replies = await consultant.send("/stats 2026")
    text = answer(replies, "📊")
    assert "37 cases" in text
    image, content = _photo(bot, replies)
    assert content.startswith(b"\x89PNG") and image.format == "PNG"
    width, height = image.size
    assert width == 1080 and 800 < height < 6000, image.size  # a phone's width, scrolls down
    shown = json.loads(image.text["Description"])
    assert shown["cases"] == 37
    assert shown["months"] == _block(text, "Per month:")
    assert shown["needs"] == _block(text, "Per need:")
    assert shown["outcomes"] == {charts.plain(label): count  # the emoji left out
                                 for label, count in _block(text, "Per outcome:").items()}
    assert sum(shown["kinds"].values()) == 37
    assert shown["kinds"]["youth health (GGD)"] == 20
    assert shown["kinds"]["parent came themselves"] == 6
    contact = re.search(r"within two working days: \d+% \((\d+) of (\d+)\)", text)
    assert contact and (int(contact[1]), int(contact[2])) == (shown["contacted_in_time"],
                                                                shown["due"])
    median = re.search(r"first contact: ([\d.]+) days", text)
    assert median and float(median[1]) == shown["median_days"]
    # The text went first, then the picture; the read was recorded once.
    assert next(i for i, r in enumerate(replies) if "photo" in r) > replies.index(
        next(r for r in replies if "📊" in r.get("text", "")))
    assert await bot.count(AuditEntry, AuditEntry.action == "figures") == 1


async def test_a_period_without_cases_gets_a_sentence_and_no_chart(bot):
    consultant = await english_consultant(bot)
    replies = await consultant.send("/stats 2019-03")
    assert not any("photo" in r for r in replies)
    assert "No cases in 2019-03" in answer(replies, "2019-03")
    replies = await consultant.send("/stats 2026-13")
    assert not any("photo" in r for r in replies)
    assert "Which period?" in answer(replies, "period")


def _pdf(bot, replies) -> tuple[PdfReader, str, str]:
    documents = [r["document"] for r in replies if "document" in r]
    assert len(documents) == 1, replies
    content = bot.server.files[documents[0]["file_id"]].content
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages), \
        documents[0].get("file_name", "")


def _row(text: str, label: str) -> list[str]:
    """The cells after a row's label in the PDF's text."""
    line = next(line for line in text.split("\n") if line.startswith(label))
    return line[len(label):].split()


async def test_the_yearly_report_is_a_pdf_with_both_years_and_no_small_cells(bot):
    await _cases(bot)
    bot.services.clock = lambda: NOW
    consultant = await _consultant(bot)
    reader, text, name = _pdf(bot, await consultant.send("/report 2026"))
    assert name == "jaarverslag-2026.pdf"  # Dutch unless English is asked for
    assert len(reader.pages) == 5  # key figures, two pages of charts, places, methods
    assert "Jaarverslag 2026" in text and "Bibliotheek Dalfsen" in text
    assert _row(text, "Zaken (gezinnen)") == ["19", "37"]  # 2025, 2026
    assert _row(text, "zelf gekomen (ouder)") == ["5", "6"]
    assert _row(text, "GGD IJsselland") == ["10", "20"]
    assert _row(text, "Kinderopvang De Speelhoeve") == ["<5", "8"]
    # The school referred 3 families: not named; Lemelerveld (2) and the typed place neither.
    assert "Basisschool Klein" not in text and "Zwolle" not in text
    assert "Lemelerveld" not in text
    assert "<5" in _row(text, "andere organisaties")
    assert "5 gezinnen" in text  # the methods note says what was left out
    # The CSV export counts the same cases.
    replies = await consultant.send("/export 2026")
    document = next(r["document"] for r in replies if "document" in r)
    rows = list(csv.DictReader(io.StringIO(
        bot.server.files[document["file_id"]].content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 37
    assert Counter(row["Organisation"] for row in rows)["GGD IJsselland"] == 20
    assert await bot.count(AuditEntry, AuditEntry.action == "report") == 1


async def test_the_report_in_english(bot):
    await _cases(bot)
    bot.services.clock = lambda: NOW
    consultant = await _consultant(bot)
    _reader, text, name = _pdf(bot, await consultant.send("/report 2026 en"))
    assert name == "yearly-report-2026.pdf"
    assert "Yearly report 2026" in text and _row(text, "Cases (families)") == ["19", "37"]
    assert "How these figures are made" in text


async def test_the_report_refuses_bad_years_and_strangers(bot):
    await _cases(bot)
    bot.services.clock = lambda: NOW
    consultant = await english_consultant(bot)
    for command, expected in (("/report 2028", "has not ended yet"),
                              ("/report next", "Which year?"), ("/report", "Which year?"),
                              ("/report 2001", "no cases in 2001")):
        replies = await consultant.send(command)
        assert not any("document" in r for r in replies), command
        assert expected in answer(replies, expected), command
    nurse, _, _ = await join_as_partner(bot, consultant=consultant, language_code="en")
    stranger = bot.user(language_code="en")
    for person in (nurse, stranger):
        refused = [r.get("text") for r in await person.send("/report 2026")]
        assert refused == [r.get("text") for r in await person.send("/stats 2026")]
        assert not any("document" in r for r in await person.send("/report 2026"))
    assert await bot.count(AuditEntry, AuditEntry.action == "report") == 0


def test_the_commands_write_the_report_and_the_chart_from_the_same_numbers(tmp_path):
    """`bieb-bot report` and `bieb-bot chart` on seeded cases: the PDF's cases per year, the
    chart's and the CSV export's rows are the same count."""
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cases.sqlite3",
           "MASTER_KEY_FILE": str(tmp_path / "master.key")}
    assert run_main("seed-cases", "200", "--seed", "3", env=env).returncode == 0
    year = datetime.now(UTC).year
    done = run_main("export", "--period", "all", "--output", str(tmp_path / "all.csv"), env=env)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO((tmp_path / "all.csv").read_text("utf-8-sig")),
                           delimiter=";"))[1:]  # the header in Dutch
    exported = Counter(int(row[figures.EXPORT_COLUMNS.index("month")][:4]) for row in rows)
    done = run_main("report", "--year", str(year), "--output", str(tmp_path / "r.pdf"),
                    env=env)
    assert done.returncode == 0, done.stderr
    reader = PdfReader(tmp_path / "r.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert _row(text, "Zaken (gezinnen)") == [str(exported[year - 1]), str(exported[year])]
    assert "GGD IJsselland consultatiebureau" in text  # the seeded organisations by name
    done = run_main("chart", "--period", str(year), "--output", str(tmp_path / "c.png"),
                    env=env)
    assert done.returncode == 0, done.stderr
    image = Image.open(tmp_path / "c.png")
    assert json.loads(image.text["Description"])["cases"] == exported[year]
    future = run_main("report", "--year", str(year + 1), env=env)
    assert future.returncode == 2 and "has not ended yet" in future.stderr


def test_two_working_days():
    """A case on a Friday may be contacted until Tuesday evening; on a Monday until Wednesday
    evening; one on Saturday until Wednesday evening too. Public holidays are no working
    days: a case on the Thursday before Christmas may wait until the Tuesday after."""
    friday, monday, saturday = date(2026, 11, 27), date(2026, 11, 30), date(2026, 11, 28)
    dutch, weekdays = workdays.calendar("NL"), workdays.calendar("")
    assert dutch.working_days_between(friday, date(2026, 12, 1)) == 2  # Fri, Mon
    assert dutch.contact_deadline(friday) == date(2026, 12, 2)  # Wednesday: late
    assert dutch.contact_deadline(monday) == date(2026, 12, 3)  # Thursday: late
    assert dutch.contact_deadline(saturday) == date(2026, 12, 3)
    christmas_eve = date(2026, 12, 24)  # a Thursday; 25 and 26 December are holidays
    assert dutch.contact_deadline(christmas_eve) == date(2026, 12, 30)  # Mon, Tue: in time
    assert weekdays.contact_deadline(christmas_eve) == date(2026, 12, 29)
    kings_day = date(2027, 4, 27)  # a Tuesday
    assert not dutch.is_working_day(kings_day) and weekdays.is_working_day(kings_day)
    assert dutch.contact_deadline(date(2027, 4, 26)) == date(2027, 4, 30)  # Mon: Wed, Thu


def test_the_holidays_country_is_checked():
    with pytest.raises(ConfigError, match="HOLIDAYS_COUNTRY"):
        load_settings(_env_file=None, holidays_country="XX")
    assert load_settings(_env_file=None, holidays_country="be").working_days.country == "BE"
    assert load_settings(_env_file=None, holidays_country="").working_days.is_working_day(
        date(2027, 4, 27))  # no holidays at all: King's Day is a Tuesday like any other
