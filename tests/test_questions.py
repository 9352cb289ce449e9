"""`python main.py ask` against questions written without looking at the keywords.

`tests/questions/<lang>.toml` holds, per topic, questions as parents type them (at least five
per topic and language) and unrelated ones that must give `none`.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import main
from bot import matcher
from bot.i18n import LANGUAGES

QUESTIONS = Path(__file__).parent / "questions"
ROOT = Path(__file__).resolve().parent.parent


def questions(language: str) -> dict[str, list[str]]:
    raw = tomllib.loads((QUESTIONS / f"{language}.toml").read_text(encoding="utf-8"))
    return {topic: entry["questions"] for topic, entry in raw.items()}


def ask(capsys: pytest.CaptureFixture[str], language: str, question: str) -> list[str]:
    assert main.main(["ask", "--lang", language, question]) == 0
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_topic_has_five_differently_worded_questions(language: str):
    found = questions(language)
    for topic in (*matcher.TOPICS, "none"):
        assert len(set(found.get(topic, []))) >= 5, (language, topic)


@pytest.mark.parametrize("topic", (*matcher.TOPICS, "none"))
@pytest.mark.parametrize("language", LANGUAGES)
def test_ask_answers_each_question_with_its_topic(capsys, language: str, topic: str):
    misses = []
    for question in questions(language)[topic]:
        lines = ask(capsys, language, question)
        if lines[0] != topic:
            misses.append(f"{question!r} -> {lines[0]}")
        assert len(lines) > 1 and lines[1].strip(), "an answer follows the topic id"
    assert not misses, "\n".join(misses)


def test_ask_runs_as_a_command():
    result = subprocess.run(
        [sys.executable, "main.py", "ask", "--lang", "ar", "متى تفتح المكتبة؟"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    first, *answer = result.stdout.splitlines()
    assert first == "library"
    assert "Prinsenstraat 24" in "\n".join(answer)
    assert "الاثنين" in "\n".join(answer)  # Monday, in Arabic


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_keywords_for_every_topic(language: str):
    keywords = matcher.keywords_for(language)
    for topic in matcher.TOPICS:
        assert len(keywords.by_topic.get(topic, [])) >= 5, (language, topic)


@pytest.mark.parametrize(("typed", "keyword"), [
    ("المكتبه", "مكتبة"),  # ta marbuta written as ha, and the article
    ("إمتحان", "امتحان"),  # hamza forms
    ("كتابي", "کتاب"),  # Farsi keheh against Arabic kaf
    ("KÜTÜPHANEYE", "kutuphane"),  # Turkish case, accents and a suffix
    ("bibliotek", "biblioteka"),  # a typo
    ("biblioteki", "biblioteka"),
    ("ląbrary", "library"),  # accents that do not belong there
])
def test_word_variants_match(typed: str, keyword: str):
    token = matcher.normalise(typed)
    assert matcher.word_matches(matcher.normalise(keyword), token)


@pytest.mark.parametrize(("typed", "keyword"), [("bus", "boek"), ("open", "opa"),
                                                ("dokter", "digid")])
def test_different_words_do_not_match(typed: str, keyword: str):
    assert not matcher.word_matches(matcher.normalise(keyword), matcher.normalise(typed))


@given(st.text(max_size=300))
def test_normalise_is_stable_and_match_never_fails(text: str):
    once = matcher.normalise(text)
    assert matcher.normalise(once) == once
    for language in ("nl", "ar", "ti"):
        assert matcher.match(text, language).topic in (*matcher.TOPICS, None)
