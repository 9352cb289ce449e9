"""Replays do nothing twice: a whole day's traffic, every update delivered three times,
leaves exactly what one delivery left."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import (
    Case,
    CaseEvent,
    OutboxMessage,
    Parent,
    ParentMessage,
    Partner,
    ProcessedUpdate,
)
from tests.harness import BotHarness, wait_until
from tests.test_consultant import english_consultant, newest_case, parent_asking
from tests.test_referral import join_as_partner, refer_family


async def a_day_of_traffic(bot: BotHarness) -> None:
    """Referrals, parents' questions and contact requests, and the consultant's work."""
    consultant = await english_consultant(bot)
    nurse, _, _ = await join_as_partner(bot, consultant=consultant)
    await refer_family(nurse, phone="06 12345678")
    await refer_family(nurse, phone="06 87654321")
    answered = await parent_asking(bot, "when is the library open on saturday?")
    await answered.press("👍")
    asking = await parent_asking(bot, "رسالة من البلدية لا أفهمها", "ar")
    calling = bot.user(first_name="Oksana", language_code="uk")
    await calling.send("/start")
    await calling.press("Українська")
    await calling.send(calling.keyboard()[-2])  # 📞 contact me
    await calling.share_contact("31612340000")
    case = await newest_case(bot)
    await consultant.press_data(f"case:take:{case.id}")
    await consultant.press_data(f"case:note:{case.id}")
    await consultant.send("Called, no answer; try again Thursday.")
    await consultant.press_data(f"case:send:{case.id}:call_this_week")
    first = min(await bot.rows(Case), key=lambda c: c.id)
    await consultant.press_data(f"case:contacted:{first.id}")
    await consultant.press_data(f"case:out:{first.id}:boekstart")
    await asking.send_voice()
    await consultant.send("/cases")
    await consultant.send("/stats")


async def snapshot(bot: BotHarness) -> dict[str, int]:
    counts = {}
    async with bot.services.sessions() as session:
        for model in (Case, CaseEvent, ParentMessage, OutboxMessage, Parent, Partner,
                      ProcessedUpdate):
            counts[model.__tablename__] = await session.scalar(
                select(func.count()).select_from(model))
    counts["bot_messages"] = sum(len(m) for m in bot.server.messages.values())
    counts["send_calls"] = sum(1 for c in bot.server.calls
                               if c.method.startswith("send") and c.status == 200)
    return counts


async def test_every_update_delivered_three_times_counts_once(bot, figures):
    await a_day_of_traffic(bot)
    await bot.drain_outbox()
    once = await snapshot(bot)
    assert once["cases"] == 4 and once["parent_messages"] >= 4
    for _ in range(2):  # the second and third delivery of every update
        await bot.restart()
        update_ids = bot.server.redeliver_all()
        for update_id in update_ids:
            await bot.settle(update_id, timeout=30)
        await bot.drain_outbox()
    await wait_until(lambda: all(bot.server.is_confirmed(u) for u in update_ids))
    thrice = await snapshot(bot)
    assert thrice == once, {k: (once[k], thrice[k]) for k in once if once[k] != thrice[k]}
    figures(f"[replay] {len(update_ids)} updates, each delivered 3 times: {once}")
