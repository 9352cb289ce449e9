"""Answers a parent can hear: the 🔊 button under a topic's answer sends it as a voice.

What is sent, in this order:
1. a consultant's recording of the topic in that language (`/recording library ar`);
2. else, where espeak-ng speaks the language (`bot.speech`), the answer synthesised: the
   first time as a new upload, after that the file Telegram keeps of it (its file id,
   remembered per topic and language with the hash of the spoken text, so a changed answer
   is synthesised anew);
3. else nothing: the answer comes without 🔊.

Synthesis is CPU work and runs after the update's transaction, in a thread (the reply
`bot.replies.SendSpeech`); its file id is remembered afterwards (`remember`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import access, answers, audit, flows, speech
from bot.callbacks import Language, ListenButton, Topic
from bot.facts import LibraryFacts
from bot.flows import FlowState
from bot.i18n import LANGUAGES, N_, _, use_language
from bot.matcher import TOPICS
from bot.people import Person
from storage.repositories import voice as voice_repo
from storage.repositories.voice import RECORDING, SYNTHESIS

log = logging.getLogger(__name__)

RECORDING_FLOW = "recording"
# How a time range ("14:00–17:30") is read aloud.
TIME_RANGE = N_("{start} to {end}")


@dataclass(frozen=True)
class Voice:
    """What 🔊 sends: a file Telegram has (`file_id`), or a text to synthesise."""

    topic: str
    language: str
    file_id: str | None = None
    text: str = ""
    text_hash: str = ""


def spoken_answer(topic: str, language: str, facts: LibraryFacts,
                  today: dt.date | None = None) -> str:
    """The topic's answer in the language as it is read aloud (no emoji, no symbols)."""
    with use_language(language):
        return speech.clean_text(answers.answer_text(topic, facts, today), _(TIME_RANGE))


def answer_hash(topic: str, language: str, facts: LibraryFacts) -> str:
    """The answer's text as parents read it now: a recording of another text is outdated."""
    with use_language(language):
        return speech.text_hash(answers.answer_text(topic, facts), language)


def valid(topic: str, language: str) -> bool:
    return topic in TOPICS and language in LANGUAGES


async def available(session: AsyncSession, topic: str, language: str) -> bool:
    """Whether the answer gets a 🔊 button: a recording exists, or the language is spoken
    by the synthesis."""
    if not valid(topic, language):
        return False
    return speech.speaks(language) or (
        await voice_repo.get(session, topic, language, RECORDING) is not None)


async def listen_button(session: AsyncSession, topic: str, language: str
                        ) -> ListenButton | None:
    """The 🔊 button's data under the topic's answer in the language, where it can be heard."""
    if not await available(session, topic, language):
        return None
    return ListenButton(cast(Topic, topic), cast(Language, language))


async def for_answer(session: AsyncSession, topic: str, language: str, facts: LibraryFacts
                     ) -> Voice | None:
    """What 🔊 under the topic's answer in the language sends; None if nothing can be."""
    if not valid(topic, language):
        return None
    recording = await voice_repo.get(session, topic, language, RECORDING)
    if recording is not None:
        return Voice(topic, language, file_id=recording.file_id)
    if not speech.speaks(language):
        return None
    text = spoken_answer(topic, language, facts)
    text_hash = speech.synthesis_key(text, language)
    made = await voice_repo.get(session, topic, language, SYNTHESIS)
    if made is not None and made.text_hash == text_hash:
        return Voice(topic, language, file_id=made.file_id)
    return Voice(topic, language, text=text, text_hash=text_hash)


async def remember(sessions: async_sessionmaker[AsyncSession],
                   sent: Sequence[tuple[Voice, str]]) -> None:
    """Keep the file ids Telegram gave the syntheses just sent (after the update's commit,
    in a transaction of their own): the next parent gets the file without a synthesis."""
    for voice, file_id in sent:
        try:
            async with sessions() as session, session.begin():
                await voice_repo.put(session, topic=voice.topic, language=voice.language,
                                     kind=SYNTHESIS, file_id=file_id,
                                     text_hash=voice.text_hash)
        except IntegrityError:  # another process remembered the same answer just now
            log.info("synthesis of %s/%s was remembered concurrently", voice.topic,
                     voice.language)


# ---- the consultants' recordings ------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    topic: str
    language: str


def parse_target(args: Sequence[str]) -> Target | None:
    """`/recording TOPIC LANGUAGE`, e.g. `library ar` (either order, any case)."""
    words = [word.strip().lower() for word in args if word.strip()]
    if len(words) != 2:  # noqa: PLR2004 (a topic and a language)
        return None
    for topic, language in (words, reversed(words)):
        if valid(topic, language):
            return Target(topic, language)
    return None


async def start_recording(session: AsyncSession, person: Person, target: Target) -> FlowState:
    """The consultant's next voice message becomes the recording of this answer."""
    access.require(person, "voice.record")
    return await flows.begin(session, person, RECORDING_FLOW, "voice",
                             {"topic": target.topic, "language": target.language})


async def save_recording(session: AsyncSession, person: Person, state: FlowState,
                         file_id: str, facts: LibraryFacts) -> Target | None:
    """The voice message of a recording flow, kept for the topic and language from now on;
    None (and the flow ends) when the person may no longer record."""
    await flows.end(session, person)
    if not access.check(person, "voice.record"):
        return None
    target = Target(str(state.data["topic"]), str(state.data["language"]))
    await voice_repo.put(session, topic=target.topic, language=target.language,
                         kind=RECORDING, file_id=file_id,
                         text_hash=answer_hash(target.topic, target.language, facts),
                         consultant_id=person.record_id)
    await audit.record(session, person, "voice.record", topic=target.topic,
                       language=target.language)
    return target


async def cancel_recording(session: AsyncSession, person: Person, generation: int) -> bool:
    """End the recording flow its ✖️ button belongs to; False when that flow is over."""
    state = await flows.current(session, person)
    if state is None or state.flow != RECORDING_FLOW or state.generation != generation:
        return False
    await flows.end(session, person)
    return True


@dataclass(frozen=True)
class Overview:
    """For `/recording`: which answers have a recording, which were recorded before the
    answer's text changed, and which languages the synthesis speaks."""

    recorded: dict[str, list[str]]  # topic -> languages
    outdated: set[tuple[str, str]]  # (topic, language)
    synthesised: list[str]
    silent: list[str]  # languages with neither synthesis nor any recording


async def overview(session: AsyncSession, person: Person, facts: LibraryFacts) -> Overview:
    access.require(person, "voice.record")
    recorded: dict[str, list[str]] = {topic: [] for topic in TOPICS}
    outdated: set[tuple[str, str]] = set()
    for row in await voice_repo.of_kind(session, RECORDING):
        if not valid(row.topic, row.language):
            continue
        recorded[row.topic].append(row.language)
        if answer_hash(row.topic, row.language, facts) != row.text_hash:
            outdated.add((row.topic, row.language))
    order = {language: i for i, language in enumerate(LANGUAGES)}
    for languages in recorded.values():
        languages.sort(key=order.__getitem__)
    synthesised = [language for language in LANGUAGES if speech.speaks(language)]
    silent = [language for language in LANGUAGES if language not in synthesised
              and not any(language in languages for languages in recorded.values())]
    return Overview(recorded, outdated, synthesised, silent)
