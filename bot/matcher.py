"""Parents' questions: which topic a typed question is about (the answers are in bot.answers).

Matching is deliberately simple and explainable: per-language keyword lists (in
`locales/<lang>/keywords.toml`, editable without code) are compared with the question's words
after normalising case, accents, Arabic-script variants and small typos (rapidfuzz). A topic
is chosen only when it clearly wins; otherwise the question goes to a person.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rapidfuzz.distance import OSA

from bot.i18n import LANGUAGES, LOCALES_DIR

TOPICS: tuple[str, ...] = ("library", "boekstart", "dutch", "digital", "activities", "contact")
STRONG, WEAK = 2.0, 1.0
MIN_SCORE = 2.0  # one strong word, or two weak ones
MIN_MARGIN = 1.0  # the winner must beat the runner-up by this much
# Word lengths: an Arabic article or conjunction comes off only if this much is left; a keyword
# counts inside a longer word (inflection, compound) from this length; typos allowed from these.
MIN_STEM = 3
MIN_PART_OF_WORD = 4
ONE_TYPO_FROM, TWO_TYPOS_FROM = 5, 9

# Arabic-script letters written in more than one way, and Latin letters NFKD cannot split.
_FOLD = str.maketrans({
    "ى": "ي", "ی": "ي", "ې": "ي", "ۍ": "ي", "ک": "ك", "ڪ": "ك", "ة": "ه", "ۀ": "ه", "ە": "ه",
    "ـ": None, "\u200c": " ", "\u200d": None, "\u200f": None, "\u200e": None,
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "œ": "oe", "æ": "ae",
    # apostrophes join a word rather than split it: комп'ютер, baby's, DigiD'm
    "'": None, "’": None, "ʼ": None, "`": None, "´": None,
    "ґ": "г", "ё": "е",
})
_WORD = re.compile(r"\w+", re.UNICODE)
_ARABIC_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")


def normalise(text: str) -> str:
    """Lower case, no accents or diacritics, one spelling per Arabic-script letter."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = unicodedata.normalize("NFC", text).translate(_FOLD)
    return " ".join(_WORD.findall(text.replace("_", " ")))


def _variants(token: str) -> tuple[str, ...]:
    """A word and the word without an Arabic article or conjunction in front."""
    for prefix in _ARABIC_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= MIN_STEM:
            return token, token[len(prefix):]
    return (token,)


def _typos_allowed(keyword: str) -> int:
    if len(keyword) >= TWO_TYPOS_FROM:
        return 2
    if len(keyword) >= ONE_TYPO_FROM:
        return 1
    return 0


def word_matches(keyword: str, token: str, typos: bool = True) -> bool:
    """Same word, the keyword inside a longer word (inflection, compound), or a small typo."""
    for form in _variants(token):
        if form == keyword:
            return True
        if len(keyword) >= MIN_PART_OF_WORD and keyword in form:
            return True
        allowed = _typos_allowed(keyword) if typos else 0
        if allowed:
            if OSA.distance(form, keyword, score_cutoff=allowed) <= allowed:
                return True
            # an inflected word with a typo: compare the word's start
            if len(form) > len(keyword) and OSA.distance(
                    form[:len(keyword)], keyword, score_cutoff=allowed) <= allowed:
                return True
    return False


@dataclass(frozen=True)
class Keyword:
    words: tuple[str, ...]  # a phrase matches when each of its words does
    weight: float


@dataclass
class Keywords:
    by_topic: dict[str, list[Keyword]] = field(default_factory=dict)

    def score(self, tokens: list[str], typos: bool = True) -> dict[str, float]:
        """Points per topic. A word of the question counts once per topic through single-word
        keywords (so "library" and the typo "libary" do not add up); phrases add on top."""
        scores: dict[str, float] = {}
        for topic, keywords in self.by_topic.items():
            used: set[int] = set()
            phrases: set[frozenset[int]] = set()
            total = 0.0
            for keyword in keywords:  # strongest first, see load_keywords
                hits: set[int] = set()
                for word in keyword.words:
                    found = [i for i, t in enumerate(tokens) if word_matches(word, t, typos)]
                    if not found:
                        break
                    hits.update(found)
                else:
                    if len(keyword.words) > 1:
                        if frozenset(hits) not in phrases:  # two spellings, same words
                            total += keyword.weight
                            phrases.add(frozenset(hits))
                    elif hits - used:
                        total += keyword.weight
                        used |= hits
            if total:
                scores[topic] = total
        return scores


class KeywordFileError(ValueError):
    pass


def load_keywords(path: Path) -> Keywords:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    result = Keywords()
    for topic, entry in raw.items():
        if topic not in TOPICS:
            raise KeywordFileError(f"{path}: unknown topic [{topic}]; use {', '.join(TOPICS)}")
        keywords = []
        for weight, key in ((STRONG, "strong"), (WEAK, "words")):
            for phrase in entry.get(key, []):
                words = tuple(normalise(phrase).split())
                if words:
                    keywords.append(Keyword(words, weight))
        keywords.sort(key=lambda k: (-k.weight, -len(k.words)))
        result.by_topic[topic] = keywords
    return result


@cache
def keywords_for(language: str, directory: Path = LOCALES_DIR) -> Keywords:
    path = directory / language / "keywords.toml"
    return load_keywords(path) if path.exists() else Keywords()


@dataclass(frozen=True)
class Match:
    topic: str | None
    scores: dict[str, float]


def _clear_winner(scores: dict[str, float]) -> str | None:
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < MIN_SCORE:
        return None
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < MIN_MARGIN:
        return None
    return ranked[0][0]


def _decide(scores: dict[str, float]) -> str | None:
    """The clear winner. Everything happens at the library, so naming the library does not
    beat a specific topic that is also clearly asked about ("Dutch lessons at the library")."""
    winner = _clear_winner(scores)
    if winner is not None or "library" not in scores:
        return winner
    specific = _clear_winner({t: v for t, v in scores.items() if t != "library"})
    if specific is not None and scores["library"] - scores[specific] < MIN_MARGIN:
        return specific
    return None


def match(question: str, language: str) -> Match:
    """The topic a question is about, or None when not confident.

    The parent's own language first; then every language (people mix languages, or type in
    another one than they chose), without typo tolerance there: a typo in one language is
    too often a different word in another.
    """
    tokens = normalise(question).split()
    if not tokens:
        return Match(None, {})
    scores = keywords_for(language).score(tokens)
    topic = _decide(scores)
    if topic is not None:
        return Match(topic, scores)
    combined: dict[str, float] = {}
    for other in LANGUAGES:
        for name, value in keywords_for(other).score(tokens, typos=False).items():
            combined[name] = max(combined.get(name, 0.0), value)
    return Match(_decide(combined), combined)
