"""Arabic and Farsi read right to left: every line of every message the bot sends a parent,
whatever the line starts with (a Latin name, an address, an emoji, a time); lists in the
language's own words; one style of digits per message.

Driven through the fake Bot API as a parent uses the bot: the language picker, then the
menu's buttons, /privacy and /help.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from babel.lists import format_list

from bot.answers import MENU_LABELS
from bot.config import DEFAULT_FACTS_PATH
from bot.facts import WEEKDAYS, day_name, load_facts
from bot.i18n import for_reader
from tests.test_parent import label, parent_with_menu

FACTS = load_facts(DEFAULT_FACTS_PATH)
LATIN_DIGITS = re.compile("[0-9]")
PERSIAN_DIGITS = re.compile("[\u06f0-\u06f9]")
ARABIC_INDIC_DIGITS = re.compile("[\u0660-\u0669]")


def first_strong(line: str) -> str | None:
    """The bidi class of the line's first strong character: L, or R (Arabic letters and the
    right-to-left marks RLM and ALM count as R); None when the line has none."""
    for char in line:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "R"
        if kind == "L":
            return "L"
    return None


def left_to_right_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip() and first_strong(line) != "R"]


async def menu_tour(bot, language: str):
    """A parent who picks the language, taps every menu button (and two villages under the
    library's answer), shares their phone number, then sends /privacy, /help and an unknown
    command. The parent, whose inbox holds every message the bot sent them."""
    parent = await parent_with_menu(bot, language)
    assert parent.keyboard()[0] == label(language, MENU_LABELS["library"])
    await parent.send(label(language, MENU_LABELS["library"]))
    await parent.press("📍 Dalfsen")
    library = parent.last_text
    await parent.press("📍 Nieuwleusen")
    for key in ("boekstart", "dutch", "digital", "activities", "ask", "contact"):
        await parent.send(label(language, MENU_LABELS[key]))
    await parent.share_contact("31612345678")
    await parent.send(label(language, MENU_LABELS["language"]))
    for command in ("/privacy", "/help", "/nonsense"):
        await parent.send(command)
    parent.seen = [*parent.texts(), library]  # the library's answer was edited in place
    return parent


@pytest.mark.parametrize("language", ["ar", "fa"])
async def test_every_line_reads_right_to_left(bot, language: str):
    parent = await menu_tour(bot, language)
    texts = parent.seen
    assert len(texts) >= 12
    # What the lines start with: Latin names and addresses, emoji, times.
    joined = "\n".join(texts)
    assert "BoekStart" in joined and "Prinsenstraat" in joined and "Kerkstraat" in joined
    assert "Bertine" in joined and "📍" in joined
    problems = {line for text in texts for line in left_to_right_lines(text)}
    assert not problems, problems
    # The check sees a line that would read left to right.
    assert left_to_right_lines("الاثنين\n📍 Bibliotheek Dalfsen") == ["📍 Bibliotheek Dalfsen"]


@pytest.mark.parametrize("language", ["ar", "fa"])
async def test_lists_use_the_languages_own_words(bot, language: str):
    parent = await menu_tour(bot, language)
    joined = "\n".join(parent.seen)
    # The reading tent's villages: "Nieuwleusen، Dalfsen و Lemelerveld", not "a, b, c".
    villages = FACTS.reading_tent.villages
    assert format_list(villages, locale=language) in joined
    assert ", ".join(villages) not in joined
    # The days that share opening hours, e.g. Tuesday, Wednesday and Friday in Dalfsen.
    hours = FACTS.places[0].hours
    shared = [day for day in WEEKDAYS if hours.get(day) == hours["tue"]]
    assert len(shared) > 1
    assert format_list([day_name(day, language) for day in shared], locale=language) in joined


async def test_a_farsi_message_has_one_style_of_digits(bot):
    parent = await menu_tour(bot, "fa")
    with_digits = [text for text in parent.seen if PERSIAN_DIGITS.search(text)]
    assert len(with_digits) >= 3  # hours, dates, addresses, the days to wait
    for text in parent.seen:
        assert not LATIN_DIGITS.search(text), text
        assert not ARABIC_INDIC_DIGITS.search(text), text


async def test_an_arabic_message_has_one_style_of_digits(bot):
    parent = await menu_tour(bot, "ar")
    with_digits = [text for text in parent.seen if LATIN_DIGITS.search(text)]
    assert len(with_digits) >= 3
    for text in parent.seen:
        assert not PERSIAN_DIGITS.search(text), text
        assert not ARABIC_INDIC_DIGITS.search(text), text


def test_marks_are_added_once_and_links_keep_their_digits():
    text = "📍 Bibliotheek Dalfsen\nPrinsenstraat 24\n\nhttps://t.me/bieb2bot 1️⃣"
    once = for_reader(text, "fa")
    assert for_reader(once, "fa") == once
    assert "Prinsenstraat ۲۴" in once and "t.me/bieb2bot" in once and "1️⃣" in once
    assert not left_to_right_lines(once)
    assert for_reader(text, "nl") == text and for_reader(text, "ti") == text
