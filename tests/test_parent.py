"""The parent's side through the fake Bot API: menu, answers, questions, contact, media,
privacy, and whatever else a parent may send."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, select, text

from bot import people
from bot.answers import answer_text
from bot.config import DEFAULT_FACTS_PATH
from bot.facts import load_facts
from bot.i18n import for_reader, load_catalogs, translator, use_language
from bot.people import Role
from storage.models import Base, Case, CaseEvent, Parent, ParentMessage
from tests.conftest import CONSULTANT_ID
from tests.harness import wait_until
from tests.test_referral import join_as_partner, refer_family


def label(language: str, msgid: str) -> str:
    return translator(language).gettext(msgid)


def shown(language: str, msgid: str) -> str:
    """A catalog text as the bot sends it on its own (right to left in Arabic and Farsi)."""
    return for_reader(label(language, msgid), language)


async def consultant_ready(bot):
    """The library's consultant, who has started the bot (Telegram requires it)."""
    consultant = bot.user(CONSULTANT_ID, "Bertine", "nl")
    await consultant.send("/start")
    return consultant


async def parent_with_menu(bot, language="en", pick=None):
    """A parent who started the bot and chose a language (by its own name)."""
    parent = bot.user(first_name="Amal", language_code=language)
    await parent.send("/start")
    await parent.press(pick or parent.buttons()[0])
    return parent


async def test_start_language_then_menu_in_that_language(bot):
    parent = bot.user(language_code="ar")
    await parent.send("/start")
    assert parent.buttons()[0] == "العربية"
    await parent.press("ትግርኛ")
    assert parent.keyboard()[0] == label("ti", "🏛️ Library")
    assert (await bot.rows(Parent))[0].language == "ti"
    await parent.press_data("lang:set:xx")  # forged: nothing changes
    assert (await bot.rows(Parent))[0].language == "ti"


async def test_the_picker_offers_english_first_when_telegram_speaks_none_of_the_nine(bot):
    german = bot.user(language_code="de")
    await german.send("/start")
    assert german.buttons()[:2] == ["English", "Nederlands"]
    assert len(german.buttons()) == 9
    await german.send("/language")
    assert german.buttons()[0] == "English"
    nobody_knows = bot.user(language_code=None)
    await nobody_knows.send("/start")
    assert nobody_knows.buttons()[0] == "English"
    # One of the nine: that one first (a regional variant, Dari as Farsi).
    for code, first in (("nl-BE", "Nederlands"), ("prs", "فارسی"), ("so", "Soomaali")):
        user = bot.user(language_code=code)
        await user.send("/start")
        assert user.buttons()[0] == first, code
    # Once chosen, the choice comes first, from the menu's button too.
    await german.press("Polski")
    await german.send(label("pl", "🌍 Language"))
    assert german.buttons()[0] == "Polski"


async def test_language_button_in_the_menu_changes_language(bot):
    parent = await parent_with_menu(bot, "en")
    await parent.send("🌍 Language")
    await parent.press("Türkçe")
    assert parent.keyboard()[0] == label("tr", "🏛️ Library")
    await parent.send("/language")
    await parent.press("English")
    assert parent.keyboard()[0] == "🏛️ Library"


async def test_menu_topics_answer_with_facts(bot):
    parent = await parent_with_menu(bot, "en")
    replies = await parent.send("🏛️ Library")
    assert parent.keyboard()[0] == "🏛️ Library"  # the menu stays under the village buttons
    replies = await parent.press("📍 Dalfsen")
    answer = parent.last_text
    assert "Prinsenstraat 24" in answer and "Marktplein 1" not in answer
    assert "Monday 14:00–17:30" in answer and "free" in answer
    assert "Tuesday, Wednesday, and Friday 10:00–17:30" in answer
    replies = await parent.send("🗣️ Learn Dutch")
    assert "Taalpunt" in replies[0]["text"] and "Tuesday 09:30–11:30" in replies[0]["text"]
    replies = await parent.send("📖 Reading & activities")
    assert "reading tent" in replies[0]["text"] and "Lemelerveld" in replies[0]["text"]
    replies = await parent.send("💻 Computer & DigiD")
    assert "DigiD" in replies[0]["text"] and "Wednesday 10:00–12:00" in replies[0]["text"]
    replies = await parent.send("👶 BoekStart")
    assert "baby" in replies[0]["text"]
    assert parent.keyboard()[0] == "🏛️ Library"  # the menu stays


def test_reading_tent_dates_are_shown_only_while_they_are_to_come():
    facts = load_facts(DEFAULT_FACTS_PATH)
    load_catalogs()
    with use_language("en"):
        before = answer_text("activities", facts, today=date(2027, 7, 1))
        after = answer_text("activities", facts, today=date(2027, 9, 1))
    assert "from July 19, 2027 to August 27, 2027" in before
    assert "2027" not in after and "The new dates will be here soon." in after
    with use_language("ar"):
        after = answer_text("activities", facts, today=date(2027, 9, 1))
    assert "2027" not in after and "Lemelerveld" in after
    assert translator("ar").gettext(
        "⛺ In the summer holidays there is a reading tent with books and stories. "
        "It comes to {villages}, once a week. The new dates will be here soon."
    ).split("{")[0] in after


async def test_menu_shows_facts_in_arabic(bot):
    parent = await parent_with_menu(bot, "ar")
    await parent.send(label("ar", "🏛️ Library"))
    await parent.press("📍 Dalfsen")
    assert "الاثنين" in parent.last_text  # Monday, from Babel's calendar data
    assert "Prinsenstraat 24" in parent.last_text


async def test_the_library_asks_which_village_first(bot):
    parent = await parent_with_menu(bot, "en")
    replies = await parent.send("🏛️ Library")
    question = replies[0]
    assert len(replies) == 1 and "Which village" in question["text"]
    assert "Prinsenstraat" not in question["text"] and "Monday" not in question["text"]
    assert parent.buttons(question) == ["📍 Dalfsen", "📍 Nieuwleusen", "📍 Lemelerveld", "🔊"]
    # A tap shows that branch in the same message, with buttons for the others.
    assert await parent.press("📍 Nieuwleusen") == []  # edited in place, nothing new
    answer = parent.last_text
    assert "Kerkstraat 21" in answer and "Prinsenstraat" not in answer
    assert "Monday and Friday 14:00–17:30" in answer
    assert parent.buttons() == ["📍 Dalfsen", "📍 Lemelerveld", "🔊"]
    await parent.press("📍 Lemelerveld")
    assert "Marktplein 1" in parent.last_text
    assert parent.buttons() == ["📍 Dalfsen", "📍 Nieuwleusen", "🔊"]
    # Forged or foreign data changes nothing.
    before = parent.last_text
    for forged in ("place:show:3", "place:show:-1", "place:open:0", "place:show:0:x",
                   "place:send:99:1"):
        await parent.press_data(forged, parent.last)
        assert parent.last_text == before
        assert "does not work any more" in parent.callback_answer()
    assert await bot.count(Case) == 0 and await bot.count(ParentMessage) == 0


async def test_a_referred_family_gets_the_branch_of_their_village_at_once(bot):
    nurse, _consultant, _ = await join_as_partner(bot)
    await refer_family(nurse)  # the family lives in Nieuwleusen
    token = next(t for t in nurse.texts() if "start=f_" in t).split("start=", 1)[1].split()[0]
    parent = bot.user(first_name="Amal", language_code="en")
    await parent.send(f"/start {token}")
    await parent.send("🏛️ Library")
    assert "Kerkstraat 21" in parent.last_text and "Prinsenstraat" not in parent.last_text
    assert parent.buttons() == ["📍 Dalfsen", "📍 Lemelerveld", "🔊"]
    await parent.press("📍 Dalfsen")
    assert "Prinsenstraat 24" in parent.last_text


async def test_the_librarys_prepared_answers_name_the_familys_branch_or_ask(bot):
    consultant = await consultant_ready(bot)
    parent = await parent_with_menu(bot, "en")
    await parent.send("my landlord wants me to sign a paper, what does it mean?")
    case = (await bot.rows(Case))[0]
    await consultant.press_data(f"case:send:{case.id}:come_to_library")
    await wait_until(lambda: "Please come to the library" in parent.last_text)
    assert "Which village" in parent.last_text and "Prinsenstraat" not in parent.last_text
    replies = await parent.press("📍 Lemelerveld")  # a new message: the library's stays
    assert "Marktplein 1" in replies[0]["text"]
    assert parent.buttons(replies[0]) == ["📍 Dalfsen", "📍 Nieuwleusen"]
    assert "Please come to the library" in parent.texts()[-2]
    # A referred family's case knows the village: its branch at once.
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await refer_family(nurse)  # Nieuwleusen, in Arabic
    token = next(t for t in nurse.texts() if "start=f_" in t).split("start=", 1)[1].split()[0]
    family = bot.user(first_name="Amal", language_code="ar")
    await family.send(f"/start {token}")
    referred = next(c for c in await bot.rows(Case) if c.village == "Nieuwleusen")
    await consultant.press_data(f"case:send:{referred.id}:library")
    await wait_until(lambda: "Kerkstraat 21" in family.last_text)
    assert "Prinsenstraat" not in family.last_text
    assert family.buttons() == ["📍 Dalfsen", "📍 Lemelerveld"]


async def test_question_answered_with_feedback(bot):
    parent = await parent_with_menu(bot, "en")
    replies = await parent.send("when is the library open on saturday?")
    assert "Which village" in replies[0]["text"] and "Did this help?" in replies[0]["text"]
    assert parent.buttons(replies[0]) == ["📍 Dalfsen", "📍 Nieuwleusen", "📍 Lemelerveld",
                                          "👍", "👎", "🔊"]  # 🔊: tests/test_voice.py
    await parent.press("📍 Dalfsen")
    assert "Prinsenstraat" in parent.last_text and "Did this help?" in parent.last_text
    assert parent.buttons() == ["📍 Nieuwleusen", "📍 Lemelerveld", "👍", "👎", "🔊"]
    await parent.press("👍")
    assert (await bot.rows(ParentMessage))[0].helpful is True
    assert await bot.count(Case) == 0


async def test_thumbs_down_passes_the_question_to_the_consultant(bot):
    consultant = await consultant_ready(bot)
    parent = await parent_with_menu(bot, "en")
    await parent.send("how do I get DigiD for my son?")
    thumbs_down = parent.find_button("👎")[1]["callback_data"]
    await parent.press_data(thumbs_down)
    assert "Bertine" in parent.last_text and "3" in parent.last_text
    await wait_until(lambda: any("DigiD for my son" in t for t in consultant.texts()))
    case = (await bot.rows(Case))[0]
    assert case.source == "parent" and case.family_language == "en"
    await parent.press_data(thumbs_down)  # pressed twice: still one case, one notification
    await bot.deliver_outbox()
    assert await bot.count(Case) == 1
    assert sum("DigiD for my son" in t for t in consultant.texts()) == 1


async def test_unrecognised_question_becomes_a_case(bot):
    consultant = await consultant_ready(bot)
    parent = await parent_with_menu(bot, "en")
    replies = await parent.send("my landlord wants me to sign a paper, what does it mean?")
    assert "do not know the answer" in replies[0]["text"] and "Bertine" in replies[0]["text"]
    await wait_until(lambda: any("landlord" in t for t in consultant.texts()))
    await consultant.press("✋ Zaak oppakken")
    assert "-0001" in consultant.callback_answer()
    assert "landlord" in consultant.last_text  # the case view shows the parent's question
    # A second question lands on the same open case.
    await parent.send("and what about the water bill?")
    await wait_until(lambda: any("water bill" in t for t in consultant.texts()))
    assert await bot.count(Case) == 1
    assert await bot.count(ParentMessage, ParentMessage.case_id.is_not(None)) == 2


async def test_small_talk_gets_a_friendly_word_and_makes_no_case(bot):
    consultant = await consultant_ready(bot)
    parent = await parent_with_menu(bot, "en")
    for said, reply in (("thank you!", "You are welcome"), ("👍", "You are welcome"),
                        ("hello", "Hello")):
        replies = await parent.send(said)
        assert reply in replies[0]["text"], said
        assert parent.keyboard(), "the menu comes with it"
    arabic = await parent_with_menu(bot, "ar", pick="العربية")
    replies = await arabic.send("شكرا كتير 🌹")
    assert replies[0]["text"] == for_reader(translator("ar").gettext(
        "😊 You are welcome! Tap a button 👇 or type your question."), "ar")
    await bot.deliver_outbox()
    assert await bot.count(Case) == 0
    assert await bot.count(ParentMessage) == 0, "small talk is not stored"
    assert not [t for t in consultant.texts() if "welcome" in t.lower() or "شكرا" in t]


async def test_unsure_small_talk_offers_one_tap_to_send_it_to_the_library(bot):
    """Small talk with a word the lists do not know may have asked something after all: the
    friendly word comes with a button that passes the message on; nothing happens before."""
    consultant = await consultant_ready(bot)
    parent = await parent_with_menu(bot, "en")
    replies = await parent.send("hello grandma")
    assert "Hello" in replies[0]["text"]
    assert parent.buttons(replies[0]) == ["📨 Send my message to the library"]
    assert not (await parent.send("thank you!"))[0]["reply_markup_sent"].get("inline_keyboard")
    await bot.deliver_outbox()
    assert await bot.count(Case) == 0
    assert not [t for t in consultant.texts() if "grandma" in t]
    message, pass_on = parent.find_button("📨 Send my message to the library")
    stranger = await parent_with_menu(bot, "en")
    await stranger.press_data(pass_on["callback_data"])  # not theirs: nothing happens
    assert "does not work any more" in stranger.callback_answer()
    await stranger.press_data("passon:999")  # forged
    assert "does not work any more" in stranger.callback_answer()
    assert await bot.count(Case) == 0

    await parent.press_data(pass_on["callback_data"], message)
    assert "sent your message to the library" in parent.last_text
    assert not parent.buttons(message), "the button is taken off"
    await wait_until(lambda: any("grandma" in t for t in consultant.texts()))
    await parent.press_data(pass_on["callback_data"], message)  # twice: still one case
    assert "does not work any more" in parent.callback_answer()
    await bot.deliver_outbox()
    assert await bot.count(Case) == 1
    assert sum("grandma" in t for t in consultant.texts()) == 1


async def test_violence_at_home_points_to_help_now_and_reaches_the_library(bot):
    consultant = await consultant_ready(bot)
    parent = await parent_with_menu(bot, "en")
    replies = await parent.send("hello, my husband hits me")
    assert "112" in replies[0]["text"] and "0800 2000" in replies[0]["text"]
    assert "huisarts" not in replies[0]["text"], "not the health answer"
    await wait_until(lambda: any("hits me" in t for t in consultant.texts()))
    assert await bot.count(Case) == 1


async def test_not_wanting_to_live_points_to_113_and_reaches_the_library(bot):
    consultant = await consultant_ready(bot)
    parent = await parent_with_menu(bot, "nl")
    replies = await parent.send("dank je, maar ik wil niet meer leven")
    assert "112" in replies[0]["text"] and "0800 0113" in replies[0]["text"]
    assert "0800 2000" not in replies[0]["text"], "not the answer about violence at home"
    assert "Je bent niet alleen" in replies[0]["text"], "in the parent's language"
    await wait_until(lambda: any("niet meer leven" in t for t in consultant.texts()))
    assert await bot.count(Case) == 1


async def test_a_health_question_points_to_the_doctor_and_reaches_the_library(bot):
    consultant = await consultant_ready(bot)
    parent = await parent_with_menu(bot, "en")
    replies = await parent.send("my toddler has a rash and fever, what should I do")
    assert "112" in replies[0]["text"] and "huisarts" in replies[0]["text"]
    assert "Reading" not in replies[0]["text"], "not the activities answer"
    await wait_until(lambda: any("rash" in t for t in consultant.texts()))
    assert await bot.count(Case) == 1


async def test_contact_me_by_shared_phone(bot):
    consultant = await consultant_ready(bot)
    parent = await parent_with_menu(bot, "en")
    await parent.send("📞 Contact me")
    markup = parent.inbox[-2]["reply_markup_sent"]  # the last message offers 🔊
    assert markup["keyboard"][0][0]["request_contact"] is True
    await parent.share_contact("31612345678")
    assert "06 12345678" in parent.last_text and "Bertine" in parent.last_text
    await wait_until(lambda: any("telefonisch" in t for t in consultant.texts()))
    assert not any("12345678" in t for t in consultant.texts())  # on the case view only
    case = (await bot.rows(Case))[0]
    assert (case.source, case.contact_method, case.phone) == ("parent", "phone", "+31612345678")
    assert case.consent_source == "parent"


async def test_contact_me_refuses_someone_elses_number(bot):
    parent = await parent_with_menu(bot, "en")
    await parent.send("📞 Contact me")
    await parent.share_contact("31687654321", own=False)
    assert "your own phone number" in parent.last_text
    assert await bot.count(Case) == 0


async def test_contact_me_by_writing_in_the_bot(bot):
    consultant = await consultant_ready(bot)
    parent = await parent_with_menu(bot, "en")
    await parent.send("please call me back")  # typed: the bot offers the contact buttons
    await parent.send("✍️ Write to me here")
    assert "write to you here" in parent.last_text
    await wait_until(lambda: any("🙋" in t for t in consultant.texts()))
    case = (await bot.rows(Case))[0]
    assert case.contact_method == "chat" and case.phone is None


async def test_voice_note_and_photo_reach_the_consultant(bot):
    consultant = await consultant_ready(bot)
    parent = await parent_with_menu(bot, "en")
    await parent.send_voice()
    assert "look at it" in parent.last_text
    await parent.send_photo(caption="letter from school")
    await wait_until(lambda: sum(1 for m in consultant.inbox if "photo" in m) == 1
                     and any("voice" in m for m in consultant.inbox))
    assert any("letter from school" in t for t in consultant.texts())
    assert await bot.count(Case) == 1  # both on the parent's one open case
    kinds = sorted(m.kind for m in await bot.rows(ParentMessage))
    assert kinds == ["photo", "voice"]
    # The consultant sees them again from the case.
    case = (await bot.rows(Case))[0]
    await consultant.press_data(f"case:files:{case.id}")
    await wait_until(lambda: sum(1 for m in consultant.inbox if "photo" in m) == 2)


async def test_everything_else_gets_a_friendly_answer_and_the_menu(bot):
    parent = await parent_with_menu(bot, "en")
    for send in (parent.send_sticker, parent.send_location):
        replies = await send()
        assert len(replies) == 1 and replies[0]["reply_markup_sent"]["keyboard"]
    replies = await parent.send("x" * 1500)
    assert "too long" in replies[0]["text"] and replies[0]["reply_markup_sent"]["keyboard"]
    for command in ("/refer", "/invite Evil", "/cases", "/partners"):
        replies = await parent.send(command)
        assert len(replies) == 1 and replies[0]["reply_markup_sent"]["keyboard"]
    await parent.press_data("faq:no:999")  # forged
    assert "does not work any more" in parent.callback_answer()
    assert await bot.count(Case) == 0 and await bot.count(ParentMessage) == 0


async def test_family_link_greets_with_the_referral_without_the_note(bot):
    nurse, _consultant, _ = await join_as_partner(bot)
    await nurse.send("/refer")
    for step in ("ትግርኛ", "Dalfsen", "▫️ 0–4 jaar", "Volgende ➡️"):
        await nurse.press(step)
    await nurse.press("lezen", exact=False)
    await nurse.press("Volgende ➡️")
    await nurse.press("🤝 via mij")
    await nurse.press("📝 Notitie")
    await nurse.send("Moeder heeft schulden.")
    await nurse.press("✅ Ja, ze stemden in – versturen")
    token = next(t for t in nurse.texts() if "start=f_" in t).split("start=", 1)[1].split()[0]
    parent = bot.user(first_name="Senait", language_code="en")
    replies = await parent.send(f"/start {token}")
    greeting = replies[0]["text"]
    assert label("ti", "📚 reading with the children / BoekStart") in greeting
    assert "schulden" not in greeting
    assert parent.keyboard()[0] == label("ti", "🏛️ Library")


async def test_privacy_shows_what_is_kept(bot):
    parent = await parent_with_menu(bot, "en")
    await parent.send("📞 Contact me")
    await parent.share_contact("31612345678")
    replies = await parent.send("/privacy")
    assert "06 12345678" in replies[0]["text"] and "/forget" in replies[0]["text"]


async def _all_database_text(bot) -> str:
    """Every value in every table, as one string."""
    chunks = []
    async with bot.services.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                chunks.append(" ".join(str(value) for value in row))
        chunks.append(str((await session.execute(text("SELECT * FROM alembic_version"))).all()))
    return "\n".join(chunks)


async def test_forget_leaves_no_trace_of_phone_or_text(bot):
    consultant = bot.user(CONSULTANT_ID, "Bertine", "nl")
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await refer_family(nurse, phone="06 12345678")
    token = next(t for t in nurse.texts() if "start=f_" in t).split("start=", 1)[1].split()[0]
    parent = bot.user(7_734_113_579, "Amal", "ar")
    await parent.send(f"/start {token}")
    await parent.send("زوجي يحتاج مساعدة مع رسالة من البلدية الزرقاء")
    await parent.send(label("ar", "📞 Contact me"))
    await parent.share_contact("31612345678")
    await parent.send_photo(caption="رسالة المدرسة الخضراء")
    case_id = (await bot.rows(Case))[0].id
    await consultant.press_data(f"case:note:{case_id}")
    await consultant.send("Moeder woont Kerkstraat 5.")
    await consultant.press_data(f"case:send:{case_id}:received")
    await bot.deliver_outbox()
    # Sealed at rest (tests/test_encryption.py): not in the raw columns, yet readable.
    before = await _all_database_text(bot)
    for trace in ("12345678", "الزرقاء", "الخضراء", "Kerkstraat 5"):
        assert trace not in before, trace
    assert (await bot.rows(Case))[0].phone.endswith("12345678")
    texts = [m.text for m in await bot.rows(ParentMessage)]
    assert any("الزرقاء" in (t or "") for t in texts)
    assert any("الخضراء" in (t or "") for t in texts)

    await parent.send("/forget")
    await parent.press(label("ar", "🗑️ Yes, delete"))
    after = await _all_database_text(bot)
    for trace in ("12345678", "الزرقاء", "الخضراء", "Kerkstraat 5", str(parent.id), "Amal"):
        assert trace not in after, trace
    assert await bot.count(Case) == 1  # kept for the figures, anonymised
    case = (await bot.rows(Case))[0]
    assert case.anonymised_at is not None
    assert await bot.count(CaseEvent, CaseEvent.kind == "erased_on_request") == 1
    await wait_until(lambda: any("🗑️" in t for t in consultant.texts()))
    await consultant.press_data(f"case:open:{case.id}")
    assert "🗑️" in consultant.last_text and "12345678" not in consultant.last_text
    assert parent.keyboard() == []
    # The family link no longer works.
    replies = await parent.send(f"/start {token}")
    assert replies[0]["text"] == shown("ar", "This link does not work. Please ask for a new link.")
    assert await bot.count(Parent, Parent.telegram_user_id == parent.id) == 0


async def test_forget_can_be_cancelled(bot):
    parent = await parent_with_menu(bot, "en")
    await parent.send("📞 Contact me")
    await parent.share_contact("31612345678")
    await parent.send("/forget")
    await parent.press("No, keep it")
    assert parent.buttons() == []
    assert (await bot.rows(Parent))[0].phone == "+31612345678"
    assert await bot.count(Case, Case.anonymised_at.is_(None)) == 1


async def test_retention_anonymises_old_closed_cases_and_drops_old_questions(bot):
    from datetime import UTC, datetime, timedelta

    from bot.jobs import run_retention
    from storage.models import FlowState

    consultant = await consultant_ready(bot)
    parent = await parent_with_menu(bot, "en")
    await parent.send("when is the library open on saturday?")  # answered by the bot
    await parent.send("📞 Contact me")
    await parent.share_contact("31612345678")
    case = (await bot.rows(Case))[0]
    await consultant.press_data(f"case:take:{case.id}")
    await consultant.press_data(f"case:out:{case.id}:member")
    nurse = bot.user(language_code="nl")
    first = await run_retention(bot.services)
    assert (first.cases, first.questions, first.flows) == (0, 0, 0)
    assert (await bot.rows(Case))[0].phone == "+31612345678"  # not old enough yet
    later = datetime.now(UTC) + timedelta(days=bot.settings.retention_days + 1)
    async with bot.services.sessions() as session, session.begin():
        session.add(FlowState(telegram_user_id=nurse.id, flow="referral", step="phone",
                              data={"phone": "+31699999999"},
                              updated_at=datetime.now(UTC) - timedelta(days=45)))
    done = await run_retention(bot.services, later)
    assert (done.cases, done.questions, done.flows) == (1, 1, 1)
    kept = (await bot.rows(Case))[0]
    assert kept.anonymised_at is not None and kept.phone is None and kept.outcome == "member"
    assert (await bot.rows(Parent))[0].phone is None
    assert await bot.count(ParentMessage) == 0 and await bot.count(FlowState) == 0
    assert await bot.count(CaseEvent, CaseEvent.kind == "anonymised") == 1


def test_every_button_label_means_one_thing_in_every_language():
    """The bot maps a pressed label back to its action, whatever language it was shown in."""
    from bot.answers import MENU_LABELS
    from bot.i18n import LANGUAGES
    from handlers.parent import BACK, WRITE_HERE

    meaning: dict[str, str] = {}
    for language in LANGUAGES:
        for action, msgid in {**MENU_LABELS, "write": WRITE_HERE, "back": BACK}.items():
            shown = label(language, msgid)
            assert meaning.setdefault(shown, action) == action, (language, shown)


async def test_the_sender_is_identified_in_one_query(bot):
    parent = await parent_with_menu(bot, "en")
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = bot.services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        async with bot.services.sessions() as session, session.begin():
            person = await people.identify(session, parent.id, "en", "nl")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert person.role is Role.PARENT
    # (The outbox relay's clock job may look for due messages meanwhile: not the sender's.)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")
                and not s.lstrip().startswith("SELECT outbox.")]) == 1
