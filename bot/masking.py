"""What never goes to a translation service: names the bot knows, phone numbers, e-mail
addresses and other long numbers.

`mask` puts a numbered placeholder (`[1]`, `[2]`, ...) where each of them stood, which a
translation engine passes through as it is; `Masked.restore` puts the values back into the
translation. A placeholder the engine lost leaves its value out of the translation (the
original, with everything in it, is always shown beside it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers

# A placeholder, also as an engine may space it ("[ 2 ]").
PLACEHOLDER = re.compile(r"\[\s*(\d{1,3})\s*\]")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Six digits or more, with spaces, dashes, dots or slashes between them: a phone number in any
# form, a citizen service number (BSN), an account or client number, a date.
LONG_NUMBER = re.compile(r"\+?\d(?:[\s./-]?\d){5,}")
# The parts of a name masked on their own ("Bertine" of "Bertine de Vries"): capitalised and
# at least this long, so that "de" or "van" stay words.
MIN_NAME_PART = 3
# Numbers are read as Dutch ones where they have no country code.
REGION = "NL"


@dataclass(frozen=True)
class Masked:
    """The text as it may be sent, and the values its placeholders stand for."""

    text: str
    values: tuple[str, ...]

    def restore(self, translated: str) -> str:
        def put_back(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            return self.values[index] if 0 <= index < len(self.values) else match.group(0)

        return PLACEHOLDER.sub(put_back, translated)


def _name_patterns(names: Iterable[str | None]) -> list[re.Pattern[str]]:
    """Whole names first, then their capitalised parts; whole words only, any case."""
    wanted: set[str] = set()
    for given in names:
        name = (given or "").strip()
        if len(name) < MIN_NAME_PART:
            continue
        wanted.add(name)
        wanted.update(part for part in re.split(r"[\s-]+", name)
                      if len(part) >= MIN_NAME_PART and part[:1].isupper())
    return [re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
            for name in sorted(wanted, key=len, reverse=True)]


def _spans(text: str, names: Iterable[str | None]) -> list[tuple[int, int]]:
    """Where the values to mask stand, left to right, without overlaps (the first found
    wins: placeholders already in the text, e-mail addresses, phone numbers, long numbers,
    then names)."""
    found: list[tuple[int, int]] = []

    def take(start: int, end: int) -> None:
        if start < end and all(end <= s or start >= e for s, e in found):
            found.append((start, end))

    for match in PLACEHOLDER.finditer(text):  # typed by the writer: kept as it is
        take(*match.span())
    for match in EMAIL.finditer(text):
        take(*match.span())
    for number in phonenumbers.PhoneNumberMatcher(text, REGION,
                                                  leniency=phonenumbers.Leniency.POSSIBLE):
        take(number.start, number.end)
    for match in LONG_NUMBER.finditer(text):
        take(*match.span())
    for pattern in _name_patterns(names):
        for match in pattern.finditer(text):
            take(*match.span())
    return sorted(found)


def mask(text: str, names: Iterable[str | None] = ()) -> Masked:
    """`text` with placeholders for the names given, phone numbers, e-mail addresses and
    long numbers; the same value gets the same placeholder."""
    values: list[str] = []
    parts: list[str] = []
    position = 0
    for start, end in _spans(text, names):
        value = text[start:end]
        if value not in values:
            values.append(value)
        parts += [text[position:start], f"[{values.index(value) + 1}]"]
        position = end
    parts.append(text[position:])
    return Masked("".join(parts), tuple(values))
