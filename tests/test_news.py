"""News for partners through the fake Bot API: the consultant composes an item, picks the
audience and sends it; each partner of that audience gets it exactly once, also when the bot
restarts in the middle of sending; partners stop it with one tap and get no more; the
consultant sees how many received it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from sandbox.fakebot import FakeUser
from storage.db import create_engine, create_session_factory
from storage.models import NewsDelivery, OutboxMessage
from storage.repositories import organisations as org_repo
from tests.conftest import CONSULTANT_ID
from tests.harness import wait_until
from tests.test_consultant import english_consultant
from tests.test_crashes import Bot as CrashBot
from tests.test_referral import join_as_partner

HEADING = "📰 News from the library"
TIP = "Tip: read aloud for ten minutes a day. Books in many languages at the library!"


async def partners_of(bot, consultant, organisations, name="Anja de Vries"):
    found = []
    for organisation in organisations:
        partner, _, _ = await join_as_partner(bot, organisation=organisation, name=name,
                                              consultant=consultant, language_code="en")
        found.append(partner)
    return found


def news_in(user) -> list[dict]:
    return [m for m in user.inbox if HEADING in (m.get("text") or m.get("caption") or "")]


async def compose(consultant, audience_prefix: str, text: str = TIP) -> None:
    await consultant.send("/news")
    await consultant.send(text)
    await consultant.press(audience_prefix, exact=False)
    assert HEADING in "\n".join(consultant.texts()[-3:])  # the preview


DAYCARES = [f"Kinderopvang {name}" for name in
            ("De Speelhoeve", "Het Kabouterhuis", "Pinkeltje", "De Boomhut", "Zonnestraal",
             "Ukkepuk", "De Vlinder")]


async def test_news_reaches_every_daycare_partner_exactly_once_across_a_restart(bot, fake_api):
    consultant = await english_consultant(bot)
    daycare = await partners_of(bot, consultant, DAYCARES)
    nurse, _, _ = await join_as_partner(bot, consultant=consultant, language_code="en")
    await bot.drain_outbox()
    # Telegram fails for the last four daycares: the first three get it, then the bot stops.
    late = {p.id for p in daycare[3:]}
    fake_api.inject("503", methods={"sendMessage"}, chats=late)
    await compose(consultant, "daycare (7)")
    replies = await consultant.press("📤 Send")
    assert "Sent to 7 partners (daycare)" in consultant.last_text, replies
    await wait_until(lambda: all(len(news_in(p)) == 1 for p in daycare[:3]))
    for _ in range(200):  # and the relay recorded them as sent
        if await bot.count(NewsDelivery, NewsDelivery.delivered_at.is_not(None)) == 3:
            break
        await asyncio.sleep(0.05)
    # As a process killed while sending leaves it: one copy claimed by the dead relay.
    async with bot.services.sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == daycare[3].id, OutboxMessage.status == "pending")
            .values(claimed_until=datetime.now(UTC) + timedelta(seconds=2)))
    assert await bot.count(OutboxMessage, OutboxMessage.dedupe_key.like("news:%"),
                           OutboxMessage.status == "pending") == 4
    await bot.restart()
    fake_api.clear_faults()
    await bot.drain_outbox()
    assert [len(news_in(p)) for p in daycare] == [1] * 7  # nobody skipped, nobody twice
    assert news_in(nurse) == []  # the GGD's nurse is not a daycare
    copy = news_in(daycare[0])[0]
    assert TIP in copy["text"]
    assert daycare[0].buttons(copy) == ["👍 Useful", "🔕 Stop news"]
    assert await bot.count(NewsDelivery, NewsDelivery.delivered_at.is_not(None)) == 7
    replies = await consultant.send("/news")
    assert "received by 7 of 7 partners" in replies[0]["text"]
    assert "daycare" in replies[0]["text"]


async def test_a_partner_stops_news_with_one_tap_and_gets_no_more(bot):
    consultant = await english_consultant(bot)
    first, second = await partners_of(bot, consultant, DAYCARES[:2])
    await compose(consultant, "all partners (2)")
    await consultant.press("📤 Send")
    await bot.drain_outbox()
    await wait_until(lambda: len(news_in(first)) == 1 and len(news_in(second)) == 1)
    await first.press("👍 Useful")
    assert "Thank you" in first.callback_answer()
    await second.press("🔕 Stop news")
    assert "no more news" in second.last_text and "/news on" in second.last_text

    await compose(consultant, "all partners (1)", "Second tip: the library has new "
                                                 "picture books in Arabic.")
    await consultant.press("📤 Send")
    await bot.drain_outbox()
    await wait_until(lambda: len(news_in(first)) == 2)
    assert len(news_in(second)) == 1  # no more
    replies = await consultant.send("/news")
    overview = replies[0]["text"]
    assert "received by 1 of 1 partner, 👍 0" in overview
    assert "received by 2 of 2 partners, 👍 1" in overview
    assert "1 partner stopped the news" in overview

    await second.send("/news on")
    assert "again" in second.last_text
    await compose(consultant, "all partners (2)", "Third tip: story hour on Wednesday.")
    await consultant.press("📤 Send")
    await bot.drain_outbox()
    await wait_until(lambda: len(news_in(second)) == 2)
    await second.send("/news off")
    assert "/news on" in second.last_text
    await consultant.send("/news")
    await consultant.send("A fourth tip for everyone.")
    assert "all partners (1)" in consultant.buttons()


async def test_a_photo_and_a_pdf_go_out_by_their_file_id(bot, fake_api):
    consultant = await english_consultant(bot)
    (partner,) = await partners_of(bot, consultant, ["Basisschool De Vlinder"])
    await consultant.send("/news")
    await consultant.send_photo(caption="The new BoekStart poster")
    await consultant.press("school (1)", exact=False)
    preview = [m for m in consultant.inbox if "photo" in m][-1]
    await consultant.press("📤 Send")
    await bot.drain_outbox()
    await wait_until(lambda: len(news_in(partner)) == 1)
    photo = news_in(partner)[0]
    assert photo["photo"][0]["file_id"] == preview["photo"][0]["file_id"]
    assert "The new BoekStart poster" in photo["caption"]

    await consultant.send("/news")
    await consultant.send_document(mime_type="image/gif", file_name="cat.gif")
    assert "a photo or a PDF" in consultant.last_text
    await consultant.send_document(caption="Reading tips for parents (PDF)")
    await consultant.press("all partners (1)", exact=False)
    await consultant.press("📤 Send")
    await bot.drain_outbox()
    await wait_until(lambda: len(news_in(partner)) == 2)
    pdf = news_in(partner)[1]
    assert pdf["document"]["file_name"] == "tips.pdf"
    assert fake_api.calls_to("sendDocument")


async def test_news_is_refused_to_others_and_stale_buttons_change_nothing(bot):
    consultant = await english_consultant(bot)
    (partner,) = await partners_of(bot, consultant, DAYCARES[:1])
    parent = bot.user(first_name="Amal", language_code="en")
    await parent.send("/start")
    await parent.send("/news")
    assert "only for library staff" in parent.last_text
    await partner.press_data("news:send:1")
    assert "only for library staff" in partner.callback_answer()
    await parent.press_data("newsp:stop:1")
    assert await bot.count(NewsDelivery) == 0

    await consultant.send("/news")
    await consultant.send_sticker()
    assert "a photo or a PDF" in consultant.last_text
    await consultant.send("x" * 5000)
    assert "too long" in consultant.last_text
    await consultant.send(TIP)
    await consultant.press("✖️ Cancel")
    assert "Nothing was sent" in consultant.last_text
    await consultant.press_data("news:send:1")
    assert "does not work any more" in consultant.callback_answer()
    await partner.press_data("newsp:useful:999")
    assert await bot.count(NewsDelivery) == 0
    assert news_in(partner) == []


@pytest.mark.slow
async def test_news_survives_a_sigkill_in_the_middle_of_sending(fake_api, database_url, tmp_path):
    """The bot as its own process, killed with SIGKILL after three of seven daycares got the
    item (the other four waiting on Telegram's errors): after the restart each of the seven
    has it exactly once, and the GGD's nurse has nothing."""
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    ids = [700_001 + n for n in range(8)]
    async with sessions() as session, session.begin():
        for number, name in enumerate(DAYCARES):
            organisation = await org_repo.get_or_create(session, name, "daycare")
            await org_repo.add_partner(session, telegram_user_id=ids[number], name=f"Staff {number}",
                                       organisation_id=organisation.id, invite_id=None,
                                       language="en")
        ggd = await org_repo.get_or_create(session, "GGD IJsselland", "ggd")
        await org_repo.add_partner(session, telegram_user_id=ids[7], name="Nurse",
                                   organisation_id=ggd.id, invite_id=None, language="en")
    partners = [FakeUser(fake_api, user_id, "Staff", "en") for user_id in ids]
    for partner in partners:
        partner.account.started = True
    daycare, nurse = partners[:7], partners[7]
    process = CrashBot(fake_api, database_url, tmp_path / "bot.log")
    consultant = FakeUser(fake_api, CONSULTANT_ID, "Bertine", "en")

    async def delivered() -> int:
        async with sessions() as session:
            return await session.scalar(select(func.count()).select_from(NewsDelivery).where(
                NewsDelivery.delivered_at.is_not(None))) or 0

    async def pending() -> int:
        async with sessions() as session:
            return await session.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status == "pending")) or 0

    await process.start()
    try:
        await consultant.send("/language")
        await consultant.press("English")
        fake_api.inject("503", methods={"sendMessage"}, chats={p.id for p in daycare[3:]})
        await compose(consultant, "daycare (7)")
        await consultant.press("📤 Send")
        await wait_until(lambda: all(len(news_in(p)) == 1 for p in daycare[:3]), timeout=30)
        for _ in range(300):  # the relay recorded the three as sent
            if await delivered() == 3:
                break
            await asyncio.sleep(0.05)
        process.kill()
        assert process.process is not None
        await process.process.wait()
        fake_api.clear_faults()
        assert await pending() == 4
        await process.start()
        await wait_until(lambda: all(len(news_in(p)) >= 1 for p in daycare), timeout=60)
        for _ in range(600):
            if await pending() == 0:
                break
            await asyncio.sleep(0.05)
        assert await pending() == 0
        assert [len(news_in(p)) for p in daycare] == [1] * 7
        assert news_in(nurse) == []
        assert await delivered() == 7
    finally:
        await process.stop()
        await engine.dispose()


async def test_a_dutch_partner_reads_the_news_in_dutch_and_a_removed_one_gets_none(bot, fake_api):
    consultant = await english_consultant(bot)
    dutch, _, _ = await join_as_partner(bot, organisation=DAYCARES[0], consultant=consultant)
    (removed,) = await partners_of(bot, consultant, DAYCARES[1:2], name="Bea Smit")
    fake_api.inject("503", methods={"sendMessage"}, chats={removed.id})
    await compose(consultant, "daycare (2)")
    await consultant.press("📤 Send")
    await wait_until(lambda: len(news_in(dutch)) == 0 and any(
        "Nieuws van de bibliotheek" in t for t in dutch.texts()))
    copy = dutch.last
    assert copy["text"].startswith("📰 Nieuws van de bibliotheek")
    assert dutch.buttons(copy) == ["👍 Nuttig", "🔕 Stop nieuws"]
    await consultant.send("/partners")
    await consultant.press("Remove Bea Smit")
    await consultant.press("Yes, remove")
    fake_api.clear_faults()
    await bot.drain_outbox()
    assert news_in(removed) == []
