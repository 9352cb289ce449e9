"""Calling activities off through the fake Bot API: the summer tent is planned, a Polish
parent has the Monday's only place and an Arabic parent waits for it; rain: the consultant
cancels that session from /activities (a confirmation naming the families first), both are
told in their own language, the session leaves the parents' list and no reminder goes for
it; cancelling twice or after the start is refused, forged buttons change nothing, and the
rest of the series goes in one tap. A typed question about activities gets the list with
sign-up buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.activities import KINDS
from bot.callbacks import ActivityButton
from bot.i18n import translator
from bot.jobs import run_activity_reminders
from storage.models import Activity, ActivitySignup
from tests.test_activities import BEFORE, freeze, parent_in, plan_summer_tent, session_of, t, tap
from tests.test_consultant import answer, english_consultant
from tests.test_referral import join_as_partner

CANCELLED_ONE = ("❌ We are sorry: the library has cancelled this activity.",
                 "❌ We are sorry: the library has cancelled these activities.")


def told(language: str, count: int = 1) -> str:
    return translator(language).ngettext(*CANCELLED_ONE, count)


def callback_data(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b.get("callback_data", "") for row in rows for b in row]


async def test_rain_cancels_a_session_then_the_series(bot):
    freeze(bot, BEFORE)
    consultant = await english_consultant(bot)
    await plan_summer_tent(consultant)  # one place per session
    ola = await parent_in(bot, "pl", "Ola")
    amal = await parent_in(bot, "ar", "Amal")
    monday = await session_of(bot, "Nieuwleusen", 19)
    wednesday = await session_of(bot, "Dalfsen", 21)
    await ola.send(t("pl", "📖 Reading & activities"))
    await tap(ola, "join", monday.id)
    await amal.send(t("ar", "📖 Reading & activities"))
    await tap(amal, "join", monday.id)
    await tap(amal, "wait", monday.id)
    await ola.send(t("pl", "📖 Reading & activities"))
    await tap(ola, "join", wednesday.id)

    # A parent cannot cancel the activity with a forged button; nor can a partner.
    await ola.press_data(ActivityButton("dropyes", monday.id).pack())
    assert ola.callback_answer() == t("pl", "This button does not work any more.")
    worker, _, _ = await join_as_partner(bot, organisation="Vitis Welzijn", name="Fatma",
                                         consultant=consultant)
    await worker.press_data(ActivityButton("dropseryes", monday.id).pack())
    assert "Alleen de consulent" in (worker.callback_answer() or "")  # Dutch partner
    assert not [a for a in await bot.rows(Activity) if a.cancelled_at is not None]

    # Rain on Monday: ❌ in /activities, a confirmation naming who is concerned.
    await consultant.send("/activities")
    await tap(consultant, "drop", monday.id)
    assert "Cancel this session?" in consultant.last_text
    assert "Families signed up: 1; on the waiting list: 1" in consultant.last_text
    await consultant.press("↩️ No, keep it")
    assert (await session_of(bot, "Nieuwleusen", 19)).cancelled_at is None
    await consultant.send("/activities")
    await tap(consultant, "drop", monday.id)
    await consultant.press("❌ Yes, cancel")
    assert "❌ Cancelled: 1 session." in consultant.last_text
    assert "2 parents are told in their own language." in consultant.last_text
    assert (await session_of(bot, "Nieuwleusen", 19)).cancelled_at is not None
    assert await bot.count(Activity) == 18  # kept for the figures

    # Both parents hear it in their own language, with the kind and the date by Babel.
    await bot.drain_outbox()
    assert told("ar") in amal.last_text and t("ar", KINDS["tent"]) in amal.last_text
    assert "الاثنين" in amal.last_text  # Monday
    assert told("pl") in ola.last_text and t("pl", KINDS["tent"]) in ola.last_text
    assert "poniedziałek" in ola.last_text and "Nieuwleusen" in ola.last_text

    # The parents' list no longer shows it; the old buttons say it was cancelled.
    listing = (await amal.send(t("ar", "📖 Reading & activities")))[-1]
    assert not [d for d in callback_data(listing) if d.endswith(f":{monday.id}")]
    assert any(d.endswith(f":{wednesday.id}") for d in callback_data(listing))
    await amal.press_data(ActivityButton("join", monday.id).pack())
    assert amal.callback_answer() == t("ar", "Sorry, the library has cancelled this activity.")
    # No reminder for it the day before (Ola's Wednesday place is reminded as usual).
    assert await run_activity_reminders(bot.services, datetime(2027, 7, 18, 9, tzinfo=UTC)) == 0
    assert await run_activity_reminders(bot.services, datetime(2027, 7, 20, 9, tzinfo=UTC)) == 1

    # Twice: refused, nothing changes, no second message.
    before = len(ola.inbox)
    await consultant.press_data(ActivityButton("dropyes", monday.id).pack())
    assert "already cancelled" in (consultant.callback_answer() or "")
    await bot.drain_outbox()
    assert len(ola.inbox) == before

    # Wednesday has started: too late to cancel it.
    freeze(bot, datetime(2027, 7, 21, 12, 30, tzinfo=UTC))
    await consultant.press_data(ActivityButton("dropyes", wednesday.id).pack())
    assert "already started" in (consultant.callback_answer() or "")
    assert (await session_of(bot, "Dalfsen", 21)).cancelled_at is None

    # The rest of the series in one go, from Friday's ❌.
    friday = await session_of(bot, "Lemelerveld", 23)
    await consultant.send("/activities")
    await tap(consultant, "drop", friday.id)
    await consultant.press("❌ Cancel the whole series")
    assert "Cancel the whole series: 16 sessions to come?" in consultant.last_text
    await consultant.press("❌ Yes, cancel")
    assert "❌ Cancelled: 16 sessions." in consultant.last_text
    cancelled = [a for a in await bot.rows(Activity) if a.cancelled_at is not None]
    assert len(cancelled) == 17
    assert (await session_of(bot, "Dalfsen", 21)).cancelled_at is None  # it was on
    assert await bot.count(ActivitySignup) == 3  # the sign-ups stay for the figures
    listing = (await ola.send(t("pl", "📖 Reading & activities")))[-1]["text"]
    assert t("pl", "📅 Coming activities. Tap to sign up 👇") not in listing

    stats = answer(await consultant.send("/stats 2027"), "📊")
    assert "❌ 17 sessions cancelled" in stats
    assert "Dalfsen: 1 sessions" in stats


async def test_a_typed_question_about_activities_lists_them(bot):
    freeze(bot, BEFORE)
    consultant = await english_consultant(bot)
    ola = await parent_in(bot, "pl", "Ola")
    # Nothing planned: the library's usual answer, as before.
    await ola.send("Kiedy jest namiot do czytania?")
    assert t("pl", "Did this help?") in ola.last_text
    await plan_summer_tent(consultant)
    replies = await ola.send("Kiedy jest namiot do czytania?")
    listing = replies[-1]
    assert t("pl", "📅 Coming activities. Tap to sign up 👇") in listing["text"]
    assert t("pl", KINDS["tent"]) in listing["text"] and "poniedziałek" in listing["text"]
    monday = await session_of(bot, "Nieuwleusen", 19)
    assert ActivityButton("join", monday.id).pack() in callback_data(listing)
    await tap(ola, "join", monday.id)
    assert t("pl", "✅ You are signed up!") in ola.last_text
