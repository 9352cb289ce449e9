"""The consultant's day through the fake Bot API: one living card per case, edited in place,
and every card and notification of a case current when it changes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import Case
from tests.conftest import CONSULTANT_ID
from tests.harness import wait_until
from tests.test_consultant import english_consultant, newest_case
from tests.test_referral import join_as_partner, refer_family

COLLEAGUE_ID = CONSULTANT_ID + 1


def card_of(user, reference: str) -> list[dict]:
    """The user's notifications and cards of this case (they carry the case's buttons)."""
    return [m for m in user.inbox if reference in (m.get("text") or "")
            and any(b.get("callback_data", "").startswith("case:")
                    for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                    for b in row)]


async def test_an_ordinary_case_costs_the_consultant_at_most_four_messages(bot):
    consultant = await english_consultant(bot)
    colleague = await english_consultant(bot, COLLEAGUE_ID, "Sanne")
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await refer_family(nurse)
    case = await newest_case(bot)
    token = next(t for t in nurse.texts() if "start=f_" in t).split("start=", 1)[1].split()[0]
    parent = bot.user(first_name="Amal", language_code="ar")
    await parent.send(f"/start {token}")
    await bot.deliver_outbox()
    await wait_until(lambda: card_of(consultant, case.reference))
    await bot.drain_outbox()
    before = len(consultant.inbox) - len(card_of(consultant, case.reference))
    # notification → open → take → contact → prepared answer → note → close
    await consultant.press("📂 Open")
    await consultant.press("✋ Take")
    await consultant.press("📞 Contact made")
    await consultant.press("📋 Prepared answer")
    await consultant.press("📞 We will call you this week")
    await wait_until(lambda: "📞" in parent.last_text)
    await consultant.press("📝 Note")
    await consultant.send("Mother prefers mornings.")
    await consultant.press("🏁 Close")
    await consultant.press("📚 joined BoekStart")
    await bot.drain_outbox()
    closed = await newest_case(bot)
    assert (closed.status, closed.outcome) == ("closed", "boekstart")
    new_messages = len(consultant.inbox) - before
    print(f"the ordinary case put {new_messages} new messages in the consultant's chat")
    assert new_messages <= 4
    # Every message about the case is current: nobody is offered "Take" on a closed case.
    for user in (consultant, colleague):
        for message in card_of(user, case.reference):
            labels = user.buttons(message)
            assert not any("Take" in label for label in labels), (user.id, message["text"])
    assert await bot.count(Case) == 1


async def test_a_take_updates_every_colleagues_notification_and_a_lost_take_says_so(bot):
    # Bertine comes from CONSULTANT_IDS (no name given): colleagues see her Telegram name.
    bertine = bot.user(CONSULTANT_ID, "Bertine", "en")
    await bertine.send("/language")
    await bertine.press("English")
    sanne = await english_consultant(bot, COLLEAGUE_ID, "Sanne")
    parent = bot.user(first_name="Amal", language_code="en")
    await parent.send("/start")
    await parent.press(parent.buttons()[0])
    await parent.send("my landlord sent me a letter I do not understand")
    case = await newest_case(bot)
    await bot.deliver_outbox()
    await wait_until(lambda: card_of(sanne, case.reference) and card_of(bertine, case.reference))
    await bot.drain_outbox()  # the relay has recorded which messages show the case
    stale = card_of(sanne, case.reference)[0]
    await bertine.press("✋ Take case")
    await bot.drain_outbox()
    notice = next(m for m in sanne.inbox if m["message_id"] == stale["message_id"])
    assert "taken by Bertine" in notice["text"] and "Consultant" not in notice["text"]
    assert sanne.buttons(notice) == ["📂 Open"], "no stale Take button"
    # A take pressed on a card that was not yet updated: said on the card itself.
    before = len(sanne.inbox)
    await sanne.press_data(f"case:take:{case.id}")
    assert "already taken by Bertine" in sanne.callback_answer()
    assert len(sanne.inbox) == before, "no new message"
    assert any("⚠️" in (m.get("text") or "") and "already taken by Bertine" in m["text"]
               for m in sanne.inbox)


async def test_a_wrong_note_is_asked_again_on_the_card_not_in_a_new_message(bot):
    consultant = await english_consultant(bot)
    parent = bot.user(first_name="Amal", language_code="en")
    await parent.send("/start")
    await parent.press(parent.buttons()[0])
    await parent.send("my landlord sent me a letter I do not understand")
    case = await newest_case(bot)
    await bot.deliver_outbox()
    await wait_until(lambda: card_of(consultant, case.reference))
    await consultant.press("📂 Open")
    await consultant.press("📝 Note")
    before = len(consultant.inbox)
    await consultant.send("x" * 1200)
    assert len(consultant.inbox) == before, "the card says what was wrong"
    card = card_of(consultant, case.reference)[-1]
    assert "too long" in card["text"] and consultant.buttons(card) == ["✖️ Cancel"]
    await consultant.send("Called the school; they will help on Monday.")
    card = card_of(consultant, case.reference)[-1]
    assert "Called the school" in card["text"] and "✋ Take" in consultant.buttons(card)
    assert len(consultant.inbox) == before + 1, "one short line confirms the note"


async def test_waiting_families_oldest_first_with_how_long_they_waited(bot):
    consultant = await english_consultant(bot)
    for number in range(3):
        parent = bot.user(first_name="Amal", language_code="en")
        await parent.send("/start")
        await parent.press(parent.buttons()[0])
        await parent.send(f"question {number} about my landlord")
    async with bot.services.sessions() as session, session.begin():
        oldest = (await session.scalars(select(Case).order_by(Case.id))).first()
        oldest.created_at -= timedelta(days=3)
    replies = await consultant.send("/cases waiting")
    text = next(r["text"] for r in replies if r["text"].startswith("📥"))
    first = text.splitlines()[1]
    assert first.startswith(oldest.reference), text
    await consultant.send(f"/case {oldest.reference}")
    assert "waited 3 days" in consultant.last_text
