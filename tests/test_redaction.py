"""A case card in the consultant's Telegram chat shows the family's phone number, note and
words; the bot edits it to a short form after REDACT_AFTER_HOURS and at once on erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.jobs import run_redaction
from storage.models import ShownCase
from tests.harness import wait_until
from tests.test_consultant import english_consultant, parent_asking


def card_of(consultant, reference: str) -> dict:
    return next(m for m in consultant.inbox if (m.get("text") or "").startswith(
        f"📂 Case {reference}"))


async def test_a_case_card_is_hidden_after_a_while_and_shows_again_on_refresh(bot):
    consultant = await english_consultant(bot)
    await parent_asking(bot, "Secret question 7Q2X about my son")
    # The consultant's notification first (the outbox relay sends it in the background), so
    # the last message after the tap is the case card, not a notification arriving late.
    await bot.drain_outbox()
    await consultant.send("/cases")
    await consultant.press("📂 ", exact=False)
    reference = consultant.last_text.split()[2]
    card = card_of(consultant, reference)
    assert "7Q2X" in card["text"]
    question = next(m for m in consultant.inbox if "7Q2X" in (m.get("text") or "")
                    and m is not card)  # the notification with the parent's words
    shown = await bot.rows(ShownCase)
    assert sorted((s.chat_id, s.message_id, s.reference) for s in shown) == sorted([
        (consultant.id, question["message_id"], reference),
        (consultant.id, card["message_id"], reference)])

    assert await run_redaction(bot.services) == 0  # not yet: shown a moment ago
    later = datetime.now(UTC) + timedelta(hours=bot.settings.redact_after_hours, minutes=1)
    assert await run_redaction(bot.services, later) == 2
    await bot.drain_outbox()
    hidden = card_of(consultant, reference)
    assert "7Q2X" not in hidden["text"] and "hidden again" in hidden["text"]
    assert not any("7Q2X" in t for t in consultant.texts())
    assert await run_redaction(bot.services, later) == 0  # once only
    await consultant.press("🔄 Refresh")
    card = next(m for m in consultant.inbox if m["message_id"] == card["message_id"])
    assert "7Q2X" in card["text"], "shown again in place"
    again = [s for s in await bot.rows(ShownCase) if s.message_id == card["message_id"]]
    assert len(again) == 1 and again[0].redacted_at is None, "to be hidden again later"


async def test_erasure_edits_the_cards_at_once(bot):
    consultant = await english_consultant(bot)
    parent = await parent_asking(bot, "Another secret 9K4W please help")
    await consultant.send("/cases")
    await consultant.press("📂 ", exact=False)
    reference = consultant.last_text.split()[2]
    await wait_until(lambda: bool(card_of(consultant, reference)))
    await parent.send("/forget")
    await parent.press("🗑️ Yes, delete")
    await bot.drain_outbox()
    erased = card_of(consultant, reference)
    assert "9K4W" not in erased["text"] and "erased" in erased["text"]
    assert not erased.get("reply_markup")
    # The notification with the parent's question was edited too: nothing of it is left.
    assert not any("9K4W" in t for t in consultant.texts())
