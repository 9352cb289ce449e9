"""BoekStart bags through the fake Bot API: a nurse records a bag in four taps, the parent opens
the link and gets the tips on a frozen clock, the stock counts down and alerts once, bad input
changes nothing, and the figures count the bags."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from bot import answers
from bot.i18n import translator, use_language
from bot.jobs import run_bag_tips
from storage.models import BagDelivery, BagHandout, Case, FlowState, Parent
from tests.harness import wait_until
from tests.test_consultant import answer, english_consultant
from tests.test_referral import join_as_partner

HANDED_OUT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def ar(msgid: str) -> str:
    return translator("ar").gettext(msgid)


async def setup(bot, organisation="GGD consultatiebureau Dalfsen", bags="+6"):
    """An English-speaking consultant and a nurse of a GGD (it hands out bags), with bags."""
    consultant = await english_consultant(bot)
    nurse, _, _ = await join_as_partner(bot, organisation=organisation, consultant=consultant,
                                        language_code="en")
    if bags:
        reply = answer(await consultant.send(f"/bags GGD {bags}"), "✅")
        assert "In stock now: 6" in reply
    return consultant, nurse


def freeze(bot, moment: datetime) -> None:
    bot.services.clock = lambda: moment


async def record_bag(nurse, village="Nieuwleusen", age="0–3 months", language="العربية",
                     tips="No") -> int:
    await nurse.send("/boekstart")
    taps = 0
    for label in (village, age, language, tips):
        await nurse.press(label)
        taps += 1
    return taps


async def test_a_bag_with_tips_the_parent_opens_the_link_and_gets_the_tips(bot):
    freeze(bot, HANDED_OUT)
    _consultant, nurse = await setup(bot)
    taps = await record_bag(nurse, tips="✅ Yes")
    assert taps <= 5
    link = next(t for t in nurse.texts() if "start=b_" in t)
    assert "Bags in stock at GGD consultatiebureau Dalfsen: 5" in link
    assert "photo" in nurse.last, "the link comes with a QR code"
    token = link.split("start=", 1)[1].split()[0]
    handout = (await bot.rows(BagHandout))[0]
    assert (handout.village, handout.age_band, handout.language, handout.wants_tips) == (
        "Nieuwleusen", "0-3", "ar", True)
    assert handout.token_hash and token not in handout.token_hash
    assert await bot.count(Case) == 0 and await bot.count(FlowState) == 0

    parent = bot.user(first_name="Amal", language_code="nl")
    replies = await parent.send(f"/start {token}")
    greeting = replies[-1]["text"].replace("\u200f", "")  # right-to-left marks aside
    assert ar("👋 Welcome to {library}! You got a BoekStart bag for your baby.").format(
        library=bot.services.facts.name) in greeting
    with use_language("ar"):  # the library's BoekStart answer, in Arabic
        assert answers.answer_text("boekstart", bot.services.facts) in greeting
    parent_row = (await bot.rows(Parent))[0]
    assert parent_row.language == "ar" and parent_row.name is None and parent_row.phone is None
    assert await bot.count(Case) == 0, "a bag's link creates no case"

    # Frozen clock: nothing a few days later; the first tip when the baby is about 6 months.
    assert await run_bag_tips(bot.services, HANDED_OUT + timedelta(days=20)) == 0
    assert await run_bag_tips(bot.services, HANDED_OUT + timedelta(days=130)) == 1
    assert await run_bag_tips(bot.services, HANDED_OUT + timedelta(days=131)) == 0
    six = ar("👶 Hello! A tip for you and your baby: reading aloud helps your baby learn to "
             "talk. Look at a picture book together and name what you see. Children can join "
             "the library for free: come and ask for a library card for your baby.")
    await wait_until(lambda: any(six[:30] in t for t in parent.texts()))
    # At about 15 months the next step, and then the family is forgotten here.
    assert await run_bag_tips(bot.services, HANDED_OUT + timedelta(days=200)) == 0
    assert await run_bag_tips(bot.services, HANDED_OUT + timedelta(days=400)) == 1
    await wait_until(lambda: sum(t.startswith("\u200f👶") or t.startswith("👶")
                                 for t in parent.texts()) == 2)
    handout = (await bot.rows(BagHandout))[0]
    assert handout.parent_id is None and handout.opened_at is not None
    assert await run_bag_tips(bot.services, HANDED_OUT + timedelta(days=800)) == 0


async def test_refer_this_family_too_starts_with_village_and_language(bot):
    freeze(bot, HANDED_OUT)
    _consultant, nurse = await setup(bot)
    await record_bag(nurse, village="Lemelerveld", language="Türkçe")
    await nurse.press("➡️ Refer this family too")
    assert "step 3 of 6" in nurse.last_text and "children" in nurse.last_text
    await nurse.press("▫️ 0–4 years")
    await nurse.press("Next ➡️")
    await nurse.press("reading", exact=False)
    await nurse.press("Next ➡️")
    await nurse.press("💬 the family starts the conversation in the bot")
    await nurse.press("✅ Yes, they agreed – send")
    case = (await bot.rows(Case))[0]
    assert case.family_language == "tr" and case.village == "Lemelerveld"


async def test_stock_counts_down_and_the_consultant_hears_once(bot):
    freeze(bot, HANDED_OUT)
    consultant, nurse = await setup(bot)
    await record_bag(nurse)
    assert "Bags in stock at GGD consultatiebureau Dalfsen: 5" in nurse.last_text
    for minutes in (2, 4, 6):  # 4, 3, 2 left: told once, at the first below 5
        freeze(bot, HANDED_OUT + timedelta(minutes=minutes))
        await record_bag(nurse, age="4–6 months")
    await bot.drain_outbox()
    low = [t for t in consultant.texts() if "run low" in t]
    assert len(low) == 1 and "4 left" in low[0]
    assert "GGD consultatiebureau Dalfsen: 2 · hands out bags" in answer(
        await consultant.send("/bags"), "🎒")
    # A delivery fills the stock: the next shortage is told again.
    assert "In stock now: 12" in answer(await consultant.send("/bags ggd +10"), "✅")
    await consultant.send("/bags")
    await consultant.press("➕ 10 GGD consultatiebureau Dalfsen")
    assert "In stock now: 22" in consultant.last_text
    assert await bot.count(BagDelivery) == 3


async def test_none_left_the_nurse_is_told_and_the_bag_is_recorded(bot):
    freeze(bot, HANDED_OUT)
    consultant, nurse = await setup(bot, bags="")
    await record_bag(nurse)
    assert "no bags left" in nurse.last_text and "Bags in stock" in nurse.last_text
    assert ": -1" in nurse.last_text
    assert await bot.count(BagHandout) == 1
    assert "GGD consultatiebureau Dalfsen: -1" in answer(await consultant.send("/bags"), "🎒")


async def test_a_second_bag_within_a_minute_asks_did_you_hand_out_two(bot):
    freeze(bot, HANDED_OUT)
    _consultant, nurse = await setup(bot)
    await record_bag(nurse)
    freeze(bot, HANDED_OUT + timedelta(seconds=30))
    await record_bag(nurse)
    assert "Did you hand out two?" in nurse.last_text
    assert await bot.count(BagHandout) == 1
    await nurse.press("No, the same bag")
    assert await bot.count(BagHandout) == 1 and await bot.count(FlowState) == 0
    await record_bag(nurse, age="older")
    await nurse.press("Yes, a second bag")
    assert await bot.count(BagHandout) == 2
    assert "Bags in stock at GGD consultatiebureau Dalfsen: 4" in nurse.last_text


async def test_bad_input_changes_nothing(bot):
    freeze(bot, HANDED_OUT)
    consultant, nurse = await setup(bot)
    for command, words in (("/bags Nowhere +5", "no organisation called"),
                           ("/bags GGD twenty", "for example: /bags GGD +20"),
                           ("/bags GGD", "for example: /bags GGD +20"),
                           ("/bags GGD +0", "between 1 and 1000"),
                           ("/bags GGD 5000", "between 1 and 1000")):
        assert words in answer(await consultant.send(command), "❗"), command
    assert await bot.count(BagDelivery) == 1
    await consultant.press_data("bags:add:999:10")
    assert consultant.callback_answer() == "This button does not work any more."
    # Not the consultant's: a nurse cannot record deliveries, a parent no bag.
    await nurse.send("/bags GGD +100")
    assert await bot.count(BagDelivery) == 1
    parent = bot.user(language_code="en")
    await parent.send("/boekstart")
    assert await bot.count(BagHandout) == 0 and await bot.count(FlowState) == 0
    # Typed text and stickers in the flow: the question again; an unknown link.
    await nurse.send("/boekstart")
    await nurse.send("Nieuwleusen please")
    assert "Please use the buttons" in nurse.last_text
    await nurse.send_sticker()
    await nurse.press_data("bag:pick:1:village:99")
    assert await bot.count(BagHandout) == 0
    replies = await parent.send("/start b_doesnotexist123456789012345678901")
    assert "does not work" in replies[-1]["text"]


async def test_a_school_hands_out_bags_once_the_consultant_says_so(bot):
    freeze(bot, HANDED_OUT)
    consultant = await english_consultant(bot)
    teacher, _, _ = await join_as_partner(bot, organisation="Basisschool De Vlinder",
                                          consultant=consultant, language_code="en")
    await teacher.send("/boekstart")
    assert "does not hand out BoekStart bags" in teacher.last_text
    overview = answer(await consultant.send("/bags"), "🎒")
    assert "Basisschool De Vlinder: 0 · does not hand out bags" in overview
    await consultant.press("✅ Hands out bags")
    assert "Basisschool De Vlinder hands out BoekStart bags" in consultant.last_text
    await record_bag(teacher, village="Dalfsen", age="7–12 months", language="Polski")
    assert await bot.count(BagHandout) == 1


async def test_figures_and_export_count_the_bags(bot):
    freeze(bot, HANDED_OUT)
    consultant, nurse = await setup(bot)
    await record_bag(nurse, tips="✅ Yes")
    token = next(t for t in nurse.texts() if "start=b_" in t).split("start=", 1)[1].split()[0]
    freeze(bot, HANDED_OUT + timedelta(minutes=5))
    await record_bag(nurse, village="Dalfsen", age="older", language="Polski", tips="✅ Yes")
    await bot.user(language_code="ar").send(f"/start {token}")
    stats = answer(await consultant.send("/stats 2026-03"), "📊")
    for line in ("BoekStart bags: 2", "2026-03: 2", "GGD consultatiebureau Dalfsen: 2",
                 "Nieuwleusen: 1", "0–3 months: 1", "older: 1", "العربية: 1", "Polski: 1",
                 "Opened the library's link: 1 of 2 (50%)"):
        assert line in stats, line
    replies = await consultant.send("/export 2026")
    document = next(r["document"] for r in replies if "document" in r)
    content = bot.server.files[document["file_id"]].content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content), delimiter=";"))
    bag_rows = [r for r in rows if r["Source"] == "bag"]
    assert len(bag_rows) == 2
    assert {r["Village"] for r in bag_rows} == {"Nieuwleusen", "Dalfsen"}
    assert {r["BoekStart link opened"] for r in bag_rows} == {"yes", "no"}
    assert bag_rows[0]["Children's ages"] == "0-3" and bag_rows[0]["Month"] == "2026-03"


async def test_a_parent_who_asks_to_be_forgotten_gets_no_more_tips(bot):
    freeze(bot, HANDED_OUT)
    _consultant, nurse = await setup(bot)
    await record_bag(nurse, age="7–12 months", language="Türkçe", tips="✅ Yes")
    token = next(t for t in nurse.texts() if "start=b_" in t).split("start=", 1)[1].split()[0]
    parent = bot.user(language_code="tr")
    await parent.send(f"/start {token}")
    await parent.send("/forget")
    await parent.press(parent.buttons()[0])
    assert (await bot.rows(BagHandout))[0].parent_id is None
    assert await run_bag_tips(bot.services, HANDED_OUT + timedelta(days=60)) == 0


async def test_bags_switched_off_mid_way_record_nothing(bot):
    freeze(bot, HANDED_OUT)
    consultant, nurse = await setup(bot)
    await nurse.send("/boekstart")
    for label in ("Dalfsen", "older", "English"):
        await nurse.press(label)
    await consultant.send("/bags")
    await consultant.press("🚫 Stop bags")
    assert "no longer hands out BoekStart bags" in consultant.last_text
    await nurse.press("No")
    assert "does not hand out BoekStart bags" in nurse.last_text
    assert await bot.count(BagHandout) == 0 and await bot.count(FlowState) == 0
