"""Invite → join → referral in at most 8 taps → case, audit event, consultant notification."""

from __future__ import annotations

from storage.models import Case, CaseEvent, FlowState, OutboxMessage, Partner
from tests.conftest import CONSULTANT_ID
from tests.harness import wait_until


async def join_as_partner(bot, organisation="GGD consultatiebureau Dalfsen", name="Anja de Vries",
                          consultant=None, language_code="nl"):
    consultant = consultant or bot.user(CONSULTANT_ID, "Bertine", "nl")
    replies = await consultant.send(f"/invite {organisation}")
    link = next(r["text"] for r in replies if "text" in r and "https://t.me/" in r["text"])
    assert any("photo" in r for r in replies), "the invite comes with a QR code image"
    token = link.split("start=", 1)[1].split()[0]
    nurse = bot.user(first_name="Anja", language_code=language_code)
    await nurse.send(f"/start {token}")
    await nurse.send(name)
    return nurse, consultant, token


async def refer_up_to_contact(nurse, language):
    """/refer, then language, Dalfsen, 0–4 years and reading: the contact step is next."""
    await nurse.send("/refer")
    for label in (language, "Dalfsen", "▫️ 0–4 jaar", "Volgende ➡️"):
        await nurse.press(label)
    await nurse.press("lezen", exact=False)
    await nurse.press("Volgende ➡️")


async def refer_family(nurse, phone="06 12345678"):
    """The typical referral: 8 taps and one typed phone number."""
    taps = 0
    await nurse.send("/refer")
    for label in ("العربية", "Nieuwleusen", "▫️ 0–4 jaar", "Volgende ➡️"):
        await nurse.press(label)
        taps += 1
    await nurse.press("lezen", exact=False)
    await nurse.press("Volgende ➡️")
    await nurse.press("📞 telefonisch")
    taps += 3
    await nurse.send(phone)
    await nurse.press("✅ Ja, ze stemden in – versturen")
    taps += 1
    return taps


async def test_invite_join_refer_notify(bot):
    nurse, consultant, _ = await join_as_partner(bot)
    assert "/refer" in nurse.last_text
    assert await bot.count(Partner) == 1

    taps = await refer_family(nurse)
    assert taps <= 8
    confirmation = next(t for t in nurse.texts() if "2026-" in t or "-0001" in t)
    assert "-0001" in confirmation
    assert "https://t.me/bieb_test_bot?start=f_" in confirmation
    assert "photo" in nurse.last, "the family link comes with a QR code"

    cases = await bot.rows(Case)
    assert len(cases) == 1
    case = cases[0]
    assert case.phone == "+31612345678"
    assert case.family_language == "ar" and case.village == "Nieuwleusen"
    assert case.consent and case.consent_source == "partner"
    assert case.consent_recorded_by_partner_id is not None and case.consent_at is not None
    events = await bot.rows(CaseEvent)
    assert [e.kind for e in events] == ["created"]
    assert await bot.count(FlowState) == 0

    await wait_until(lambda: any("-0001" in t for t in consultant.texts()))
    note = next(m for m in consultant.inbox if "-0001" in (m.get("text") or ""))
    assert "GGD consultatiebureau Dalfsen" in note["text"]
    # How to reach the family stays on the case view: no number, no note in a chat.
    assert "telefonisch" in note["text"] and "12345678" not in note["text"]
    assert "Notitie" not in note["text"]
    assert consultant.buttons(note) == ["✋ Zaak oppakken", "📂 Openen"]
    await bot.drain_outbox()  # the relay marks it sent just after Telegram took it
    outbox = await bot.rows(OutboxMessage)
    assert [o.status for o in outbox] == ["sent"]


async def test_refer_is_only_for_partners(bot):
    parent = bot.user(language_code="nl")
    replies = await parent.send("/refer")
    assert "uitnodigingslink" in replies[0]["text"]
    replies = await parent.send("/verwijs")
    assert "uitnodigingslink" in replies[0]["text"]
    assert await bot.count(FlowState) == 0


async def test_restart_mid_referral_resumes(bot):
    nurse, _, _ = await join_as_partner(bot)
    await nurse.send("/refer")
    await nurse.press("Türkçe")
    await nurse.press("Dalfsen")
    await bot.restart()
    await nurse.press("▫️ 4–12 jaar")
    await nurse.press("Volgende ➡️")
    await nurse.press("💻 hulp met de computer", exact=False)
    await nurse.press("Volgende ➡️")
    await nurse.press("💬 het gezin begint zelf het gesprek in de bot")
    await nurse.press("✅ Ja, ze stemden in – versturen")
    cases = await bot.rows(Case)
    assert len(cases) == 1
    assert cases[0].family_language == "tr" and cases[0].village == "Dalfsen"
    assert cases[0].child_ages == ["4-12"]


async def test_bad_input_during_referral_changes_nothing(bot):
    nurse, _, _ = await join_as_partner(bot)
    await nurse.send("/refer")
    question = nurse.last_text
    replies = await nurse.send("Arabisch graag")  # typed where a button is expected
    assert len(replies) == 1, "one message: what was wrong, above the same question"
    assert replies[0]["text"].endswith(question) and "⚠️" in replies[0]["text"]
    assert nurse.buttons(replies[0])
    await nurse.send_sticker()
    await nurse.press("العربية")
    await nurse.press("Dalfsen")
    await nurse.press("Volgende ➡️")  # nothing chosen yet
    assert "3 van 6" in nurse.last_text  # still on the ages step
    await nurse.press("▫️ 0–4 jaar")
    await nurse.press("Volgende ➡️")
    await nurse.press("lezen", exact=False)
    await nurse.press("Volgende ➡️")
    await nurse.press("📞 telefonisch")
    assert "6 van 7" in nurse.last_text  # the phone step is counted once it is needed
    phone_question = nurse.last
    sent_before = len(nurse.inbox)
    assert await nurse.send("bel me maar") == [], "the question is edited, not sent again"
    assert "06 12345678" in phone_question["text"] and "⚠️" in phone_question["text"]
    await nurse.send("x" * 5000)
    assert "06 12345678" in phone_question["text"] and len(nurse.inbox) == sent_before
    await nurse.send("+48 512 345 678")
    assert not nurse.buttons(phone_question), "an answered question keeps no buttons"
    await nurse.press("📝 Notitie")
    note_question = nurse.last
    await nurse.send("n" * 501)
    assert "501" in note_question["text"] and "500" in note_question["text"]
    await nurse.send("Moeder spreekt wat Engels.\nBel na 15 uur.")
    assert "Bel na 15 uur" in nurse.last_text  # back on the summary with the note
    assert await bot.count(Case) == 0
    await nurse.press("✅ Ja, ze stemden in – versturen")
    case = (await bot.rows(Case))[0]
    assert case.phone == "+48512345678"
    assert case.note.startswith("Moeder spreekt")


async def test_back_cancel_and_edit(bot):
    nurse, _, _ = await join_as_partner(bot)
    await nurse.send("/refer")
    await nurse.press("Polski")
    await nurse.press("⬅️ Terug")
    assert "1 van 6" in nurse.last_text
    await nurse.press("Polski")
    await nurse.press("Lemelerveld")
    await nurse.press("▫️ 12–18 jaar")
    await nurse.press("Volgende ➡️")
    await nurse.press("✉️", exact=False)
    await nurse.press("Volgende ➡️")
    await nurse.press("🤝 via mij")
    await nurse.press("✏️ Woonplaats")
    await nurse.press("Dalfsen")
    assert "Dalfsen" in nurse.last_text and "6 van 6" in nurse.last_text
    await nurse.press("✖️ Annuleren")
    assert await bot.count(FlowState) == 0 and await bot.count(Case) == 0
    old = nurse.last
    # A button of the cancelled flow does nothing but say so.
    await nurse.press_data("ref:ok:1:summary:yes", old)
    assert await bot.count(Case) == 0
    assert nurse.callback_answer() == ("Deze knop hoort bij een afgeronde of eerdere stap. "
                                       "Stuur /refer om je verwijzing te zien.")


async def test_without_consent_no_contact_details_are_kept(bot):
    nurse, _, _ = await join_as_partner(bot)
    await refer_up_to_contact(nurse, "Soomaali")
    await nurse.press("📞 telefonisch")
    await nurse.send("0612345678")
    await nurse.press("🔗", exact=False)
    case = (await bot.rows(Case))[0]
    assert case.phone is None and not case.consent and case.contact_method == "family"
    assert "start=f_" in nurse.texts()[-2]


async def test_invite_problems(bot):
    consultant = bot.user(CONSULTANT_ID, "Bertine", "nl")
    stranger = bot.user(language_code="nl")
    replies = await stranger.send("/start i_doesnotexist1234567890")
    assert "niet geldig" in replies[0]["text"]
    await consultant.send("/invite Basisschool De Vlinder")
    link = next(t for t in consultant.texts() if "start=i_" in t)
    token = link.split("start=", 1)[1].split()[0]
    from datetime import UTC, datetime, timedelta

    from storage.models import Invite

    async with bot.services.sessions() as session, session.begin():
        invite = (await session.scalars(__import__("sqlalchemy").select(Invite))).one()
        invite.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    replies = await stranger.send(f"/start {token}")
    assert "verlopen" in replies[0]["text"]
    assert await bot.count(Partner) == 0
    async with bot.services.sessions() as session, session.begin():
        invite = (await session.scalars(__import__("sqlalchemy").select(Invite))).one()
        invite.expires_at = datetime.now(UTC) + timedelta(days=1)
        invite.uses = invite.max_uses
    replies = await stranger.send(f"/start {token}")
    assert await bot.count(Partner) == 0
    assert "vaak" in replies[0]["text"]


async def test_consultant_commands_refused_for_others(bot):
    nurse, _, _ = await join_as_partner(bot)
    parent = bot.user(language_code="ar")
    await parent.send("/start")
    for person in (nurse, parent, bot.user(language_code="nl")):
        for command in ("/invite Evil Corp", "/partners"):
            replies = await person.send(command)
            assert len(replies) == 1
            if person is nurse:
                assert "⛔" in replies[0]["text"]
            else:  # a family member gets a friendly word and the menu again
                assert "⛔" not in replies[0]["text"] and len(person.keyboard()) == 8
        await person.press_data("case:take:1")
        assert "⛔" in person.callback_answer()
        await person.press_data("partner:confirm:1")
        assert "⛔" in person.callback_answer()
    assert await bot.count(Partner) == 1


async def test_myreferrals_shows_only_own(bot):
    consultant = bot.user(CONSULTANT_ID, "Bertine", "nl")
    anja, _, _ = await join_as_partner(bot, consultant=consultant)
    await refer_family(anja)
    piet, _, _ = await join_as_partner(bot, "Saam Welzijn", "Piet Jansen", consultant=consultant)
    replies = await piet.send("/myreferrals")
    assert "-0001" not in replies[0]["text"]
    await refer_family(piet, phone="0529 123456")
    replies = await piet.send("/myreferrals")
    assert "-0002" in replies[0]["text"] and "-0001" not in replies[0]["text"]
    replies = await anja.send("/myreferrals")
    assert "-0001" in replies[0]["text"] and "-0002" not in replies[0]["text"]


async def test_button_data_carries_no_personal_data(bot, fake_api):
    nurse, consultant, _ = await join_as_partner(bot)
    await refer_family(nurse)
    await wait_until(lambda: any("-0001" in t for t in consultant.texts()))
    datas = [b.get("callback_data", "")
             for chat in fake_api.messages.values() for m in chat
             for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
    assert datas
    for data in datas:
        assert len(data.encode()) <= 64
        assert "612345678" not in data and "Anja" not in data


async def test_notification_survives_5xx_and_429_and_arrives_once(bot, fake_api):
    nurse, consultant, _ = await join_as_partner(bot)
    fake_api.inject("502", methods={"sendMessage"}, times=2)
    fake_api.inject("429", methods={"sendMessage"}, times=1, retry_after=1)
    await refer_family(nurse)
    assert await bot.count(Case) == 1  # the referral never waits for Telegram
    await wait_until(lambda: any("-0001" in t for t in consultant.texts()), timeout=20)
    await bot.deliver_outbox()
    notes = [t for t in consultant.texts() if "🆕" in t]
    assert len(notes) == 1
    assert [f.injected for f in fake_api.faults] == [2, 1]


async def test_revoked_partner_cannot_refer(bot):
    consultant = bot.user(CONSULTANT_ID, "Bertine", "nl")
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await consultant.send("/partners")
    assert "Anja de Vries" in consultant.last_text
    await consultant.press("Anja de Vries", exact=False)
    await consultant.press("Ja, verwijderen")
    replies = await nurse.send("/refer")
    assert "uitnodigingslink" in replies[0]["text"]


STEPS_TO_FINISH = [
    ("press", "Türkçe"), ("press", "Dalfsen"), ("press", "▫️ 4–12 jaar"),
    ("press", "Volgende ➡️"), ("press_in", "lezen"), ("press", "Volgende ➡️"),
    ("press", "📞 telefonisch"), ("send", "06 87654321"),
    ("press", "✅ Ja, ze stemden in – versturen"),
]


async def test_restart_at_every_step_gives_exactly_one_case(bot):
    nurse, _, _ = await join_as_partner(bot)
    for stop_at in range(len(STEPS_TO_FINISH)):
        await nurse.send("/refer")
        for index, (kind, value) in enumerate(STEPS_TO_FINISH):
            if index == stop_at:
                await bot.restart()
            if kind == "send":
                await nurse.send(value)
            else:
                await nurse.press(value, exact=kind == "press")
        assert await bot.count(Case) == stop_at + 1
    cases = await bot.rows(Case)
    assert len({c.reference for c in cases}) == len(STEPS_TO_FINISH)
    assert all(c.phone == "+31687654321" for c in cases)


async def test_family_link_links_the_parent_in_their_language(bot):
    nurse, _consultant, _ = await join_as_partner(bot)
    await refer_family(nurse)  # Arabic-speaking family
    link = next(t for t in nurse.texts() if "start=f_" in t)
    token = link.split("start=", 1)[1].split()[0]
    parent = bot.user(first_name="Amal", language_code="nl")
    replies = await parent.send(f"/start {token}")
    assert "مرحبا" in replies[0]["text"]
    assert len(parent.keyboard()) == 8  # straight to the menu, in Arabic
    case = (await bot.rows(Case))[0]
    assert case.parent_id is not None
    stranger = bot.user(language_code="nl")
    replies = await stranger.send(f"/start {token}")  # the link belongs to one family
    assert "werkt niet" in replies[0]["text"]
    assert (await bot.rows(Case))[0].parent_id == case.parent_id


async def test_notification_shows_no_note_the_case_view_does(bot):
    nurse, consultant, _ = await join_as_partner(bot)
    await refer_up_to_contact(nurse, "English")
    await nurse.press("🤝 via mij")
    await nurse.press("📝 Notitie")
    await nurse.send("Vader werkt overdag.\nMoeder is zwanger en heeft diabetes.")
    await nurse.press("✅ Ja, ze stemden in – versturen")
    await wait_until(lambda: any("🆕" in t for t in consultant.texts()))
    note = next(t for t in consultant.texts() if "🆕" in t)
    assert "Vader" not in note and "diabetes" not in note
    await consultant.press("📂 Openen")
    assert "diabetes" in consultant.last_text  # the consultant may read it in the case
