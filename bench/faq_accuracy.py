"""How well the question matcher does on questions nobody tuned the keywords on.

    .venv/bin/python bench/faq_accuracy.py [FOLDER ...] [--misses]

Each folder holds `<lang>.toml` files written without looking at the keywords or at the test
questions, and never used to tune them: they estimate what parents will meet. By default:
`bench/hard/` (typos, run-on sentences, code-switching, romanised Arabic and Persian, other
places, health, unrelated questions, negation, small talk; each question names its kind) and
`bench/questions/` (plainer questions per topic, kind "plain").

Every question has an expected outcome: a topic, `none` (the bot must not answer with a topic;
a person gets it) or `smalltalk`. Counted, per language and per kind:
  right       the expected outcome
  handed over the bot gave no topic where one was expected (slower, but nothing wrong is said;
              for small talk it means a needless case for the consultant)
  wrong       a topic (or small talk) that was not asked: the parent gets a wrong answer
The goal: at least 95% right and at most 1% wrong in every language.
"""

from __future__ import annotations

import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import matcher  # noqa: E402
from bot.i18n import LANGUAGES  # noqa: E402

DEFAULT_FOLDERS = (ROOT / "bench" / "hard", ROOT / "bench" / "questions")


@dataclass(frozen=True)
class Question:
    language: str
    text: str
    expect: str  # a topic, "none" or "smalltalk"
    kind: str


def load(folder: Path, language: str) -> list[Question]:
    path = folder / f"{language}.toml"
    if not path.exists():
        return []
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    if "question" in raw:  # [[question]] text, expect, kind
        return [Question(language, q["text"], q["expect"], q["kind"]) for q in raw["question"]]
    return [Question(language, text, topic, "plain")  # [topic] questions = [...]
            for topic, entry in raw.items() for text in entry["questions"]]


def outcome(question: Question) -> str:
    found = matcher.match(question.text, question.language).label
    if found == question.expect:
        return "right"
    return "handed over" if found == "none" else "wrong"


@dataclass
class Tally:
    right: int = 0
    handed_over: int = 0
    wrong: int = 0

    def add(self, result: str) -> None:
        if result == "right":
            self.right += 1
        elif result == "wrong":
            self.wrong += 1
        else:
            self.handed_over += 1

    @property
    def total(self) -> int:
        return self.right + self.handed_over + self.wrong

    def row(self, name: str) -> str:
        total = max(self.total, 1)
        return (f"{name:12} {self.total:9} {self.right / total:7.0%} "
                f"{self.handed_over / total:12.0%} {self.wrong / total:7.1%}")


HEADER = f"{'':12} {'questions':>9} {'right':>7} {'handed over':>12} {'wrong':>7}"


def main(argv: list[str]) -> int:
    show_misses = "--misses" in argv
    folders = [Path(a) for a in argv if not a.startswith("--")] or list(DEFAULT_FOLDERS)
    questions = [q for folder in folders for language in LANGUAGES
                 for q in load(folder, language)]
    if not questions:
        print(f"no question files in {', '.join(map(str, folders))}")
        return 1
    by_language: dict[str, Tally] = defaultdict(Tally)
    by_kind: dict[str, Tally] = defaultdict(Tally)
    everything = Tally()
    misses = []
    for question in questions:
        result = outcome(question)
        for tally in (by_language[question.language], by_kind[question.kind], everything):
            tally.add(result)
        if result != "right":
            misses.append(f"{question.language} {question.kind:11} expected "
                          f"{question.expect:10} {result:11} {question.text}")
    print("per language\n" + HEADER)
    for language in LANGUAGES:
        if language in by_language:
            print(by_language[language].row(language))
    print(everything.row("all"))
    print("\nper kind\n" + HEADER)
    for kind in sorted(by_kind):
        print(by_kind[kind].row(kind))
    if show_misses:
        print("\n" + "\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
