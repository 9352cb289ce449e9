"""The first end-to-end slice: /start and /help through the fake Bot API."""

from __future__ import annotations

from tests.conftest import CONSULTANT_ID


async def test_start_in_dutch_for_unknown_language(bot):
    user = bot.user(language_code="ja")
    replies = await user.send("/start")
    assert len(replies) == 1
    assert "Welkom" in replies[0]["text"]
    assert "Bibliotheek Dalfsen" in replies[0]["text"]


async def test_start_in_turkish(bot):
    user = bot.user(language_code="tr")
    await user.send("/start")
    assert "Hoş geldiniz" in user.last_text


async def test_start_in_arabic(bot):
    user = bot.user(language_code="ar")
    await user.send("/start")
    assert "مرحبا" in user.last_text


async def test_language_picker_shows_own_names_with_likely_language_first(bot):
    user = bot.user(language_code="uk")
    await user.send("/start")
    labels = user.buttons()
    assert labels[0] == "Українська"
    assert {"Nederlands", "العربية", "ትግርኛ", "فارسی", "Soomaali", "Türkçe", "Polski",
            "English"} <= set(labels)


async def test_choosing_a_language_is_stored_and_used(bot):
    user = bot.user(language_code="nl")
    await user.send("/start")
    await user.press("ትግርኛ")
    assert "ትግርኛ" in user.inbox[-2]["text"]
    replies = await user.send("/help")
    assert "/language" in replies[0]["text"]
    assert replies[0]["text"] != (await bot.user(language_code="nl").send("/help"))[0]["text"]


async def test_help_lists_what_the_role_may_do(bot):
    consultant = bot.user(CONSULTANT_ID, "Bertine", "nl")
    parent = bot.user(language_code="nl")
    consultant_help = (await consultant.send("/help"))[0]["text"]
    parent_help = (await parent.send("/help"))[0]["text"]
    assert "/start" in parent_help and "/help" in parent_help
    assert "/invite" in consultant_help
    assert "/invite" not in parent_help


async def test_unknown_command_and_sticker_get_an_answer(bot):
    user = bot.user(language_code="en")
    replies = await user.send("/frobnicate")
    assert "do not understand" in replies[0]["text"] and len(user.keyboard()) == 8
    replies = await user.send_sticker()
    assert len(replies) == 1 and "photos" in replies[0]["text"]
    assert replies[0]["reply_markup_sent"]["keyboard"]  # the menu again
