"""Every language readable, both ways: a parent's words reach the consultant with a machine
translation into her language, her typed reply reaches the parent in theirs, against a fake
LibreTranslate server on 127.0.0.1 (tests/fake_translate.py); and when the service is down,
slow, broken, missing a language or not set up, the original goes through and she is told.
"""

from __future__ import annotations

import time

import pytest

from bot.i18n import staff_translator, translator
from bot.masking import mask
from storage.models import Case, OutboxMessage, ParentMessage, Translation
from storage.repositories import people as people_repo
from tests.conftest import CONSULTANT_ID
from tests.fake_translate import FakeTranslate, fake_translation
from tests.harness import BotHarness, wait_until
from tests.test_consultant import newest_case, parent_asking

QUESTION_TI = "ወደይ ኣብ ቤት ትምህርቲ ጸገም ኣለዎ፣ እንታይ ክገብር ይኽእል?"
QUESTION_SO = "Wiilkaygu wuxuu dhibaato ka qabaa dugsiga, maxaan sameeyaa?"
QUESTION_TR = "Komşumla kavga ettik, ne yapmalıyım?"  # noqa: RUF001 (the Turkish dotless i)
REPLY_NL = "Goedemorgen, ik bel u dinsdag om 10 uur."
KEY = "test-key-1234"
TIMEOUT = 0.5  # TRANSLATION_TIMEOUT in these tests


def nl(msgid: str) -> str:
    """A consultant's text in Dutch, her language here."""
    return staff_translator("nl").gettext(msgid)


def nl_parent(msgid: str) -> str:
    return translator("nl").gettext(msgid)


def in_language(language: str, msgid: str) -> str:
    return translator(language).gettext(msgid)


MACHINE = "🌐 Machine translation: {text}"
NOT_TRANSLATED = "🌐 Not translated: {reason}."
SEND_TRANSLATED = "🌐 Send with translation"
SEND_ORIGINAL = "📨 Send original only"


@pytest.fixture
async def translate_api():
    server = FakeTranslate(api_key=KEY)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def tbot(fake_api, settings, translate_api):
    """The bot with machine translation by the fake server (a short timeout)."""
    harness = BotHarness(fake_api, settings.model_copy(update={
        "translation_url": translate_api.url, "translation_key": KEY,
        "translation_timeout": TIMEOUT}))
    await harness.start()
    yield harness
    await harness.stop()


async def dutch_consultant(bot):
    """The consultant, in Dutch (her Telegram's language), having opened the bot."""
    consultant = bot.user(CONSULTANT_ID, "Bertine", "nl")
    await consultant.send("/start")
    return consultant


def notification(consultant, words: str) -> str:
    return next(t for t in consultant.texts() if words in t and "📂" not in t[:2])


async def test_a_tigrinya_question_reaches_the_consultant_with_a_dutch_translation(
        tbot, translate_api):
    consultant = await dutch_consultant(tbot)
    await parent_asking(tbot, QUESTION_TI, "ti")
    dutch = fake_translation(QUESTION_TI, "nl")
    await wait_until(lambda: any(dutch in t for t in consultant.texts()))
    note = notification(consultant, QUESTION_TI)
    # The original is kept, the translation under it, labelled as a machine's.
    assert nl_parent("❓ Question: {text}").format(text=QUESTION_TI) in note
    assert nl(MACHINE).format(text=dutch) in note
    assert note.index(QUESTION_TI) < note.index(dutch)
    [request] = translate_api.translated
    assert (request["source"], request["target"], request["format"], request["api_key"]) == (
        "ti", "nl", "text", KEY)
    # Kept, so the case card shows it too (without asking the service again).
    case = await newest_case(tbot)
    assert await tbot.count(Translation, Translation.case_id == case.id) == 1
    await consultant.send(f"/case {case.reference}")
    card = consultant.last_text
    assert QUESTION_TI in card and nl(MACHINE).format(text=dutch) in card
    assert len(translate_api.translated) == 1


async def test_a_somali_question_and_the_reply_translated_both_ways(tbot, translate_api):
    consultant = await dutch_consultant(tbot)
    parent = await parent_asking(tbot, QUESTION_SO, "so")
    await wait_until(lambda: any(fake_translation(QUESTION_SO, "nl") in t
                                 for t in consultant.texts()))
    case = await newest_case(tbot)
    await consultant.press_data(f"case:reply:{case.id}")
    replies = await consultant.send(REPLY_NL)
    assert replies[0]["text"] == nl("🌐 Translating into {language}…").format(language="Somalisch")
    # She sees the translation before anything goes to the parent.
    await wait_until(lambda: nl(SEND_TRANSLATED) in consultant.buttons())
    somali = fake_translation(REPLY_NL, "so")
    preview = consultant.last_text
    assert somali in preview and REPLY_NL in preview and "Somalisch" in preview
    assert consultant.buttons() == [nl(SEND_TRANSLATED), nl(SEND_ORIGINAL), nl_parent("✖️ Cancel")]
    assert not any(REPLY_NL in t for t in parent.texts())
    await consultant.press(nl(SEND_TRANSLATED))
    assert nl("✅ Sent to the parent of case {reference}.").format(
        reference=case.reference) in consultant.last_text
    await wait_until(lambda: somali in parent.last_text)
    # The parent gets the translation first, then, labelled, the original underneath.
    label = in_language("so", "🌐 Translated by a computer. What the library wrote:")
    text = parent.last_text
    assert text.startswith(in_language("so", "💬 A message from the library:"))
    assert text.index(somali) < text.index(label) < text.index(REPLY_NL, len(somali) + 1)
    # The reply was translated once, for the preview; sending used the kept translation.
    assert [r["target"] for r in translate_api.translated] == ["nl", "so"]
    [out] = await tbot.rows(ParentMessage, ParentMessage.direction == "out")
    assert out.text == REPLY_NL
    # The preview's buttons are gone, and a second press of an old one changes nothing.
    await consultant.press_data(f"case:sendtr:{case.id}:00000000")
    assert consultant.callback_answer() == nl("This button is no longer valid.")
    assert await tbot.count(ParentMessage, ParentMessage.direction == "out") == 1
    # Erasure takes the translations with the parent's words.
    await parent.send("/forget")
    await parent.press(in_language("so", "🗑️ Yes, delete"))
    assert await tbot.count(Translation) == 0


async def test_the_original_only_and_a_reply_typed_anew(tbot, translate_api):
    consultant = await dutch_consultant(tbot)
    parent = await parent_asking(tbot, QUESTION_TI, "ti")
    case = await newest_case(tbot)
    await consultant.press_data(f"case:reply:{case.id}")
    await consultant.send("Eerste versie.")
    await wait_until(lambda: nl(SEND_ORIGINAL) in consultant.buttons())
    first, stale = consultant.find_button(nl(SEND_ORIGINAL))
    await consultant.send(REPLY_NL)  # typed anew: the first preview's buttons are stale
    await wait_until(lambda: REPLY_NL in consultant.last_text
                     and nl(SEND_ORIGINAL) in consultant.buttons())
    await consultant.press_data(stale["callback_data"], first)
    assert consultant.callback_answer() == nl("This button is no longer valid.")
    await consultant.press(nl(SEND_ORIGINAL))
    await wait_until(lambda: REPLY_NL in parent.last_text)
    assert fake_translation(REPLY_NL, "ti") not in parent.last_text
    assert in_language("ti", "🌐 Translated by a computer. What the library wrote:") \
        not in parent.last_text
    assert not any("Eerste versie" in t for t in parent.texts())


@pytest.mark.parametrize("trouble", ["down", "500", "slow", "garbage", "no_text", "wrong_key"])
async def test_trouble_at_the_service_lets_the_original_through_and_says_why(
        tbot, translate_api, trouble):
    reasons = {"down": "the translation service is not answering",
               "500": "the translation service is not answering",
               "slow": "the translation service took too long",
               "garbage": "the translation service gave an answer the bot cannot read",
               "no_text": "the translation service gave an answer the bot cannot read",
               "wrong_key": "the translation service refused (check TRANSLATION_KEY)"}
    consultant = await dutch_consultant(tbot)
    if trouble == "down":
        await translate_api.stop()
    elif trouble == "wrong_key":
        translate_api.api_key = "another-key"
    else:
        translate_api.mode, translate_api.delay = trouble, 20.0  # "slow": far past the timeout
    parent = tbot.user(first_name="Amal", language_code="ti")
    await parent.send("/start")
    await parent.press(parent.buttons()[0])
    started = time.monotonic()
    await parent.send(QUESTION_TI)
    await wait_until(lambda: any(QUESTION_TI in t for t in consultant.texts()))
    # Held back no longer than the timeout (with room for a busy machine), never 20 s.
    assert time.monotonic() - started < TIMEOUT + 5
    note = notification(consultant, QUESTION_TI)
    assert nl(NOT_TRANSLATED).format(reason=nl(reasons[trouble])) in note
    assert "[nl]" not in note
    # Nothing lost: the question is on the case, every message went out.
    await tbot.drain_outbox()
    case = await newest_case(tbot)
    [question] = await tbot.rows(ParentMessage, ParentMessage.case_id == case.id)
    assert question.text == QUESTION_TI
    assert await tbot.count(Translation) == 0
    # Her reply: the preview says why, and the original goes as typed.
    await consultant.press_data(f"case:reply:{case.id}")
    await consultant.send(REPLY_NL)
    await wait_until(lambda: nl(SEND_ORIGINAL) in consultant.buttons())
    assert nl(SEND_TRANSLATED) not in consultant.buttons()
    assert nl(NOT_TRANSLATED).format(reason=nl(reasons[trouble])) in consultant.last_text
    await consultant.press(nl(SEND_ORIGINAL))
    await wait_until(lambda: REPLY_NL in parent.last_text)
    await tbot.drain_outbox()
    assert await tbot.count(OutboxMessage, OutboxMessage.status == "dead") == 0


async def test_a_language_the_service_does_not_offer(tbot, translate_api):
    consultant = await dutch_consultant(tbot)
    await parent_asking(tbot, QUESTION_TR, "tr")
    await wait_until(lambda: any(QUESTION_TR in t for t in consultant.texts()))
    note = notification(consultant, QUESTION_TR)
    reason = nl("the translation service does not offer {language}").format(language="Turks")
    assert nl(NOT_TRANSLATED).format(reason=reason) in note
    assert translate_api.translated == []  # asked which languages it has, sent no text


async def test_the_same_text_twice_is_translated_once(tbot, translate_api):
    consultant = await dutch_consultant(tbot)
    await parent_asking(tbot, QUESTION_TI, "ti")
    await wait_until(lambda: any("[nl]" in t for t in consultant.texts()))
    calls = len(translate_api.requests)
    await parent_asking(tbot, QUESTION_TI, "ti")  # another family, the same words
    await wait_until(lambda: sum("[nl]" in t for t in consultant.texts()) == 2)
    assert len(translate_api.requests) == calls  # no HTTP call at all
    assert await tbot.count(Case) == 2


async def test_names_numbers_and_addresses_never_reach_the_service(tbot, translate_api):
    async with tbot.services.sessions() as session, session.begin():
        await people_repo.upsert_consultant(session, CONSULTANT_ID, "Bertine de Vries")
    consultant = await dutch_consultant(tbot)
    question = ("Wiilkaygu wuxuu dhibaato ka qabaa dugsiga. Macallinkiisa waa Bertine, "
                "06 12345678, amal.haile@example.com")
    parent = await parent_asking(tbot, question, "so")
    await wait_until(lambda: any("[nl]" in t for t in consultant.texts()))
    sent = translate_api.translated[0]["q"]
    for secret in ("12345678", "amal.haile", "example.com", "Bertine"):
        assert secret not in sent
    # ... and come back in the translation the consultant reads.
    note = notification(consultant, "[nl]")
    translated = note[note.index("[nl]"):]
    assert "06 12345678" in translated and "amal.haile@example.com" in translated
    assert "Bertine" in translated
    case = await newest_case(tbot)
    await consultant.press_data(f"case:reply:{case.id}")
    await consultant.send("Beste mevrouw, bel Bertine de Vries op 038 421 1234 of mail "
                          "info@bibliotheek.nl")
    await wait_until(lambda: nl(SEND_TRANSLATED) in consultant.buttons())
    reply = translate_api.translated[-1]["q"]
    for secret in ("421", "1234", "info@", "Bertine", "Vries"):
        assert secret not in reply
    await consultant.press(nl(SEND_TRANSLATED))
    await wait_until(lambda: "[so]" in parent.last_text)
    assert parent.last_text.count("038 421 1234") == 2  # in the translation and the original


async def test_without_a_translation_service_the_consultant_is_told(bot):
    consultant = await dutch_consultant(bot)
    parent = await parent_asking(bot, QUESTION_TI, "ti")
    await wait_until(lambda: any(QUESTION_TI in t for t in consultant.texts()))
    reason = nl(NOT_TRANSLATED).format(reason=nl("no translation service is set up"))
    assert reason in notification(consultant, QUESTION_TI)
    case = await newest_case(bot)
    await consultant.press_data(f"case:reply:{case.id}")
    replies = await consultant.send(REPLY_NL)  # goes at once, as typed
    assert reason in [r["text"] for r in replies]
    await wait_until(lambda: REPLY_NL in parent.last_text)


async def test_a_dutch_parent_needs_no_translation(tbot, translate_api):
    consultant = await dutch_consultant(tbot)
    parent = await parent_asking(tbot, "Ik heb een probleem met mijn buurman, wat kan ik doen?",
                                 "nl")
    await wait_until(lambda: any("buurman" in t for t in consultant.texts()))
    assert "🌐" not in notification(consultant, "buurman")
    case = await newest_case(tbot)
    await consultant.press_data(f"case:reply:{case.id}")
    await consultant.send(REPLY_NL)
    await wait_until(lambda: REPLY_NL in parent.last_text)
    assert translate_api.requests == []


def test_masking_puts_everything_back():
    text = ("Bel 06-12345678 of +31 38 421 1234, mail a.b@example.org; BSN 123456782; "
            "groet, Bertine de Vries [1]")
    masked = mask(text, ["Bertine de Vries", None])
    for secret in ("12345678", "421", "example", "123456782", "Bertine", "Vries"):
        assert secret not in masked.text
    assert masked.restore(masked.text) == text
    assert masked.restore(masked.text.replace("[2]", "[ 2 ]")) == text
