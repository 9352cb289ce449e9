"""The consultant's presence hours through the fake Bot API: /presence sets weekly hours, a
date is cancelled with the partners of the place told, nurses see where she is next and hand
a family over in person during a session, parents ask where to meet her."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot import figures
from bot.matcher import match
from storage.models import Case, CaseEvent, PresenceCancellation, PresenceSession
from tests.conftest import CONSULTANT_ID
from tests.harness import wait_until
from tests.test_referral import join_as_partner

# Monday 7 December 2026, 08:00 in Amsterdam (07:00 UTC).
MONDAY_MORNING = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
# The same Monday at 10:00 and 13:00 in Amsterdam.
MONDAY_TEN = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
MONDAY_ONE = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TUESDAY_TR = "Salı 8 Aralık"  # noqa: RUF001 (the Turkish dotless i)
THURSDAY_TR = "Perşembe 10 Aralık"  # noqa: RUF001 (the Turkish dotless i)


def freeze(bot, moment: datetime) -> None:
    bot.services.clock = lambda: moment


async def consultant_en(bot):
    consultant = bot.user(CONSULTANT_ID, "Bertine", "en")
    await consultant.send("/start")
    return consultant


async def add_hours(consultant, weekday: str, times: str, place: str) -> None:
    await consultant.send("/presence")
    await consultant.press("➕ Add presence hours")
    await consultant.press(weekday)
    await consultant.send(times)
    await consultant.press(place)


async def test_presence_set_then_one_date_cancelled_and_the_partners_told(bot):
    freeze(bot, MONDAY_MORNING)
    consultant = await consultant_en(bot)
    nurse, _, _ = await join_as_partner(bot, "GGD IJsselland", "Anja", consultant, "en")
    daycare, _, _ = await join_as_partner(bot, "Kinderopvang De Speelhoeve", "Ria", consultant,
                                          "en")
    await consultant.send("/presence")
    assert "no presence hours yet" in consultant.last_text

    await add_hours(consultant, "Tuesday", "09:00-11:30", "Consultatiebureau Dalfsen")
    assert any("✅ Saved: every Tuesday 09:00–11:30, Consultatiebureau Dalfsen" in t
               for t in consultant.texts())
    assert "1. Tuesday 09:00–11:30, Consultatiebureau Dalfsen" in consultant.last_text
    rows = await bot.rows(PresenceSession)
    assert [(r.weekday, r.starts, r.ends, r.village) for r in rows] == [
        (1, "09:00", "11:30", "Dalfsen")]

    await nurse.send("/consultant")
    assert "Tuesday December 8 09:00–11:30: Consultatiebureau Dalfsen" in nurse.last_text
    assert "here now" not in nurse.last_text

    # A sick day: the date is cancelled and the partners of the place hear of it.
    await consultant.press("❌ 1: cancel a date")
    assert consultant.buttons()[0] == "Tuesday December 8"
    await consultant.press("Tuesday December 8")
    await consultant.press("🤒 sick")
    assert "✅ Cancelled: Tuesday December 8" in consultant.last_text
    assert "1 partner was told" in consultant.last_text
    cancelled = await bot.rows(PresenceCancellation)
    assert [(c.day, c.reason) for c in cancelled] == [(date(2026, 12, 8), "sick")]

    await bot.drain_outbox()
    await wait_until(lambda: any("not at Consultatiebureau Dalfsen on Tuesday December 8"
                                 in t for t in nurse.texts()))
    assert "🤒 sick" in nurse.last_text
    assert not any("Consultatiebureau Dalfsen" in t for t in daycare.texts()), \
        "a daycare partner who never referred from Dalfsen is not told"

    await nurse.send("/consultant")
    assert "Tuesday December 15" in nurse.last_text
    assert "December 8" not in nurse.last_text

    # The same date again: refused, nothing more stored.
    await consultant.send("/presence")
    await consultant.press("❌ 1: cancel a date")
    await consultant.send("8-12-2026")
    assert "already cancelled" in consultant.last_text
    assert await bot.count(PresenceCancellation) == 1

    # Removing the hours: they are gone from the nurses' view.
    await consultant.send("/presence")
    await consultant.press("🗑️ 1: remove")
    assert "no presence hours yet" in consultant.last_text
    await nurse.send("/consultant")
    assert "no presence hours planned" in nurse.last_text


async def test_bad_presence_input_is_refused_with_a_clear_message_and_nothing_stored(bot):
    freeze(bot, MONDAY_MORNING)
    consultant = await consultant_en(bot)
    await add_hours(consultant, "Tuesday", "09:00-11:30", "Consultatiebureau Dalfsen")
    assert await bot.count(PresenceSession) == 1

    # Overlapping another session: the clash is named.
    await consultant.send("/presence")
    await consultant.press("➕ Add presence hours")
    await consultant.press("Tuesday")
    await consultant.send("11:00-12:00")
    assert "overlap with your hours on Tuesday 09:00–11:30, Consultatiebureau Dalfsen" in \
        consultant.last_text
    # End before start, and nonsense.
    await consultant.send("12:00-10:00")
    assert "The end is before the start" in consultant.last_text
    await consultant.send("tomorrow morning")
    assert "like 09:00-11:30" in consultant.last_text
    await consultant.send_sticker()
    assert "buttons" in consultant.last_text
    # An unknown place, typed or forged.
    await consultant.send("11:30-12:30")
    await consultant.send("Zwembad De Vrijheid")
    assert "I do not know that place" in consultant.last_text
    await consultant.press_data("pres:place:1:99", consultant.last)
    assert await bot.count(PresenceSession) == 1

    # A date in the past, and one on another weekday.
    await consultant.send("/presence")
    await consultant.press("❌ 1: cancel a date")
    await consultant.send("1-12-2026")
    assert "in the past" in consultant.last_text
    await consultant.send("10-12-2026")
    assert "not held on that date" in consultant.last_text
    await consultant.send("31-02-2027")
    assert "not a date" in consultant.last_text
    assert await bot.count(PresenceCancellation) == 0

    # Strangers, parents and partners cannot keep her hours.
    stranger = bot.user(language_code="en")
    await stranger.send("/presence")
    assert "only for library staff" in stranger.last_text
    await stranger.press_data("presn:remove:1")
    assert await bot.count(PresenceSession) == 1
    assert (await bot.rows(PresenceSession))[0].removed_at is None


async def test_a_warm_handover_during_a_session_alerts_the_consultant_and_becomes_a_case(bot):
    freeze(bot, MONDAY_MORNING)
    consultant = await consultant_en(bot)
    nurse, _, _ = await join_as_partner(bot, "GGD IJsselland", "Anja", consultant, "en")
    await add_hours(consultant, "Monday", "09:00-12:00", "Consultatiebureau Nieuwleusen")

    # Before the session: where she will be, and no handover.
    await nurse.send("/refer")
    assert any("Monday December 7 09:00–12:00: Consultatiebureau Nieuwleusen" in t
               for t in nurse.texts())
    assert not any("here now" in t for t in nurse.texts())
    assert "🤝 Warm handover: the family is with me now" not in [
        b for m in nurse.inbox for b in nurse.buttons(m)]

    freeze(bot, MONDAY_TEN)
    await nurse.send("/consultant")
    assert "🟢 Bertine is here now: Consultatiebureau Nieuwleusen, until 12:00" in \
        nurse.last_text
    await nurse.send("/refer")
    here = next(m for m in nurse.inbox if "here now" in (m.get("text") or ""))
    assert nurse.buttons(here) == ["🤝 Warm handover: the family is with me now"]
    await nurse.press("🤝 Warm handover: the family is with me now")
    assert "which room" in nurse.last_text.lower()
    await nurse.send("x" * 60)
    assert "at most 40 characters" in nurse.last_text
    assert await bot.count(Case) == 0
    await nurse.send("room 3")
    confirmation = next(t for t in nurse.texts() if "✅ Warm handover" in t)
    assert "Bertine has been alerted" in confirmation
    assert "https://t.me/bieb_test_bot?start=f_" in confirmation

    (case,) = await bot.rows(Case)
    assert case.in_person and case.source == "partner" and case.status == "new"
    assert case.village == "Nieuwleusen"
    (created,) = await bot.rows(CaseEvent)
    assert created.kind == "created" and created.detail["in_person"] is True
    assert created.detail["room"] == "room 3"

    await bot.drain_outbox()
    # The alert goes out in the language her record keeps (Dutch until she picks another).
    await wait_until(lambda: any("🚨🤝" in t for t in consultant.texts()))
    alert = next(m for m in consultant.inbox if "🚨🤝" in (m.get("text") or ""))
    assert f"WARME OVERDRACHT {case.reference}" in alert["text"]
    assert "Consultatiebureau Nieuwleusen, room 3" in alert["text"]
    assert "GGD IJsselland" in alert["text"]
    assert "🆕" not in alert["text"], "not the usual new-referral message"
    assert consultant.buttons(alert) == ["✋ Zaak oppakken", "📂 Openen"]

    # The figures count it; the export marks it.
    await consultant.send("/stats 2026")
    assert any("🤝 Referred in person during presence hours: 1" in text
               for text in consultant.texts())
    zone = bot.settings.zone
    async with bot.services.sessions() as session:
        content, rows = await figures.export_csv(session, figures.parse_period("2026", zone),
                                                 zone)
    assert rows == 1
    header, line = content.decode("utf-8-sig").splitlines()[:2]
    assert header.endswith(";Persoonlijk (spreekuur)") and line.endswith(";yes")

    # After the session: the handover button changes nothing.
    freeze(bot, MONDAY_ONE)
    await nurse.press("🤝 Warm handover: the family is with me now")
    assert "not here now" in nurse.callback_answer()
    assert await bot.count(Case) == 1


async def test_a_parent_asking_where_to_meet_her_gets_the_next_sessions_in_their_language(bot):
    freeze(bot, MONDAY_MORNING)
    consultant = await consultant_en(bot)
    await add_hours(consultant, "Tuesday", "09:00-11:30", "Consultatiebureau Dalfsen")
    await add_hours(consultant, "Thursday", "13:30-15:00", "Consultatiebureau Lemelerveld")

    question = "Kütüphane danışmanı ile nerede buluşabilirim?"  # noqa: RUF001
    assert match(question, "tr").topic == "meet"
    parent = bot.user(first_name="Ayşe", language_code="tr")
    await parent.send("/start")
    await parent.press("Türkçe")
    await parent.send(question)
    answer = parent.last_text
    assert TUESDAY_TR in answer and THURSDAY_TR in answer  # Babel, in Turkish
    assert "Consultatiebureau Dalfsen" in answer and "Consultatiebureau Lemelerveld" in answer
    assert answer.index(TUESDAY_TR) < answer.index(THURSDAY_TR)
    assert "Bertine" in answer

    arabic = bot.user(first_name="Amal", language_code="ar")
    await arabic.send("/start")
    await arabic.press("العربية")
    await arabic.send("أين يمكنني مقابلة مستشارة المكتبة؟")
    assert "الثلاثاء" in arabic.last_text and "Consultatiebureau Dalfsen" in arabic.last_text
