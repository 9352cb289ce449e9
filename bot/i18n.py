"""Translations: catalogs loaded once, the language of the current update in a ContextVar.

Source messages (msgids) are English; Dutch is the product's base and default language.
Module-level labels are marked with `N_` and translated when shown, so a label never freezes
in whichever language asked first.
"""

from __future__ import annotations

import io
import logging
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


def choose_language(stored: str | None, telegram_code: str | None,
                    allowed: tuple[str, ...] = LANGUAGES,
                    default: str = DEFAULT_LANGUAGE) -> str:
    """Stored preference, else Telegram's code (exact, then base language), else default."""
    if stored in allowed:
        return stored
    if telegram_code:
        code = telegram_code.strip().lower().replace("_", "-")
        if code in allowed:
            return code
        base = code.split("-", 1)[0]
        # Dari (prs) is written and read as Farsi here.
        base = {"prs": "fa", "fa-af": "fa"}.get(base, base)
        if base in allowed:
            return base
    return default if default in allowed else allowed[0]


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
