"""Answers a parent can hear: 🔊 under a topic's answer sends it as a voice message, a
consultant's recording first, else espeak-ng's synthesis (OGG/Opus), cached as Telegram's file
id; no 🔊 where neither exists. Through the fake Bot API, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import time
from typing import get_args

import soundfile
from sqlalchemy import update

from bot import speech, voice
from bot.callbacks import Language, ListenButton, Topic
from bot.config import DEFAULT_FACTS_PATH
from bot.facts import load_facts
from bot.i18n import LANGUAGES, load_catalogs
from bot.matcher import TOPICS
from storage.models import AuditEntry, FlowState, ParentMessage, VoiceAnswer
from tests.conftest import CONSULTANT_ID
from tests.test_parent import label, parent_with_menu
from tests.test_referral import join_as_partner

SPOKEN = ("nl", "en", "ar", "tr", "pl", "uk", "ti", "fa")
# "I want" in Persian: its zero-width non-joiner is part of the spelling, kept for the voice.
PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"


def voice_calls(bot):
    return bot.server.calls_to("sendVoice")


def decoded(content: bytes) -> soundfile._SoundFileInfo:
    return soundfile.info(io.BytesIO(content))


async def consultant_ready(bot):
    consultant = bot.user(CONSULTANT_ID, "Bertine", "en")
    await consultant.send("/start")
    return consultant


async def record(bot, consultant, topic: str, language: str, content: bytes) -> str:
    """The consultant records an answer; returns the voice note's file id."""
    await consultant.send(f"/recording {topic} {language}")
    assert "Send a voice message now" in consultant.last_text
    await consultant.send_voice(content, duration=4)
    assert "✅ Saved" in consultant.last_text
    sent = [m for m in bot.server.messages[consultant.id]
            if "voice" in m and not m["from"].get("is_bot")]
    return sent[-1]["voice"]["file_id"]


# ---- the parts --------------------------------------------------------------------------------
def test_the_buttons_know_every_topic_and_language():
    assert get_args(Topic) == TOPICS
    assert get_args(Language) == LANGUAGES


def test_espeak_ng_speaks_eight_of_the_nine_languages():
    assert [language for language in LANGUAGES if speech.speaks(language)] == list(SPOKEN)
    assert not speech.speaks("so")  # espeak-ng has no Somali voice
    assert not speech.speaks("xx")


def test_what_is_read_aloud_has_no_emoji_or_symbols():
    text = speech.clean_text("🏛️ The library is for everyone.\nWhere and when:\n\n"
                             "📍 Bibliotheek Dalfsen\n🕐 Monday \u206614:00–17:30\u2069 👍🏽\n"
                             "• " + PERSIAN + " ⛺ 1️⃣", "{start} to {end}")
    assert text == ("The library is for everyone.\nWhere and when:\nBibliotheek Dalfsen.\n"
                    "Monday 14 to 17:30.\n" + PERSIAN + " 1.")


def test_synthesis_is_an_ogg_opus_voice(figures):
    load_catalogs()
    facts = load_facts(DEFAULT_FACTS_PATH)
    text = voice.spoken_answer("contact", "nl", facts)
    assert "📱" not in text and "library" not in text
    started = time.perf_counter()
    audio = speech.synthesize(text, "nl")
    figures(f"synthesis of the contact answer (nl, {len(text)} characters): "
            f"{time.perf_counter() - started:.2f} s")
    info = decoded(audio)
    assert (info.format, info.subtype, info.samplerate) == ("OGG", "OPUS", 24_000)
    assert 3 < info.duration < 20 and len(audio) < 100_000
    assert speech.synthesize(text, "nl") is audio  # kept: a retried send does not redo it


# ---- through the bot --------------------------------------------------------------------------
async def test_menu_answer_is_heard_and_the_next_parent_gets_the_cached_file(bot):
    parent = await parent_with_menu(bot, "en")
    replies = await parent.send("👶 BoekStart")
    assert "baby" in replies[0]["text"] and parent.buttons(replies[0]) == ["🔊"]
    assert parent.keyboard()[0] == "🏛️ Library"  # the menu stays
    await parent.press("🔊")
    (call,) = voice_calls(bot)
    assert call.params["chat_id"] == parent.id and call.files  # synthesised and uploaded
    info = decoded(next(iter(call.files.values())))
    assert (info.format, info.subtype) == ("OGG", "OPUS") and 3 < info.duration < 60
    assert "voice" in parent.last
    (cached,) = await bot.rows(VoiceAnswer)
    assert (cached.topic, cached.language, cached.kind) == ("boekstart", "en", "synthesis")
    assert cached.file_id == parent.last["voice"]["file_id"]

    second = await parent_with_menu(bot, "en")
    await second.send("👶 BoekStart")
    await second.press("🔊")
    call = voice_calls(bot)[-1]
    assert call.params["chat_id"] == second.id
    assert call.params["voice"] == cached.file_id and not call.files  # no new upload
    assert second.last["voice"]["file_id"] == cached.file_id
    assert await bot.count(VoiceAnswer) == 1


async def test_typed_question_answer_is_heard_and_keeps_its_button_after_feedback(bot):
    parent = await parent_with_menu(bot, "ar")
    replies = await parent.send("كيف أحصل على حقيبة الكتب boekstart لطفلي؟")
    assert parent.buttons(replies[0]) == ["👍", "👎", "🔊"]
    await parent.press("👍")
    assert parent.buttons(parent.inbox[-2]) == ["🔊"]  # the answer can still be heard
    assert (await bot.rows(ParentMessage))[0].helpful is True
    await parent.press("🔊")
    (call,) = voice_calls(bot)
    assert decoded(next(iter(call.files.values()))).subtype == "OPUS"
    (cached,) = await bot.rows(VoiceAnswer)
    assert (cached.topic, cached.language) == ("boekstart", "ar")


async def test_contact_question_is_heard_after_the_contact_keyboard(bot):
    parent = await parent_with_menu(bot, "tr")
    await parent.send(label("tr", "📞 Contact me"))
    assert parent.keyboard()[0] == label("tr", "📱 Share my phone number")
    assert parent.buttons() == ["🔊"]
    await parent.press("🔊")
    (call,) = voice_calls(bot)
    assert 2 < decoded(next(iter(call.files.values()))).duration < 30
    assert (await bot.rows(VoiceAnswer))[0].topic == "contact"


async def test_a_changed_answer_is_synthesised_anew(bot):
    parent = await parent_with_menu(bot, "nl")
    await parent.send(label("nl", "👶 BoekStart"))
    await parent.press("🔊")
    first = (await bot.rows(VoiceAnswer))[0].file_id
    async with bot.services.sessions() as session, session.begin():  # made of another text
        await session.execute(update(VoiceAnswer).values(text_hash="0" * 64))
    await parent.press("🔊")
    call = voice_calls(bot)[-1]
    assert call.files  # synthesised and uploaded again
    (cached,) = await bot.rows(VoiceAnswer)
    assert cached.file_id != first and cached.file_id == parent.last["voice"]["file_id"]


async def test_a_consultants_recording_comes_before_the_synthesis(bot):
    consultant = await consultant_ready(bot)
    parent = await parent_with_menu(bot, "en")
    file_id = await record(bot, consultant, "boekstart", "en", b"OggS Bertine reads aloud")
    await parent.send("👶 BoekStart")
    await parent.press("🔊")
    (call,) = voice_calls(bot)
    assert call.params["voice"] == file_id and not call.files  # the recording, no synthesis
    (recording,) = await bot.rows(VoiceAnswer)
    assert recording.kind == "recording" and recording.consultant_id is not None
    assert await bot.count(AuditEntry, AuditEntry.action == "voice.record") == 1
    # Recorded again: the new one is used from then on.
    newer = await record(bot, consultant, "boekstart", "en", b"OggS a better take")
    await parent.press("🔊")
    assert voice_calls(bot)[-1].params["voice"] == newer != file_id
    assert await bot.count(VoiceAnswer) == 1
    # /recording lists it; a recording of a text that changed since is marked.
    await consultant.send("/recording")
    assert "• boekstart: en" in consultant.last_text and "so" in consultant.last_text
    async with bot.services.sessions() as session, session.begin():
        await session.execute(update(VoiceAnswer).values(text_hash="0" * 64))
    await consultant.send("/recording")
    assert "• boekstart: en ⚠️" in consultant.last_text


async def test_somali_has_no_button_until_there_is_a_recording(bot):
    parent = await parent_with_menu(bot, "so")
    replies = await parent.send(label("so", "👶 BoekStart"))
    assert parent.buttons(replies[0]) == []
    assert parent.keyboard()[0] == label("so", "🏛️ Library")
    replies = await parent.send("buugaag ilmaha boekstart")
    assert parent.buttons(replies[0]) == ["👍", "👎"]
    replies = await parent.send(label("so", "📞 Contact me"))
    assert len(replies) == 1 and parent.buttons() == []
    await parent.press_data("voice:boekstart:so")  # forged: nothing to hear
    assert parent.callback_answer() == label("so", "This button does not work any more.")
    assert voice_calls(bot) == []

    consultant = await consultant_ready(bot)
    file_id = await record(bot, consultant, "boekstart", "so", b"OggS in Somali")
    replies = await parent.send(label("so", "👶 BoekStart"))
    assert parent.buttons(replies[0]) == ["🔊"]
    await parent.press("🔊")
    assert voice_calls(bot)[-1].params["voice"] == file_id
    replies = await parent.send(label("so", "🏛️ Library"))  # another topic: still none
    assert "🔊" not in parent.buttons(replies[0])


async def test_recording_is_for_consultants_only(bot):
    parent = await parent_with_menu(bot, "en")
    replies = await parent.send("/recording boekstart en")
    assert "library staff" in replies[0]["text"]
    await parent.send_voice(b"OggS a parent's voice note")  # goes to the library as ever
    assert "The library will look at it" in parent.last_text
    nurse, _consultant, _token = await join_as_partner(bot)
    await nurse.send("/recording boekstart en")
    assert nurse.last_text.startswith("⛔")
    await nurse.send_voice(b"OggS a nurse's voice note")
    stranger = bot.user(language_code="en")
    replies = await stranger.send("/recording")
    assert "library staff" in replies[0]["text"]
    assert await bot.count(VoiceAnswer) == 0 and await bot.count(FlowState) == 0


async def test_recording_refuses_bad_input_and_changes_nothing(bot):
    consultant = await consultant_ready(bot)
    for command in ("/recording weather en", "/recording boekstart de",
                    "/recording boekstart", "/recording boekstart en extra"):
        await consultant.send(command)
        assert "I do not know that topic or language" in consultant.last_text, command
        assert "Topics: library, boekstart" in consultant.last_text
    assert await bot.count(FlowState) == 0
    await consultant.send("/recording")
    overview = consultant.last_text
    assert "• library: –" in overview and "en, ar, tr, pl, uk, ti, fa" in overview
    assert "🔇" in overview and overview.split("🔇")[1].split("\n")[0].endswith("so")

    await consultant.send("/recording EN Boekstart")  # either order, any case
    await consultant.send("here is my text")
    assert "not a voice message" in consultant.last_text
    await consultant.send_photo()
    assert "not a voice message" in consultant.last_text
    assert await bot.count(VoiceAnswer) == 0
    await consultant.press("✖️ Cancel")
    assert any(t.startswith("Cancelled. Nothing was saved.") for t in consultant.texts())
    await consultant.send_voice(b"OggS too late")  # no recording under way: not kept
    assert await bot.count(VoiceAnswer) == 0 and await bot.count(FlowState) == 0
    await consultant.press_data("rec:cancel:1")  # a stale ✖️
    assert consultant.callback_answer() == "This button does not work any more."


async def test_forged_listen_buttons_change_nothing(bot):
    parent = await parent_with_menu(bot, "en")
    for data in ("voice:weather:en", "voice:boekstart:xx", "voice:boekstart",
                 "voice:boekstart:en:1", "voice::en", "voice:boekstart:so", "rec:cancel:1",
                 "rec:cancel:x"):
        await parent.press_data(data)
        assert parent.callback_answer() == "This button does not work any more.", data
    assert voice_calls(bot) == []
    assert await bot.count(VoiceAnswer) == 0 and await bot.count(FlowState) == 0
    assert ListenButton.unpack("voice:boekstart:en") == ListenButton("boekstart", "en")
