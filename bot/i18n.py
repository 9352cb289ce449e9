"""Translations: catalogs loaded once, the language of the current update in a ContextVar.

Source messages (msgids) are English; Dutch is the product's base and default language.
Module-level labels are marked with `N_` and translated when shown, so a label never freezes
in whichever language asked first.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

log = logging.getLogger(__name__)


def package_folder(package: str) -> Path:
    """The folder of a package that holds data files (`locales`, `facts`), wherever the bot
    is installed: the source tree, or site-packages after `pip install`."""
    folder = resources.files(package)
    if not isinstance(folder, Path):  # installed packages are plain folders, never zipped
        raise RuntimeError(f"the package {package} is not a folder on disk: {folder}")
    return folder


LOCALES_DIR = package_folder("locales")
DOMAIN = "messages"
# Texts only library staff and partner professionals read (`S_`): Dutch and English only.
STAFF_DOMAIN = "staff"

# The nine languages every parent-facing text exists in, in the order the picker shows them.
LANGUAGES: tuple[str, ...] = ("nl", "en", "ar", "tr", "pl", "uk", "ti", "fa", "so")
# Partners and consultants work in Dutch or English.
STAFF_LANGUAGES: tuple[str, ...] = ("nl", "en")
RTL_LANGUAGES: frozenset[str] = frozenset({"ar", "fa"})
DEFAULT_LANGUAGE = "nl"


class CatalogError(RuntimeError):
    """A catalog is missing."""


@dataclass(frozen=True)
class Translator:
    language: str
    translations: Translations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    @property
    def rtl(self) -> bool:
        return self.language in RTL_LANGUAGES


_catalogs: dict[str, Translator] = {}
_staff_catalogs: dict[str, Translator] = {}
_current: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


# pip does not keep the files' times: an installed .mo may look a moment older than its .po.
STALE_AFTER_SECONDS = 2.0


def _compiled(po: Path) -> io.BytesIO:
    """The .mo for a .po, compiled in memory, as `pybabel compile` would write it."""
    with po.open("rb") as handle:
        catalog = read_po(handle)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return compiled


def _load(directory: Path, domain: str, languages: tuple[str, ...]) -> dict[str, Translator]:
    """Read the compiled catalogs (`make translations`); where a .mo is missing or older than
    its .po (a fresh clone or wheel, a .po just edited), compile the .po in memory instead."""
    loaded: dict[str, Translator] = {}
    for language in languages:
        po = directory / language / "LC_MESSAGES" / f"{domain}.po"
        mo = po.with_suffix(".mo")
        if mo.exists() and (not po.exists()
                            or mo.stat().st_mtime + STALE_AFTER_SECONDS >= po.stat().st_mtime):
            with mo.open("rb") as handle:
                loaded[language] = Translator(language, Translations(handle, domain=domain))
        elif po.exists():
            log.debug("compiling %s in memory (no up-to-date %s)", po, mo.name)
            loaded[language] = Translator(language, Translations(_compiled(po), domain=domain))
        else:
            raise CatalogError(f"translation catalog {po} is missing")
    return loaded


def load_catalogs(directory: Path = LOCALES_DIR) -> None:
    """Load every catalog once at start; a missing catalog fails loudly."""
    loaded = _load(directory, DOMAIN, LANGUAGES)
    staff = _load(directory, STAFF_DOMAIN, STAFF_LANGUAGES)
    _catalogs.clear()
    _catalogs.update(loaded)
    _staff_catalogs.clear()
    _staff_catalogs.update(staff)


def translator(language: str | None = None) -> Translator:
    if not _catalogs:
        load_catalogs()
    return _catalogs[language or _current.get()]


def telegram_match(telegram_code: str | None, allowed: tuple[str, ...] = LANGUAGES
                   ) -> str | None:
    """The language Telegram reports for someone, if it is one of ours (exact, then the
    base language); None when it is none of them."""
    if not telegram_code:
        return None
    code = telegram_code.strip().lower().replace("_", "-")
    if code in allowed:
        return code
    base = code.split("-", 1)[0]
    # Dari (prs) is written and read as Farsi here.
    base = {"prs": "fa", "fa-af": "fa"}.get(base, base)
    return base if base in allowed else None


def choose_language(stored: str | None, telegram_code: str | None,
                    allowed: tuple[str, ...] = LANGUAGES,
                    default: str = DEFAULT_LANGUAGE) -> str:
    """Stored preference, else Telegram's code (exact, then base language), else default."""
    if stored in allowed:
        return stored
    return telegram_match(telegram_code, allowed) or (
        default if default in allowed else allowed[0])


# Someone whose Telegram speaks none of our languages (German, French, Chinese ...) more
# likely reads English than Dutch: the picker offers English first to them.
FOREIGN_FIRST = "en"


def picker_first(stored: str | None, telegram_code: str | None,
                 allowed: tuple[str, ...] = LANGUAGES) -> str:
    """The language the language picker shows first: the stored choice, else Telegram's
    language when it is one of ours, else English."""
    if stored in allowed:
        return stored
    return telegram_match(telegram_code, allowed) or (
        FOREIGN_FIRST if FOREIGN_FIRST in allowed else allowed[0])


def current_language() -> str:
    return _current.get()


def set_language(language: str) -> None:
    """Set the language for the rest of this update (its task and what it awaits)."""
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


@contextmanager
def use_language(language: str) -> Iterator[None]:
    """Temporarily render in another language, e.g. for a message to someone else."""
    token = _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    return translator().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translator().ngettext(singular, plural, n)


def staff_translator(language: str | None = None) -> Translator:
    if not _staff_catalogs:
        load_catalogs()
    language = language or _current.get()
    return _staff_catalogs.get(language) or _staff_catalogs[DEFAULT_LANGUAGE]


def S_(message: str) -> str:  # a gettext-style marker
    """A text for staff (consultants, partner professionals): Dutch or English."""
    return staff_translator().gettext(message)


def Sngettext(singular: str, plural: str, n: int) -> str:
    return staff_translator().ngettext(singular, plural, n)


def NS_(message: str) -> str:
    """Mark a module-level staff text; translate it with `S_()` when shown."""
    return message


def N_(message: str) -> str:  # the conventional gettext marker name
    """Mark a module-level string for extraction; translate it with `_()` when shown."""
    return message


def language_name(language: str) -> str:
    """The language's own name in its own script, e.g. 'العربية' for ar."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


def is_rtl(language: str) -> bool:
    return language in RTL_LANGUAGES


# ---- how a text reaches its reader ---------------------------------------------------------
# Right to left: Telegram sets each line's direction by its first strong letter, so in an
# Arabic or Farsi message a line that starts with a Latin name (BoekStart, Bertine, Dalfsen,
# Prinsenstraat 24), an emoji or a time would be laid out left to right. A RIGHT-TO-LEFT MARK
# at the start of every line that does not begin with an Arabic-script letter makes it read
# right to left; the Latin words inside stay readable (a Latin run keeps its own order).
RLM = "\u200f"

# Digits: one style per message. Farsi readers get Persian digits (U+06F0 to U+06F9)
# everywhere: times, dates, house numbers, phone numbers, as they write them themselves
# (Babel's dates and the facts file's times come with Latin digits). Arabic readers get
# Latin digits (0-9), as the Netherlands and the Maghreb write them and as Babel writes
# Arabic dates.
READER_DIGITS: dict[str, str] = {
    "fa": "".join(chr(0x06F0 + n) for n in range(10)),
    "ar": "0123456789",
}
# A digit, unless it is part of a link or an @username (what a reader opens or types keeps
# its digits) or of a keycap emoji (1️⃣).
_DIGIT_OR_KEPT = re.compile(r"((?:https?://|www\.|t\.me/)\S+|@\w+)"
                            "|[0-9\u0660-\u0669\u06f0-\u06f9](?![\ufe0f\u20e3])")


def _digits(text: str, digits: str) -> str:
    def one(match: re.Match[str]) -> str:
        kept = match.group(1)
        return kept if kept is not None else digits[unicodedata.digit(match.group())]

    return _DIGIT_OR_KEPT.sub(one, text)


def for_reader(text: str, language: str | None = None) -> str:
    """The text as a reader of `language` (default: the current one) should get it: in
    Arabic and Farsi every line laid out right to left (a mark where a line would otherwise
    start left to right) and one style of digits. Applied where messages leave for a person
    (bot.context's replies, the outbox), never to single strings; running it twice changes
    nothing."""
    language = language or current_language()
    digits = READER_DIGITS.get(language)
    if digits is not None:
        text = _digits(text, digits)
    if language not in RTL_LANGUAGES:
        return text
    return "\n".join(line if not line.strip() or _starts_rtl(line) else RLM + line
                     for line in text.split("\n"))


def _starts_rtl(line: str) -> bool:
    """The line begins with a right-to-left letter (or mark): it reads right to left as it is."""
    return unicodedata.bidirectional(line[0]) in ("R", "AL")
