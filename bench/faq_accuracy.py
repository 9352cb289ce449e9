"""How well the question matcher does on questions nobody tuned the keywords on.

    .venv/bin/python bench/faq_accuracy.py [bench/questions]

`bench/questions/<lang>.toml` was written without looking at the keywords or at the test
questions, and is never used to tune them: it estimates what parents will meet. Per language:
  right     the topic the question is about
  to staff  no topic (the question goes to the consultant: slower, but nothing wrong is said)
  wrong     another topic (the parent gets an answer to something they did not ask)
  false hit an unrelated question answered with a topic
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import matcher  # noqa: E402
from bot.i18n import LANGUAGES  # noqa: E402


def evaluate(folder: Path) -> list[tuple[str, int, int, int, int, int, int]]:
    rows = []
    for language in LANGUAGES:
        path = folder / f"{language}.toml"
        if not path.exists():
            continue
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        right = to_staff = wrong = topical = false_hits = unrelated = 0
        for topic, entry in raw.items():
            for question in entry["questions"]:
                found = matcher.match(question, language).topic
                if topic == "none":
                    unrelated += 1
                    false_hits += found is not None
                    continue
                topical += 1
                if found == topic:
                    right += 1
                elif found is None:
                    to_staff += 1
                else:
                    wrong += 1
        rows.append((language, topical, right, to_staff, wrong, unrelated, false_hits))
    return rows


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "questions"
    rows = evaluate(folder)
    if not rows:
        print(f"no question files in {folder}")
        return 1
    print(f"{'lang':5} {'questions':>9} {'right':>7} {'to staff':>9} {'wrong':>7} "
          f"{'unrelated':>9} {'false hit':>9}")
    totals = [0] * 6
    for language, *numbers in rows:
        topical, right, to_staff, wrong, unrelated, false_hits = numbers
        totals = [a + b for a, b in zip(totals, numbers, strict=True)]
        print(f"{language:5} {topical:9} {right / topical:7.0%} {to_staff / topical:9.0%} "
              f"{wrong / topical:7.0%} {unrelated:9} {false_hits / max(unrelated, 1):9.0%}")
    topical, right, to_staff, wrong, unrelated, false_hits = totals
    print(f"{'all':5} {topical:9} {right / topical:7.0%} {to_staff / topical:9.0%} "
          f"{wrong / topical:7.0%} {unrelated:9} {false_hits / max(unrelated, 1):9.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
