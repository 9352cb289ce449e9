"""The consultant's workspace through the fake Bot API: inbox, case handling, answers to
parents, the closed loop, follow-up, reminders, figures, export and the access matrix."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot import workdays
from bot.figures import EXPORT_COLUMNS
from bot.i18n import translator
from bot.jobs import run_followups, run_morning
from storage.models import AuditEntry, Case, CaseEvent, ParentMessage
from storage.repositories import people as people_repo
from tests.conftest import CONSULTANT_ID
from tests.harness import BotHarness, wait_until
from tests.test_referral import join_as_partner, refer_family

ROOT = Path(__file__).resolve().parent.parent


def ar(msgid: str) -> str:
    return translator("ar").gettext(msgid)


async def english_consultant(bot, user_id=CONSULTANT_ID, name="Bertine"):
    """A consultant who works in English, so the tests read the source texts."""
    if user_id != CONSULTANT_ID:
        async with bot.services.sessions() as session, session.begin():
            await people_repo.upsert_consultant(session, user_id, name)
    consultant = bot.user(user_id, name, "en")
    await consultant.send("/language")
    await consultant.press("English")
    return consultant


async def parent_asking(bot, question, language="en"):
    """A parent whose question the bot cannot answer: it becomes a case."""
    parent = bot.user(first_name="Amal", language_code=language)
    await parent.send("/start")
    await parent.press(parent.buttons()[0])
    await parent.send(question)
    return parent


def answer(replies, marker: str) -> str:
    """The reply that holds `marker` (notifications from the outbox may arrive in between)."""
    return next(r["text"] for r in replies if marker in r.get("text", ""))


async def newest_case(bot) -> Case:
    return max(await bot.rows(Case), key=lambda c: c.id)


async def test_inbox_pages_and_filters(bot):
    consultant = await english_consultant(bot)
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await refer_family(nurse)  # Nieuwleusen, reading, GGD
    for number in range(6):
        await parent_asking(bot, f"my landlord sent letter {number}, what does it mean")
    await bot.deliver_outbox()
    text = answer(await consultant.send("/cases"), "📥")
    assert "7" in text and "1/2" in text
    first = consultant.find_button("➡️")[0]
    assert sum(label.startswith("📂 20") for label in consultant.buttons(first)) == 5
    await consultant.press("➡️")
    second = consultant.find_button("⬅️")[0]  # the same message, now showing page 2
    assert "2/2" in second["text"]
    assert sum(label.startswith("📂 20") for label in consultant.buttons(second)) == 2
    for words, expected in (("Nieuwleusen", 1), ("reading", 1), ("GGD", 1), ("parent", 6),
                            ("mine", 0), ("closed", 0)):
        text = answer(await consultant.send(f"/cases {words}"), "📥")
        assert f": {expected} ·" in text, (words, text)
    replies = await consultant.send("/cases nonsense")
    assert "Unknown filter" in replies[0]["text"]
    await consultant.press_data("inbox:v99:0")  # forged filter
    assert "does not work any more" in consultant.callback_answer()


async def test_case_handling_along_allowed_transitions_with_closed_loop(bot):
    consultant = await english_consultant(bot)
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await refer_family(nurse)
    case = await newest_case(bot)
    view = answer(await consultant.send(f"/case {case.reference}"), "History")
    assert "Nieuwleusen" in view
    await consultant.press("✋ Take")
    await consultant.press("📞 Contact made")
    await consultant.press("📝 Note")
    await consultant.send("Mother prefers mornings; father works nights.")
    assert "Note saved" in consultant.last_text
    await consultant.press_data(f"case:contacted:{case.id}")  # not allowed any more
    assert "not possible" in consultant.callback_answer()
    await consultant.press("🏁 Close")
    await consultant.press("📚 joined BoekStart")
    closed = await newest_case(bot)
    assert (closed.status, closed.outcome) == ("closed", "boekstart")
    assert closed.first_contact_at is not None
    await consultant.press("🔁 Reopen")
    assert (await newest_case(bot)).status == "taken"
    kinds = [e.kind for e in await bot.rows(CaseEvent, CaseEvent.case_id == case.id)]
    for kind in ("created", "viewed", "take", "contacted", "note", "close", "reopen"):
        assert kind in kinds, kind
    view = answer(await consultant.send(f"/case {case.reference}"), "History")
    assert "Mother prefers mornings" in view and "joined BoekStart" in view
    # The closed loop: the nurse hears taken, contact, closed with its outcome; no note.
    await bot.drain_outbox()
    about_case = [t for t in nurse.texts() if case.reference in t]
    qr_caption = max(i for i, t in enumerate(about_case) if "QR" in t)
    loop = about_case[qr_caption + 1:]  # what came after the referral was confirmed
    assert [t[0] for t in loop] == ["📬", "📞", "✅"], loop
    assert "BoekStart" in loop[-1]
    assert not any("mornings" in t for t in nurse.texts())


async def test_two_consultants_take_at_once_exactly_one_wins(bot):
    bertine = await english_consultant(bot)
    sabine = await english_consultant(bot, 900_002, "Sabine")
    await parent_asking(bot, "my landlord sent me a strange letter")
    case = await newest_case(bot)
    await asyncio.gather(bertine.press_data(f"case:take:{case.id}"),
                         sabine.press_data(f"case:take:{case.id}"))
    answers = [bertine.callback_answer(), sabine.callback_answer()]
    assert sum("You took" in a for a in answers) == 1
    assert sum("already taken by" in a for a in answers) == 1
    assert await bot.count(CaseEvent, CaseEvent.kind == "take") == 1


async def test_prepared_answer_reaches_an_arabic_parent_and_the_answer_threads_back(bot):
    consultant = await english_consultant(bot)
    parent = await parent_asking(bot, "رسالة من المدرسة لا أفهمها عن الضرائب", "ar")
    case = await newest_case(bot)
    await consultant.send(f"/case {case.reference}")
    await consultant.press("📋 Prepared answer")
    await consultant.press("📞 We will call you this week")
    await wait_until(lambda: ar("📞 The library will call you this week.") in parent.last_text)
    assert ar("💬 A message from the library:") in parent.last_text
    await consultant.press_data(f"case:reply:{case.id}")
    await consultant.send("Hallo, ik bel u dinsdag om 10 uur.")
    await wait_until(lambda: "dinsdag om 10 uur" in parent.last_text)
    # The parent answers: it goes onto the case, not to the question matcher.
    replies = await parent.send("شكرا، الثلاثاء مناسب")
    assert ar("✅ Thank you! I sent your message to the library.") in replies[0]["text"]
    await wait_until(lambda: any("الثلاثاء مناسب" in t for t in consultant.texts()))
    directions = [m.direction for m in await bot.rows(ParentMessage,
                                                      ParentMessage.case_id == case.id)]
    assert directions == ["in", "out", "out", "in"]
    assert await bot.count(Case) == 1


async def test_reply_to_a_parent_who_blocked_the_bot_shows_on_the_case(bot):
    consultant = await english_consultant(bot)
    colleague = await english_consultant(bot, user_id=CONSULTANT_ID + 1, name="Sanne")
    parent = await parent_asking(bot, "Ik heb een brief over belasting die ik niet begrijp")
    case = await newest_case(bot)
    parent.block()
    await consultant.press_data(f"case:reply:{case.id}")
    await consultant.send("Ik bel u morgen.")
    await wait_until(lambda: any("could not be delivered: they blocked the bot" in t
                                 and case.reference in t for t in colleague.texts()))
    await consultant.send(f"/case {case.reference}")
    assert ("⚠️ a message could not be delivered (parent): they blocked the bot"
            in consultant.last_text)
    assert await bot.count(CaseEvent, CaseEvent.case_id == case.id,
                           CaseEvent.kind == "undelivered") == 1


async def test_reply_refused_without_a_parent(bot):
    consultant = await english_consultant(bot)
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await refer_family(nurse)
    case = await newest_case(bot)
    await consultant.press_data(f"case:send:{case.id}:received")
    assert "nobody to write to" in consultant.callback_answer()


async def test_followup_asks_once_and_a_no_reopens(bot):
    consultant = await english_consultant(bot)
    parent = await parent_asking(bot, "ما هو رقم الحافلة إلى المستشفى الجديد", "ar")
    case = await newest_case(bot)
    await consultant.press_data(f"case:take:{case.id}")
    await consultant.press_data(f"case:out:{case.id}:digital")
    assert await run_followups(bot.services) == 0  # not yet
    later = datetime.now(UTC) + timedelta(days=15)
    assert await run_followups(bot.services, later) == 1
    assert await run_followups(bot.services, later) == 0  # asked once only
    await wait_until(lambda: ar("👎 No") in parent.buttons())
    await parent.press(ar("👎 No"))
    reopened = await newest_case(bot)
    assert reopened.status == "taken" and reopened.helped is False
    await wait_until(lambda: any("did not get the help" in t for t in consultant.texts()))
    await parent.press_data(f"help:yes:{case.id}")  # a second answer changes nothing
    assert (await newest_case(bot)).helped is False


def _weekday_morning(days_ahead: int) -> datetime:
    moment = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    moment += timedelta(days=days_ahead)
    # A plain working day: not Monday (the digest), no weekend, no public holiday.
    while not workdays.DUTCH.is_working_day(moment.date()) or moment.weekday() == 0:
        moment += timedelta(days=1)
    return moment


async def test_reminder_once_a_day_also_after_a_restart(fake_api, settings):
    bot = BotHarness(fake_api, settings.model_copy(update={"reminders": True}))
    await bot.start()
    try:
        await _reminded_once_a_day(bot)
    finally:
        await bot.stop()


async def _reminded_once_a_day(bot):
    consultant = await english_consultant(bot)
    await parent_asking(bot, "my landlord sent me a strange letter")
    case = await newest_case(bot)
    assert bot.application.job_queue.get_jobs_by_name("morning-reminders")
    day = _weekday_morning(3)
    assert await run_morning(bot.services, day) == 1
    await wait_until(lambda: "Good morning" in consultant.last_text)
    assert case.reference in consultant.last_text
    await bot.restart()
    assert await run_morning(bot.services, day + timedelta(hours=2)) == 0  # not twice a day
    following = day + timedelta(days=1)
    while not workdays.DUTCH.is_working_day(following.date()):
        following += timedelta(days=1)
    # Christmas Day on a weekday (not a Monday: the digest): a public holiday, no reminder
    # (it would name the case).
    christmas = next(datetime(year, 12, 25, 8, 0, tzinfo=UTC) for year in
                     range(following.year + 1, following.year + 8)
                     if 0 < date(year, 12, 25).weekday() < 5)
    assert await run_morning(bot.services, christmas) == 0
    assert await run_morning(bot.services, following) >= 1
    await wait_until(lambda: sum("Good morning" in t for t in consultant.texts()) == 2)
    reminders = [t for t in consultant.texts() if "Good morning" in t]
    assert len(reminders) == 2


async def test_weekly_digest_on_monday(bot):
    consultant = await english_consultant(bot)
    await parent_asking(bot, "my landlord sent me a strange letter")
    monday = datetime.now(UTC) + timedelta(days=1)
    while monday.weekday() != 0:
        monday += timedelta(days=1)
    monday = monday.replace(hour=8)
    assert await run_morning(bot.services, monday) >= 1
    await wait_until(lambda: any("Week" in t and "1 new" in t for t in consultant.texts()))


async def test_stats_and_export_without_personal_data(bot, tmp_path):
    consultant = await english_consultant(bot)
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await refer_family(nurse, phone="06 12345678")
    await parent_asking(bot, "my landlord sent me a strange letter")
    case = await newest_case(bot)
    await consultant.press_data(f"case:contacted:{case.id}")
    await bot.deliver_outbox()
    stats = answer(await consultant.send("/stats"), "📊")
    assert "2 cases" in stats and "Nieuwleusen: 1" in stats
    assert "reading / BoekStart: 1" in stats and "parent: 1" in stats  # words, not codes
    assert "Median time to first contact" in stats
    replies = await consultant.send("/export")
    document = next(r["document"] for r in replies if "document" in r)
    content = bot.server.files[document["file_id"]].content
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, as Excel wants it
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Case", "Created", "Month"] and len(rows) == 3
    assert len(rows[0]) == len(EXPORT_COLUMNS)
    assert "12345678" not in content.decode("utf-8-sig")
    assert "landlord" not in content.decode("utf-8-sig")
    # One audit entry says which cases went out; no event is written on each case.
    assert await bot.count(CaseEvent, CaseEvent.kind == "exported") == 0
    exports = await bot.rows(AuditEntry, AuditEntry.action == "export")
    assert len(exports) == 1 and len(exports[0].detail["references"]) == 2
    assert "Which period" in answer(await consultant.send("/stats 2026-13"), "period")
    # The command line writes the same file.
    output = tmp_path / "cases.csv"
    env = {**os.environ, "DATABASE_URL": bot.settings.database_url}
    # In a thread: the bot's event loop must go on (and finish its transactions) meanwhile.
    result = await asyncio.to_thread(
        subprocess.run, [sys.executable, "main.py", "export", "--period", "all", "--output",
                         str(output)], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60)
    assert result.returncode == 0, result.stderr
    lines = output.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].split(";")[:2] == ["Zaak", "Aangemaakt"] and len(lines) == 3
    assert not (tmp_path / "cases.csv.part").exists()
    exports = await bot.rows(AuditEntry, AuditEntry.action == "export")
    assert [e.actor_role for e in exports] == ["consultant", "system"]
    assert exports[1].detail["references"] == exports[0].detail["references"]


CONSULTANT_COMMANDS = ("/cases", "/case {ref}", "/stats", "/export", "/invite Evil Corp",
                       "/partners")
CONSULTANT_BUTTONS = ("case:take:{id}", "case:open:{id}", "case:contacted:{id}",
                      "case:close:{id}", "case:out:{id}:declined", "case:reopen:{id}",
                      "case:note:{id}", "case:reply:{id}", "case:prep:{id}",
                      "case:send:{id}:received", "case:cancel:{id}", "inbox:open:0",
                      "inbox:all:1", "partner:revoke:1", "partner:confirm:1")


@pytest.mark.parametrize("role", ["parent", "partner", "stranger"])
async def test_everything_of_the_consultant_is_refused_to_others(bot, role):
    consultant = await english_consultant(bot)
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await refer_family(nurse, phone="06 12345678")
    case = await newest_case(bot)
    if role == "partner":
        other = nurse
    elif role == "parent":
        other = await parent_asking(bot, "what is the weather tomorrow in Zwolle")
    else:
        other = bot.user(language_code="en")
    await bot.deliver_outbox()
    events_before = await bot.count(CaseEvent)
    seen_before = len(other.inbox)
    for command in CONSULTANT_COMMANDS:
        replies = await other.send(command.format(ref=case.reference))
        assert len(replies) == 1, command
    for data in CONSULTANT_BUTTONS:
        await other.press_data(data.format(id=case.id))
        assert "⛔" in other.callback_answer(), data
    shown = " ".join(m.get("text", "") for m in other.inbox[seen_before:])
    assert case.reference not in shown and "12345678" not in shown
    assert not any("document" in m for m in other.inbox[seen_before:])
    assert await bot.count(CaseEvent) == events_before
    assert (await newest_case(bot)).status == "new"
