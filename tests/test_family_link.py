"""The family link can be shown again: /myreferrals gives the referring professional a new
family link (and QR code) for a referral the family has not opened yet; the old link then
says, in the family's language, that it was replaced, and does nothing. Nobody else can make
one. A confirmation lost between the referral's commit and Telegram (the bot stopped, the
Bot API failing) is followed by an offer of a new link. Only hashes are stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import outbox, replies
from bot.i18n import for_reader, translator
from bot.tokens import token_hash
from storage.models import (
    AuditEntry,
    Case,
    CaseEvent,
    OutboxMessage,
    Parent,
    RetiredFamilyToken,
)
from storage.repositories import outbox as outbox_repo
from tests.conftest import CONSULTANT_ID
from tests.harness import BotHarness, wait_until
from tests.test_referral import join_as_partner, refer_family, refer_up_to_contact

REPLACED = ("👋 This link does not work any more, because there is a newer link. Please ask "
            "the person who gave you this link for the new one.")
NOT_YOURS = "⛔ Dit is geen verwijzing van jou."
PARTNERS_ONLY = ("Referring families is for professionals who work with the library. "
                 "To join, ask the library for an invite link.")
OFFER_DELAY = 1.0  # seconds, instead of a minute, for the tests that lose a confirmation


def token_in(text: str) -> str:
    return text.split("start=", 1)[1].split(maxsplit=1)[0]


def links(user) -> list[str]:
    """The family links the user was given, oldest first."""
    return [token_in(t) for t in user.texts() if "start=f_" in t]


def new_link_buttons(user, message=None) -> list[str]:
    return [label for label in user.buttons(message) if label.startswith("🔗")]


def offers(user) -> list[dict]:
    """Messages that offer a new family link (their button, no link in the text)."""
    return [m for m in user.inbox
            if any(str(b.get("callback_data", "")).startswith("flink:")
                   for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                   for b in row) and "start=" not in (m.get("text") or "")]


async def my_referrals(bot, user) -> dict:
    """/myreferrals' answer (the library's news for the user, sent by the outbox relay,
    delivered first, so that it cannot come in between)."""
    await bot.drain_outbox()
    (answer,) = await user.send("/myreferrals")
    return answer


async def only_case(bot) -> Case:
    (case,) = await bot.rows(Case)
    return case


async def test_a_new_link_replaces_the_old_one_which_then_only_says_so(bot):
    nurse, _consultant, _ = await join_as_partner(bot)
    await refer_family(nurse)  # an Arabic-speaking family
    (old,) = links(nurse)

    answer = await my_referrals(bot, nurse)
    assert "-0001" in answer["text"] and "gezinslink" in answer["text"]
    (button,) = new_link_buttons(nurse, answer)
    assert button.startswith("🔗 Nieuwe gezinslink ") and button.endswith("-0001")
    replies_ = await nurse.press(button)
    assert "De eerdere link werkt niet meer" in replies_[0]["text"]
    assert "photo" in replies_[-1] and "-0001" in replies_[-1]["caption"], "with a QR code"
    old_, new = links(nurse)
    assert old_ == old and new != old and new.startswith("f_")

    # Only hashes are kept: the new link's on the case, the old one's as retired.
    case = await only_case(bot)
    assert case.family_token_hash == token_hash(new)
    assert [r.token_hash for r in await bot.rows(RetiredFamilyToken)] == [token_hash(old)]
    assert [e.kind for e in await bot.rows(CaseEvent)] == ["created", "family_link_renewed"]
    assert await bot.count(AuditEntry, AuditEntry.action == "case.family_link_renewed") == 1

    # The old link, opened by the family (Telegram in Dutch): said in the referral's
    # language, and nothing happens.
    parent = bot.user(first_name="Amal", language_code="nl")
    replies_ = await parent.send(f"/start {old}")
    assert [r["text"] for r in replies_] == [for_reader(translator("ar").gettext(REPLACED), "ar")]
    assert await bot.count(Parent) == 0
    assert (await only_case(bot)).parent_id is None
    # A parent who chose a language hears it in theirs.
    other = bot.user(language_code="tr")
    await other.send("/start")
    await other.press("Türkçe")
    replies_ = await other.send(f"/start {old}")
    assert [r["text"] for r in replies_] == [for_reader(translator("tr").gettext(REPLACED), "tr")]
    assert (await only_case(bot)).parent_id is None

    # The new link links the family, in Arabic.
    replies_ = await parent.send(f"/start {new}")
    assert "مرحبا" in replies_[0]["text"] and len(parent.keyboard()) == 8
    assert (await only_case(bot)).parent_id is not None

    # Linked: /myreferrals offers no new link, and the old button changes nothing.
    answer = await my_referrals(bot, nurse)
    assert "-0001" in answer["text"] and not new_link_buttons(nurse, answer)
    await nurse.press_data(f"flink:new:{case.id}")
    assert "al geopend" in nurse.callback_answer()
    assert (await only_case(bot)).family_token_hash == token_hash(new)
    assert links(nurse) == [old, new]


async def test_each_new_link_retires_the_one_before(bot):
    nurse, _, _ = await join_as_partner(bot)
    await refer_family(nurse)
    case = await only_case(bot)
    for _ in range(2):
        await nurse.press_data(f"flink:new:{case.id}")
    first, second, third = links(nurse)
    assert (await only_case(bot)).family_token_hash == token_hash(third)
    assert {r.token_hash for r in await bot.rows(RetiredFamilyToken)} == {
        token_hash(first), token_hash(second)}
    parent = bot.user(language_code="ar")
    for token in (first, second):
        replies_ = await parent.send(f"/start {token}")
        assert replies_[0]["text"] == for_reader(translator("ar").gettext(REPLACED), "ar")
    assert await bot.count(Parent) == 0
    replies_ = await parent.send(f"/start {third}")
    assert (await only_case(bot)).parent_id is not None


async def test_nobody_else_gets_a_new_link(bot):
    consultant = bot.user(CONSULTANT_ID, "Bertine", "nl")
    anja, _, _ = await join_as_partner(bot, consultant=consultant)
    await refer_family(anja)
    (link,) = links(anja)
    case = await only_case(bot)
    # A colleague of the same organisation, and a partner of another one.
    colleague, _, _ = await join_as_partner(bot, name="Mieke Jansen", consultant=consultant)
    piet, _, _ = await join_as_partner(bot, "Saam Welzijn", "Piet Jansen", consultant=consultant)
    for partner in (colleague, piet):
        answer = await my_referrals(bot, partner)
        assert "-0001" not in answer["text"] and not new_link_buttons(partner, answer)
        assert await partner.press_data(f"flink:new:{case.id}") == []
        assert partner.callback_answer() == NOT_YOURS
        await partner.press_data("flink:new:999999")  # no such case: the same answer
        assert partner.callback_answer() == NOT_YOURS
    # The library's consultant, a parent and a stranger: not for them.
    parent = bot.user(language_code="ar")
    await parent.send("/start")
    await parent.press("العربية")
    for person, language in ((consultant, "nl"), (parent, "ar"),
                             (bot.user(language_code="nl"), "nl")):
        await person.press_data(f"flink:new:{case.id}")
        assert person.callback_answer() == translator(language).gettext(PARTNERS_ONLY)
        assert not links(person)
    # Forged or altered data is no button of ours.
    for data in (f"flink:old:{case.id}", f"flink:new:{case.id}:x", "flink:new:-1",
                 "flink:new:abc", f"flink:new:{case.id}{'9' * 30}"):
        await piet.press_data(data)
        assert "gezinslink" not in (piet.callback_answer() or "")
    assert not links(piet) and not links(colleague)
    # Nothing changed: Anja's link still links the family.
    assert (await only_case(bot)).family_token_hash == token_hash(link)
    assert await bot.count(RetiredFamilyToken) == 0
    assert [e.kind for e in await bot.rows(CaseEvent)] == ["created"]
    family = bot.user(language_code="ar")
    await family.send(f"/start {link}")
    assert (await only_case(bot)).parent_id is not None


async def test_a_removed_partner_gets_no_new_link(bot):
    consultant = bot.user(CONSULTANT_ID, "Bertine", "nl")
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await refer_family(nurse)
    case = await only_case(bot)
    await consultant.send("/partners")
    await consultant.press("Anja de Vries", exact=False)
    await consultant.press("Ja, verwijderen")
    await nurse.press_data(f"flink:new:{case.id}")
    assert "uitnodigingslink" in nurse.callback_answer()
    assert len(links(nurse)) == 1 and await bot.count(RetiredFamilyToken) == 0


async def test_a_closed_or_erased_referral_offers_no_new_link(bot):
    consultant = bot.user(CONSULTANT_ID, "Bertine", "nl")
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await refer_family(nurse)
    await refer_family(nurse, phone="0529 123456")
    first, second = sorted(await bot.rows(Case), key=lambda c: c.id)
    await consultant.press_data(f"case:take:{first.id}")
    await consultant.press_data(f"case:out:{first.id}:no_contact")
    answer = await my_referrals(bot, nurse)
    assert new_link_buttons(nurse, answer) == [f"🔗 Nieuwe gezinslink {second.reference}"]
    await nurse.press_data(f"flink:new:{first.id}")
    assert nurse.callback_answer() == "Deze verwijzing is afgesloten: er komt geen nieuwe gezinslink."

    # The second family renews, links and then erases their data: the case is anonymous,
    # no longer the nurse's, and the retired link's hash is gone with the rest.
    await nurse.press(f"🔗 Nieuwe gezinslink {second.reference}")
    old, new = links(nurse)[1:]
    parent = bot.user(language_code="en")
    await parent.send(f"/start {new}")
    assert await bot.count(RetiredFamilyToken) == 1
    await parent.send("/forget")
    await parent.press_data("forget:yes")
    assert await bot.count(RetiredFamilyToken) == 0
    erased = (await bot.rows(Case, Case.id == second.id))[0]
    assert erased.anonymised_at is not None and erased.family_token_hash is None
    answer = await my_referrals(bot, nurse)
    assert first.reference in answer["text"] and second.reference not in answer["text"]
    assert not new_link_buttons(nurse, answer)
    await nurse.press_data(f"flink:new:{second.id}")
    assert nurse.callback_answer() == NOT_YOURS
    stranger = bot.user(language_code="nl")
    replies_ = await stranger.send(f"/start {old}")  # a link of an erased case: unknown
    (answer,) = replies_
    assert "link" in answer["text"] and answer["text"] != translator("nl").gettext(REPLACED)
    assert not (await bot.rows(Case, Case.id == second.id))[0].parent_id


# ---- a confirmation that never arrived --------------------------------------------------------
@pytest.fixture
async def quick_offers(fake_api, settings):
    """The bot, with the offer of a new link due one second after a referral."""
    harness = BotHarness(fake_api, settings.model_copy(
        update={"family_link_offer_seconds": OFFER_DELAY}))
    await harness.start()
    yield harness
    await harness.stop()


@pytest.fixture
async def later_offers(fake_api, settings):
    """The bot, with the offer of a new link due only an hour after a referral."""
    harness = BotHarness(fake_api, settings.model_copy(
        update={"family_link_offer_seconds": 3600}))
    await harness.start()
    yield harness
    await harness.stop()


async def refer_up_to_send(nurse) -> None:
    """A referral of an Arabic-speaking family, on the summary: one tap sends it."""
    await refer_up_to_contact(nurse, "العربية")
    await nurse.press("📞 telefonisch")
    await nurse.send("06 12345678")


SEND = "✅ Ja, ze stemden in – versturen"


async def finish_with_new_link(bot, nurse, case: Case) -> str:
    """The nurse taps the offer: a new link and QR code, which links the family."""
    await wait_until(lambda: offers(nurse), timeout=30)
    (offer,) = offers(nurse)
    assert case.reference in offer["text"] and "start=" not in offer["text"]
    replies_ = await nurse.press("🔗 Nieuwe gezinslink")
    assert "photo" in replies_[-1]
    (token,) = links(nurse)
    assert (await bot.rows(Case, Case.id == case.id))[0].family_token_hash == token_hash(token)
    parent = bot.user(language_code="nl")
    await parent.send(f"/start {token}")
    assert (await bot.rows(Case, Case.id == case.id))[0].parent_id is not None
    # The offer is sent and holds no link; nothing else is waiting.
    await bot.drain_outbox()
    rows = await bot.rows(OutboxMessage, OutboxMessage.dedupe_key == f"link-offer:{case.id}")
    assert [r.status for r in rows] == ["sent"]
    assert "start=" not in str(rows[0].payload)
    return token


async def test_a_delivered_confirmation_withdraws_the_offer(quick_offers):
    bot = quick_offers
    nurse, _, _ = await join_as_partner(bot)
    await refer_family(nurse)
    assert len(links(nurse)) == 1
    # Gone as soon as Telegram took the confirmation (before the update counts as handled):
    # the relay has nothing to send the nurse, now or later.
    assert await bot.count(OutboxMessage, OutboxMessage.dedupe_key.like("link-offer:%")) == 0
    await bot.drain_outbox()
    assert not offers(nurse)
    assert [o.dedupe_key.split(":")[0] for o in await bot.rows(OutboxMessage)] == ["case-new"]


async def test_telegram_failing_at_the_confirmation_still_gives_the_nurse_her_link(
        quick_offers, fake_api):
    bot = quick_offers
    nurse, consultant, _ = await join_as_partner(bot)
    await refer_up_to_send(nurse)
    fault = fake_api.inject("502", methods={"sendMessage", "sendPhoto"}, chats={nurse.id})
    await nurse.press(SEND)
    case = await only_case(bot)
    assert fault.injected >= 2 and not links(nurse), "the confirmation was lost"
    await wait_until(lambda: any("🆕" in t for t in consultant.texts()))  # not held up
    rows = await bot.rows(OutboxMessage, OutboxMessage.dedupe_key == f"link-offer:{case.id}")
    assert [r.status for r in rows] == ["pending"], "queued with the referral"
    fake_api.clear_faults()  # Telegram is back
    await finish_with_new_link(bot, nurse, case)


async def test_the_bot_stopping_between_commit_and_confirmation_still_gives_the_link(
        quick_offers, monkeypatch):
    """The referral commits, then the process dies before the confirmation goes out (the
    replies are never sent, nothing after them runs); a new process sends the offer."""
    bot = quick_offers
    nurse, _, _ = await join_as_partner(bot)
    send_all = replies.send_all

    async def dies_before_the_link(tg, queued):
        if any("start=f_" in (getattr(reply, "text", None) or "") for reply in queued):
            return []  # the process is gone: no reply, no withdrawal
        return await send_all(tg, queued)

    monkeypatch.setattr(replies, "send_all", dies_before_the_link)
    await refer_family(nurse)
    await bot.stop()
    monkeypatch.setattr(replies, "send_all", send_all)
    await bot.start()
    case = await only_case(bot)
    assert not links(nurse) and case.reference.endswith("-0001")
    await finish_with_new_link(bot, nurse, case)


async def test_the_offer_waits_for_the_bot_and_a_new_link_from_myreferrals_answers_it(
        later_offers, fake_api):
    """Lost confirmation, then the nurse uses /myreferrals before the offer came: the
    offer is withdrawn (her new link answered it). (The offer is due in an hour here: with
    one second, a busy machine sent it before she tapped.)"""
    bot = later_offers
    nurse, _, _ = await join_as_partner(bot)
    await refer_up_to_send(nurse)
    fake_api.inject("502", methods={"sendMessage", "sendPhoto"}, chats={nurse.id})
    await nurse.press(SEND)
    case = await only_case(bot)
    fake_api.clear_faults()
    assert await bot.count(OutboxMessage, OutboxMessage.dedupe_key == f"link-offer:{case.id}") == 1
    await nurse.send("/myreferrals")  # (the pending offer is not due: nothing else comes)
    await nurse.press(f"🔗 Nieuwe gezinslink {case.reference}")
    assert len(links(nurse)) == 1
    assert await bot.count(OutboxMessage, OutboxMessage.dedupe_key == f"link-offer:{case.id}") == 0


async def test_a_fallback_a_relay_is_sending_is_not_withdrawn(bot):
    """A relay claims a row before it sends it. Withdrawn then (the nurse tapped the offer the
    moment it arrived), the relay could not record the send; the row stays and is recorded
    as sent. One nobody is sending goes."""
    later = datetime.now(UTC) + timedelta(minutes=1)
    async with bot.services.sessions() as session, session.begin():
        for key in ("fallback:sending", "fallback:waiting"):
            await outbox.queue_message(session, chat_id=CONSULTANT_ID, text="…", language="nl",
                                       dedupe_key=key, not_before=later)
    (sending,) = await bot.rows(OutboxMessage, OutboxMessage.dedupe_key == "fallback:sending")
    async with bot.services.sessions() as session, session.begin():
        assert await outbox_repo.claim(session, sending.id, 60)
    assert await outbox.withdraw_delivered(
        bot.services.sessions, ["fallback:sending", "fallback:waiting"]) == 1
    assert [r.dedupe_key for r in await bot.rows(OutboxMessage)] == ["fallback:sending"]
