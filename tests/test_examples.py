"""The earlier questions (bot.examples): a question the word lists leave open takes the topic
of the earlier questions nearest to it, only when they are near and agree, never for a
question nearest to one a person had to answer."""

from __future__ import annotations

import pytest

from bot import matcher
from bot.examples import Example, Examples, examples_for, letter_groups
from bot.i18n import LANGUAGES

EARLIER = [
    Example("can i borrow picture books for my daughter", "library"),
    Example("can we borrow picture books for the kids", "library"),
    Example("my son has a red rash on his arm", "none"),
    Example("my daughter has a red rash on her face", "none"),
    Example("is there a story hour for toddlers on wednesday", "activities"),
    Example("story hour for toddlers, is it on wednesday", "library"),  # a disagreeing label
]


def words(text: str) -> tuple[str, ...]:
    return tuple(text.lower().replace(",", " ").split())


def test_an_inflected_and_misspelled_question_finds_the_earlier_one():
    nearest = Examples(EARLIER, words).nearest("could i borow picture books for my daughters")
    assert nearest is not None and nearest.expect == "library"
    assert nearest.example in {e.text for e in EARLIER[:2]}


def test_a_question_like_no_earlier_one_finds_nothing():
    assert Examples(EARLIER, words).nearest("when does the bus to zwolle leave") is None


def test_earlier_questions_that_disagree_decide_nothing():
    assert Examples(EARLIER, words).nearest("story hour for toddlers on wednesday") is None


def test_a_question_left_out_does_not_find_itself():
    examples = Examples(EARLIER, words)
    assert examples.neighbours(EARLIER[0].text)[0] == (0, pytest.approx(1.0))
    assert all(number != 0 for number, _ in examples.neighbours(EARLIER[0].text, skip=0))


def test_letter_groups_are_three_or_four_letters_of_a_word():
    assert set(letter_groups(["boek"])) == {" bo", "boe", "oek", "ek ", " boe", "boek", "oek "}


@pytest.mark.parametrize("language", LANGUAGES)
def test_earlier_questions_rarely_answer_what_the_lists_leave_to_a_person(language: str):
    """Leave one out: each earlier question that the word lists leave open (they expect a
    person: another place, an unrelated question), matched against all the others. The
    nearest questions may pick a topic for at most one in forty of them."""
    examples = examples_for(language, matcher._words)
    left_open = [(number, example) for number, example in enumerate(examples.examples)
                 if matcher.match(example.text, language, examples=False).open]
    wrong = [f"{example.text!r} ({example.expect}) -> {nearest.expect}, as {nearest.example!r}"
             for number, example in left_open
             if (nearest := examples.nearest(example.text, skip=number)) is not None
             and nearest.expect in matcher.TOPICS and nearest.expect != example.expect]
    assert len(wrong) * 40 <= len(left_open), "\n".join(wrong)


@pytest.mark.parametrize(("language", "question", "topic"), [
    ("en", "the pharmacy, when does it open on sunday", "none"),  # another place: no neighbour
    # one hint ("machtiging") is too little for the words; the earlier question decides
    ("en", "need help with my machtiging for my mum", "digital"),
    # nearest is "a computer class for beginners", but no word here hints at digital help
    ("fa", "کتاب هلندی آسون برای مبتدی ها", "none"),  # noqa: RUF001 (Persian letters)
])
def test_the_matcher_follows_earlier_questions_only_when_the_words_leave_it_open(
        language: str, question: str, topic: str):
    found = matcher.match(question, language)
    assert found.label == topic
    assert (found.example is not None) == (topic != "none" and not
                                           matcher.match(question, language, examples=False).topic)


@pytest.mark.parametrize(("language", "news", "example"), [
    ("tr", "bayramınız mübarek", "bayramınız mübarek olsun"),  # noqa: RUF001
    ("uk", "пардон, помилилась", "пардон, помилилась чатом"),
])
def test_news_like_earlier_small_talk_is_small_talk_that_offers_to_pass_it_on(
        language: str, news: str, example: str):
    assert matcher.match(news, language, examples=False).label == "none", "the lists leave it"
    found = matcher.match(news, language)
    assert (found.label, found.unsure, found.example) == ("smalltalk", True, example)


@pytest.mark.parametrize(("language", "message"), [
    ("uk", "доброго вечора, чоловік мене ображає"),  # a greeting: a need may hide beside it
    ("ar", "صباح الخير عندي سؤال"),
    ("en", "we have nothing to eat"),
    ("ar", "مش واضح"),  # a "not"
])
def test_a_need_near_earlier_small_talk_still_goes_to_a_person(language: str, message: str):
    assert matcher.match(message, language).label == "none"
