"""Activities through the fake Bot API: the consultant plans the summer reading tent as a
weekly series in three villages; an Arabic and a Polish parent read it in their own
language, sign up, one lands on the waiting list and moves up when the other cancels; both
are reminded the day before on a frozen clock; a welfare worker at the tent refers a family
from there and records who came; the figures count it all; bad input changes nothing."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from bot.activities import KINDS
from bot.callbacks import ActivityButton
from bot.i18n import translator
from bot.jobs import run_activity_reminders, run_retention
from storage.models import Activity, ActivitySignup, ActivitySubscriber, Case
from tests.test_consultant import answer, english_consultant
from tests.test_referral import join_as_partner

# Early July 2027, before the summer holidays: 12:00 in Dalfsen.
BEFORE = datetime(2027, 7, 1, 10, 0, tzinfo=UTC)


def t(language: str, msgid: str) -> str:
    return translator(language).gettext(msgid)


def freeze(bot, moment: datetime) -> None:
    bot.services.clock = lambda: moment


async def plan_summer_tent(consultant, capacity="1"):
    """The tent: Mondays Nieuwleusen, Wednesdays Dalfsen, Fridays Lemelerveld, 14:00-16:00,
    from 19 July to 27 August 2027, in one go."""
    await consultant.send("/newactivity")
    await consultant.press("⛺ Reading tent")
    for village in ("Nieuwleusen", "Dalfsen", "Lemelerveld"):
        await consultant.press(f"▫️ {village}")
    await consultant.press("Next ➡️")
    await consultant.press("Every week (a series)")
    await consultant.send("27-08-2027")
    assert "Dalfsen" in consultant.last_text  # the villages in the library's order
    await consultant.send("21-07-2027 14:00-16:00")
    assert "Nieuwleusen" in consultant.last_text
    await consultant.send("19-07-2027 14:00-16:00")
    await consultant.send("23-07-2027 14:00-16:00")
    await consultant.send(capacity)
    for language in ("Nederlands", "العربية", "Polski"):
        await consultant.press(f"▫️ {language}", exact=False)
    await consultant.press("Next ➡️")
    assert "18 sessions" in consultant.last_text
    await consultant.press("✅ Save")
    assert "Saved: 18 sessions" in consultant.last_text


async def parent_in(bot, language: str, name: str):
    parent = bot.user(first_name=name, language_code=language)
    await parent.send("/start")
    await parent.press(parent.buttons()[0])
    return parent


async def tap(user, action: str, activity_id: int, number: int | None = None):
    """Tap the button of this action and activity on the newest message that shows it."""
    data = ActivityButton(action, activity_id, number).pack()  # type: ignore[arg-type]
    for message in reversed(user.inbox):
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        if any(b.get("callback_data") == data for row in rows for b in row):
            return await user.press_data(data, message)
    raise AssertionError(f"no button {data} shown to the user")


async def session_of(bot, village: str, day: int, month: int = 7) -> Activity:
    found = [a for a in await bot.rows(Activity) if a.village == village
             and a.starts_at.day == day and a.starts_at.month == month]
    assert len(found) == 1
    return found[0]


async def test_summer_tent_sign_up_waiting_list_and_reminders(bot):
    freeze(bot, BEFORE)
    consultant = await english_consultant(bot)
    amal = await parent_in(bot, "ar", "Amal")
    ola = await parent_in(bot, "pl", "Ola")
    # Amal asks to hear of new activities while none are planned: the usual answer.
    replies = await amal.send(t("ar", "📖 Reading & activities"))
    assert "⛺" in replies[-1]["text"]
    await amal.press(t("ar", "🔔 Tell me about new activities"))

    await plan_summer_tent(consultant)
    assert await bot.count(Activity) == 18
    assert len({a.series for a in await bot.rows(Activity)}) == 1
    await bot.drain_outbox()
    assert any(t("ar", "🆕 New at the library:") in text for text in amal.texts())

    # Each parent reads the tent in their own language, dates and weekdays by Babel.
    listing = (await amal.send(t("ar", "📖 Reading & activities")))[-1]["text"]
    assert t("ar", KINDS["tent"]) in listing and "الاثنين" in listing  # Monday
    assert t("ar", KINDS["tent"]) != KINDS["tent"]
    listing = (await ola.send(t("pl", "📖 Reading & activities")))[-1]["text"]
    assert t("pl", KINDS["tent"]) in listing and "poniedziałek" in listing
    assert "Nieuwleusen" in listing.split("\n\n")[2]  # the soonest first: Monday 19 July

    monday = await session_of(bot, "Nieuwleusen", 19)
    await tap(ola, "join", monday.id)
    assert t("pl", "✅ You are signed up!") in ola.last_text
    await tap(ola, "kids", monday.id, 2)
    await tap(amal, "join", monday.id)  # one place only: full
    assert t("ar", "😔 This activity is full.") in amal.last_text
    await tap(amal, "wait", monday.id)
    assert t("ar", "⏳ You are on the waiting list.") in amal.last_text
    # Twice is once: a second tap stores nothing more.
    await tap(ola, "join", monday.id)
    assert t("pl", "You are already signed up for this activity.") in ola.last_text
    assert await bot.count(ActivitySignup) == 2

    # Ola cancels: the place goes to Amal, who hears so in Arabic.
    await ola.send(t("pl", "📖 Reading & activities"))
    await tap(ola, "cancel", monday.id)
    assert t("pl", "✅ Cancelled. Thank you for telling us!") in ola.last_text
    await bot.drain_outbox()
    assert t("ar", "🎉 A place came free! You are now signed up for:") in amal.last_text
    statuses = {s.status for s in await bot.rows(ActivitySignup)}
    assert statuses == {"booked", "cancelled"}
    wednesday = await session_of(bot, "Dalfsen", 21)
    await ola.send(t("pl", "📖 Reading & activities"))
    await tap(ola, "join", wednesday.id)

    # The day before, at a sensible hour (not at seven in the morning), once.
    assert await run_activity_reminders(bot.services, datetime(2027, 7, 18, 5, tzinfo=UTC)) == 0
    assert await run_activity_reminders(bot.services, datetime(2027, 7, 18, 9, tzinfo=UTC)) == 1
    assert await run_activity_reminders(bot.services, datetime(2027, 7, 18, 15, tzinfo=UTC)) == 0
    assert await run_activity_reminders(bot.services, datetime(2027, 7, 20, 9, tzinfo=UTC)) == 1
    await bot.drain_outbox()
    assert t("ar", "⏰ Tomorrow! You are signed up for:") in amal.last_text
    assert "Nieuwleusen" in amal.last_text
    assert t("pl", "⏰ Tomorrow! You are signed up for:") in ola.last_text
    assert "Dalfsen" in ola.last_text

    # The right of access: /mydata lists the sign-ups.
    mydata = (await ola.send("/mydata"))[-1]["text"]
    assert t("pl", "📅 Your sign-ups for activities:") in mydata and "środa" in mydata

    # Too late: the tent has started.
    freeze(bot, datetime(2027, 7, 19, 12, 30, tzinfo=UTC))
    await tap(ola, "join", monday.id)  # the button on the older list
    assert t("pl", "Sorry, this activity has already started. You cannot sign up any "
                   "more.") in ola.last_text
    assert await bot.count(ActivitySignup) == 3

    # Erasing a parent takes their sign-ups and subscription along.
    await amal.send("/forget")
    await amal.press(t("ar", "🗑️ Yes, delete"))
    assert await bot.count(ActivitySignup) == 2  # Ola's two
    assert await bot.count(ActivitySubscriber) == 0


async def test_partner_at_the_tent_refers_and_counts_and_the_figures(bot):
    freeze(bot, BEFORE)
    consultant = await english_consultant(bot)
    await plan_summer_tent(consultant, capacity="10")
    worker, _, _ = await join_as_partner(bot, organisation="Vitis Welzijn", name="Fatma",
                                         consultant=consultant)
    ola = await parent_in(bot, "pl", "Ola")
    monday = await session_of(bot, "Nieuwleusen", 19)
    await ola.send(t("pl", "📖 Reading & activities"))
    await tap(ola, "join", monday.id)
    await tap(ola, "kids", monday.id, 3)

    freeze(bot, datetime(2027, 7, 19, 12, 30, tzinfo=UTC))  # at the tent
    listing = (await worker.send("/activities"))[-1]
    assert "Nieuwleusen" in listing["text"]
    await tap(worker, "refer", monday.id)
    for label in ("العربية", "Nieuwleusen", "▫️ 0–4 jaar", "Volgende ➡️"):
        await worker.press(label)
    await worker.press("lezen", exact=False)
    await worker.press("Volgende ➡️")
    await worker.press("🤝 via mij")
    await worker.press("✅ Ja, ze stemden in – versturen")
    (case,) = await bot.rows(Case)
    assert case.met_at_activity_id == monday.id
    await bot.drain_outbox()
    note = next(text for text in consultant.texts() if case.reference in text and "🆕" in text)
    assert "Met at: ⛺ Reading tent, Nieuwleusen, 19-07-2027" in note
    # The family opens the link: their village's activities come first (Nieuwleusen on
    # Monday 26 July before Dalfsen on Wednesday 21 July).
    link = next(text for text in worker.texts() if "start=f_" in text)
    family = bot.user(first_name="Amal", language_code="ar")
    await family.send("/start " + link.split("start=", 1)[1].split()[0])
    listing = (await family.send(t("ar", "📖 Reading & activities")))[-1]["text"]
    first, second = listing.split("\n\n")[2:4]
    assert "Nieuwleusen" in first and "Dalfsen" not in first and "Nieuwleusen" in second

    await worker.send("/activities")
    await tap(worker, "count", monday.id)
    await worker.send("twelve")  # not two numbers: asked again, nothing stored
    assert (await session_of(bot, "Nieuwleusen", 19)).attended_parents is None
    await worker.send("12 20")
    counted = await session_of(bot, "Nieuwleusen", 19)
    assert (counted.attended_parents, counted.attended_children) == (12, 20)

    stats = answer(await consultant.send("/stats 2027"), "📊")
    assert "Activities per village:" in stats
    assert "Nieuwleusen: 6 sessions, 1 signed up (3 children), 0 waiting, came: 12 parents, " \
           "20 children" in stats
    replies = await consultant.send("/export 2027")
    documents = [r["document"] for r in replies if "document" in r]
    assert [d["file_name"] for d in documents][-1] == "activities-2027.csv"
    content = bot.server.files[documents[-1]["file_id"]].content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content), delimiter=";"))
    assert len(rows) == 18
    row = next(r for r in rows if r["date"] == "2027-07-19")
    assert (row["signed_up"], row["children"], row["came_parents"], row["referrals"]) == (
        "1", "3", "12", "1")
    assert "Ola" not in content


async def test_a_month_after_the_activity_its_sign_ups_no_longer_say_whose(bot):
    """Privacy: who signed up for a past activity is not kept for ever; the count is."""
    freeze(bot, BEFORE)
    consultant = await english_consultant(bot)
    await plan_summer_tent(consultant, capacity="10")
    ola = await parent_in(bot, "pl", "Ola")
    monday = await session_of(bot, "Nieuwleusen", 19)
    wednesday = await session_of(bot, "Dalfsen", 21)
    await ola.send(t("pl", "📖 Reading & activities"))
    await tap(ola, "join", monday.id)
    await tap(ola, "kids", monday.id, 3)
    await ola.send(t("pl", "📖 Reading & activities"))
    await tap(ola, "join", wednesday.id)

    await run_retention(bot.services, monday.starts_at + timedelta(days=29))
    assert all(s.parent_id is not None for s in await bot.rows(ActivitySignup))
    done = await run_retention(bot.services, monday.starts_at + timedelta(days=31))
    assert done.signups == 1
    by_activity = {s.activity_id: s for s in await bot.rows(ActivitySignup)}
    assert by_activity[monday.id].parent_id is None  # a month after: nobody's
    assert by_activity[monday.id].children == 3
    assert by_activity[wednesday.id].parent_id is not None  # 29 days ago: not yet
    # The figures still count it; Ola's list and her later sign-ups still work.
    freeze(bot, monday.starts_at + timedelta(days=31))
    stats = answer(await consultant.send("/stats 2027"), "📊")
    assert "Nieuwleusen: 6 sessions, 1 signed up (3 children)" in stats
    await ola.send(t("pl", "📖 Reading & activities"))
    assert ola.last_text.strip()


async def test_the_consultant_changes_places_and_time_and_families_are_told(bot):
    freeze(bot, BEFORE)
    consultant = await english_consultant(bot)
    await plan_summer_tent(consultant)  # one place each
    amal = await parent_in(bot, "ar", "Amal")
    ola = await parent_in(bot, "pl", "Ola")
    monday = await session_of(bot, "Nieuwleusen", 19)
    await ola.send(t("pl", "📖 Reading & activities"))
    await tap(ola, "join", monday.id)
    await amal.send(t("ar", "📖 Reading & activities"))
    await tap(amal, "join", monday.id)
    await tap(amal, "wait", monday.id)

    # More places: the waiting family moves up and hears so in Arabic.
    await consultant.send("/activities")
    await tap(consultant, "edit", monday.id)
    assert "1 of 1 places taken" in consultant.last_text
    for typed in ("0", "many", "19-07-2027 16:00-14:00"):  # asked again, nothing changed
        await consultant.send(typed)
        assert "Nothing" not in consultant.last_text and "Please type" in consultant.last_text
    assert (await session_of(bot, "Nieuwleusen", 19)).capacity == 1
    await consultant.send("3")
    assert "Saved: 3 places" in consultant.last_text
    assert "1 family moved up from the waiting list" in consultant.last_text
    await bot.drain_outbox()
    assert t("ar", "🎉 A place came free! You are now signed up for:") in amal.last_text
    assert {s.status for s in await bot.rows(ActivitySignup)} == {"booked"}

    # Fewer places than families booked, a time taken by the next Monday's session, a time
    # gone by: refused, the question stays.
    await consultant.send("/activities")
    await tap(consultant, "edit", monday.id)
    await consultant.send("1")
    assert "2 families have a place: type at least 2" in consultant.last_text
    await consultant.send("26-07-2027 15:00-16:00")
    assert "At that time Nieuwleusen has" in consultant.last_text
    await consultant.send("01-06-2027 14:00-16:00")
    assert "That time has passed" in consultant.last_text
    moved = await session_of(bot, "Nieuwleusen", 19)
    assert (moved.capacity, moved.starts_at.hour) == (3, 12)  # 14:00 in Amsterdam

    # Another time: both families are told in their own language, with the new time.
    await consultant.send("20-07-2027 10:00-12:00")
    assert "Saved:" in consultant.last_text and "20-07-2027 10:00" in consultant.last_text
    assert "2 parents are told" in consultant.last_text
    await bot.drain_outbox()
    moved_text = "🕒 The library moved this activity to another time:"
    assert t("pl", moved_text) != moved_text and t("pl", moved_text) in ola.last_text
    assert "20" in ola.last_text and "10:00" in ola.last_text
    assert t("ar", moved_text) in amal.last_text
    # The reminder follows the new day (the day before, 20 July's eve).
    freeze(bot, datetime(2027, 7, 19, 16, 0, tzinfo=UTC))
    assert await run_activity_reminders(bot.services) == 2

    # ↩️ Keep it as it is: out of the question; a number typed then changes nothing.
    await consultant.send("/activities")
    wednesday = await session_of(bot, "Dalfsen", 21)
    await tap(consultant, "edit", wednesday.id)
    await tap(consultant, "same", wednesday.id)
    assert "Nothing changed." in consultant.inbox[-1]["text"] or any(
        "Nothing changed." in text for text in consultant.texts()[-3:])
    await consultant.send("7")
    assert (await session_of(bot, "Dalfsen", 21)).capacity == 1
    # A parent's forged change button does nothing.
    await ola.press_data(ActivityButton("edit", wednesday.id).pack(), ola.inbox[-1])
    assert (await session_of(bot, "Dalfsen", 21)).capacity == 1


async def test_bad_input_changes_nothing(bot):
    freeze(bot, BEFORE)
    consultant = await english_consultant(bot)
    await plan_summer_tent(consultant)
    await consultant.send("/newactivity")
    await consultant.press("➕ Other (type a title)")
    await consultant.send("Koffie-ochtend voor ouders")
    await consultant.press("Next ➡️")
    assert "Please tap at least one" in consultant.callback_answer()
    await consultant.press("▫️ Dalfsen")
    await consultant.press("Next ➡️")
    await consultant.press("Once")
    await consultant.send("01-07-2020 10:00-11:00")
    assert "in the past" in consultant.last_text
    await consultant.send("next tuesday")
    assert "like 21-07-2027 14:00-16:00" in consultant.last_text
    await consultant.send("21-07-2027 15:00-17:00")  # the tent is in Dalfsen then
    assert "Another activity is at the same place" in consultant.last_text
    await consultant.send("21-07-2027 16:00-17:00")  # right after it: fine
    for capacity in ("0", "ten", "-3"):
        await consultant.send(capacity)
        assert "number of places from 1 to 500" in consultant.last_text
    await consultant.send_sticker()
    assert "Please type" in consultant.last_text
    await consultant.send("8")
    await consultant.press("▫️ Nederlands")
    await consultant.press("Next ➡️")
    await consultant.press("✅ Save")
    assert await bot.count(Activity) == 19
    koffie = max(await bot.rows(Activity), key=lambda a: a.id)
    assert (koffie.kind, koffie.title) == ("other", "Koffie-ochtend voor ouders")

    # A parent sees the typed title as typed; forged and stale buttons change nothing.
    parent = await parent_in(bot, "tr", "Ayşe")
    listing = (await parent.send(t("tr", "📖 Reading & activities")))[-1]["text"]
    assert "Koffie-ochtend voor ouders" not in listing or "📌" in listing
    await parent.press_data("act:join:99999")
    assert t("tr", "This button does not work any more.") == parent.callback_answer()
    await parent.press_data(f"act:kids:{koffie.id}:2")  # not signed up
    assert t("tr", "This button does not work any more.") == parent.callback_answer()
    await parent.press_data("act:count:1")  # a partner's button
    assert t("tr", "This button does not work any more.") == parent.callback_answer()
    await parent.press_data("actf:save:1:summary")  # the consultant's flow
    assert await bot.count(ActivitySignup) == 0
    assert await bot.count(Activity) == 19
    # Strangers and parents cannot plan activities.
    await parent.send("/newactivity")
    assert await bot.count(Activity) == 19
