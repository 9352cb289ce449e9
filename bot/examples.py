"""Questions parents asked before, each with the answer a person chose for it: the nearest one
decides a question that the word lists (bot.matcher) leave to a person.

The word lists know words; parents write whole sentences, in forms and spellings no list holds
("ክንመሃር ንደሊ" for "we want to learn"). `locales/<lang>/questions.toml` holds the questions
the lists were tuned on, with their topic, `none` or `smalltalk`. A question that found no
topic is compared with them by their letter groups (three or four letters of a word, so
inflected and misspelled forms still share most of them), weighted by how rare each group is.
Only a near neighbour that the next ones agree with decides, and only for a topic: a question
nearest to questions about the pharmacy or a rash stays with a person. Explainable: the match
says which earlier question it followed.
"""

from __future__ import annotations

import math
import tomllib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.i18n import LOCALES_DIR

SHORTEST_GROUP, LONGEST_GROUP = 3, 4  # five-letter groups cost a third more memory, no gain
NEIGHBOURS = 5
# Chosen on 600 questions written after the lists were tuned, before they were added: at
# these the nearest questions answered a few of those the lists left open and none wrongly;
# left out in turn, they picked a topic for about 1 in 100 of the tuning questions that a
# person should answer (tests/test_examples.py).
MIN_SIMILARITY = 0.6  # cosine of the nearest question's letter groups
MIN_AGREEMENT = 0.8  # share of the neighbours' similarity that is for its topic
VOTER_SIMILARITY = 0.4  # the neighbours that count in that share: those at least this near

Words = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class Example:
    text: str
    expect: str  # a topic, "none" or "smalltalk"


@dataclass(frozen=True)
class Nearest:
    expect: str
    similarity: float
    agreement: float
    example: str  # the earlier question it is nearest to


def letter_groups(words: Iterable[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for word in words:
        padded = f" {word} "
        for size in range(SHORTEST_GROUP, LONGEST_GROUP + 1):
            counts.update(padded[i:i + size] for i in range(len(padded) - size + 1))
    return counts


class Examples:
    """An index of example questions by their weighted letter groups (TF-IDF, cosine)."""

    def __init__(self, examples: Sequence[Example], words: Words) -> None:
        self.examples = tuple(examples)
        self.words = words
        groups = [letter_groups(words(example.text)) for example in self.examples]
        seen_in: Counter[str] = Counter()
        for counts in groups:
            seen_in.update(counts.keys())
        total = len(self.examples)
        self.rarity = {group: math.log((total + 1) / (n + 1)) + 1 for group, n in seen_in.items()}
        numbers: dict[str, array[int]] = defaultdict(lambda: array("I"))
        weights: dict[str, array[float]] = defaultdict(lambda: array("f"))
        for number, counts in enumerate(groups):
            for group, weight in self._unit(counts).items():
                numbers[group].append(number)
                weights[group].append(weight)
        # compact: a year of parents' questions should not cost the bot tens of megabytes
        self.postings = {group: (numbers[group], weights[group]) for group in numbers}

    def _unit(self, counts: Counter[str]) -> dict[str, float]:
        weights = {group: (1 + math.log(n)) * self.rarity[group]
                   for group, n in counts.items() if group in self.rarity}
        length = math.sqrt(sum(w * w for w in weights.values()))
        return {group: w / length for group, w in weights.items()} if length else {}

    def neighbours(self, text: str, skip: int | None = None) -> list[tuple[int, float]]:
        """The nearest examples with their similarity, best first (`skip`: leave one out)."""
        similarity: dict[int, float] = defaultdict(float)
        for group, weight in self._unit(letter_groups(self.words(text))).items():
            found = self.postings.get(group)
            if found is not None:
                for number, other in zip(*found, strict=True):
                    similarity[number] += weight * other
        if skip is not None:
            similarity.pop(skip, None)
        return sorted(similarity.items(), key=lambda item: -item[1])[:NEIGHBOURS]

    def nearest(self, text: str, skip: int | None = None) -> Nearest | None:
        """What the nearest examples say, when the nearest is near enough and the others
        near it mostly agree."""
        found = self.neighbours(text, skip)
        if not found or found[0][1] < MIN_SIMILARITY:
            return None
        votes: dict[str, float] = defaultdict(float)
        for number, similarity in found:
            if similarity >= VOTER_SIMILARITY:
                votes[self.examples[number].expect] += similarity
        expect, votes_for = max(votes.items(), key=lambda item: item[1])
        if votes_for < MIN_AGREEMENT * sum(votes.values()):
            return None
        best = next(number for number, _ in found if self.examples[number].expect == expect)
        return Nearest(expect, found[0][1], votes_for / sum(votes.values()),
                       self.examples[best].text)


def load_examples(path: Path) -> list[Example]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Example(q["text"], q["expect"]) for q in raw.get("question", [])]


def questions_path(language: str, directory: Path = LOCALES_DIR) -> Path:
    return directory / language / "questions.toml"


@cache
def examples_for(language: str, words: Words) -> Examples:
    path = questions_path(language)
    return Examples(load_examples(path) if path.exists() else [], words)
