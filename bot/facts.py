"""The library's own facts (places, hours, dates), read from a TOML file the library edits.

Sentences around these facts live in the catalogs; here are only names, addresses, times and
dates, rendered in the reader's language with Babel's calendar data.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Annotated

from babel.dates import format_date, get_day_names
from babel.lists import format_list
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.config import ConfigError
from bot.i18n import is_rtl

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIMES = re.compile(r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}(, \d{1,2}:\d{2}-\d{1,2}:\d{2})*$")

Text = Annotated[str, Field(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_hours(value: dict[str, str]) -> dict[str, str]:
    for day, times in value.items():
        if day not in WEEKDAYS:
            raise ValueError(f"unknown day {day!r}; use {', '.join(WEEKDAYS)}")
        if not _TIMES.match(times):
            raise ValueError(f"{day}: write times like 14:00-17:30 (got {times!r})")
    return {day: value[day] for day in WEEKDAYS if day in value}


class Place(_Strict):
    """One of the library's branches."""

    village: Text
    name: Text
    address: Text
    hours: dict[str, str]

    _hours = field_validator("hours")(_check_hours)


class Library(_Strict):
    name: Text
    phone: str = ""
    website: str = ""
    villages: list[Text] = Field(min_length=1)


class Consultant(_Strict):
    """Who contacts parents, and within how many working days."""

    name: Text
    answer_within_days: int = Field(ge=1, le=30)


class Weekly(_Strict):
    """Something that happens every week at one of the places (Taalpunt, help, reading)."""

    village: Text
    hours: dict[str, str]

    _hours = field_validator("hours")(_check_hours)


class ReadingTent(_Strict):
    villages: list[Text] = Field(min_length=1)
    first_day: dt.date
    last_day: dt.date

    @model_validator(mode="after")
    def _in_order(self) -> ReadingTent:
        if self.last_day < self.first_day:
            raise ValueError("last_day is before first_day")
        return self


class PresencePlace(_Strict):
    """A baby clinic (consultatiebureau) where the consultant can hold presence hours."""

    village: Text
    name: Text
    address: Text


class LibraryFacts(_Strict):
    library: Library
    consultant: Consultant
    places: list[Place] = Field(min_length=1)
    taalpunt: Weekly
    digital_help: Weekly
    reading_aloud: Weekly
    reading_tent: ReadingTent
    presence_places: list[PresencePlace] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_villages(self) -> LibraryFacts:
        villages = {p.village for p in self.places}
        for section in ("taalpunt", "digital_help", "reading_aloud"):
            village = getattr(self, section).village
            if village not in villages:
                raise ValueError(f"{section}.village {village!r} is not one of the places")
        return self

    # Short names used all over the handlers.
    @property
    def name(self) -> str:
        return self.library.name

    @property
    def villages(self) -> tuple[str, ...]:
        return tuple(self.library.villages)

    def place(self, village: str) -> Place:
        return next(p for p in self.places if p.village == village)

    @property
    def presence_spots(self) -> tuple[PresencePlace, ...]:
        """Where the consultant can hold presence hours: the baby clinics, then the
        library's branches (their position here is what a place button carries)."""
        branches = tuple(PresencePlace(village=p.village, name=p.name, address=p.address)
                         for p in self.places)
        return (*self.presence_places, *branches)


def load_facts(path: Path) -> LibraryFacts:
    """Read and check the facts file; any problem is one ConfigError line."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(f"LIBRARY_FACTS_PATH: file not found: {path}") from err
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"LIBRARY_FACTS_PATH: {path} is not valid TOML ({err})") from err
    try:
        return LibraryFacts.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "file"
        raise ConfigError(f"LIBRARY_FACTS_PATH: {path}: {where}: {first['msg']}") from None


# ---- rendering in the reader's language ---------------------------------------------------
def day_name(day: str, language: str) -> str:
    name: str = get_day_names("wide", locale=language)[WEEKDAYS.index(day)]
    return name[:1].upper() + name[1:]


# Left-to-right isolate: in an Arabic or Farsi line "14:00–17:30" would read backwards.
LTR_ISOLATE, POP_ISOLATE = "\u2066", "\u2069"


def names_list(names: list[str], language: str) -> str:
    """Names as the language lists them, with its own separators and word for "and" (Babel's
    CLDR data): "Dalfsen, Nieuwleusen and Lemelerveld", in Arabic "Dalfsen وNieuwleusen
    وLemelerveld"."""
    text: str = format_list(names, locale=language)
    return text


def hours_lines(hours: dict[str, str], language: str) -> str:
    """One line per opening time, with the days that have it: "Monday 14:00–17:30",
    "Tuesday, Wednesday and Friday 10:00–17:30" (the times kept left to right in a
    right-to-left language)."""
    def times_text(times: str) -> str:
        text = times.replace("-", "–")
        return f"{LTR_ISOLATE}{text}{POP_ISOLATE}" if is_rtl(language) else text

    days_with: dict[str, list[str]] = {}
    for day, times in hours.items():
        days_with.setdefault(times, []).append(day_name(day, language))
    return "\n".join(f"{names_list(days, language)} {times_text(times)}"
                     for times, days in days_with.items())


def date_text(day: dt.date, language: str) -> str:
    return format_date(day, format="long", locale=language)
