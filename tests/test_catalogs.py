"""Every catalog is complete, not fuzzy, and keeps the source's placeholders."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import (
    LANGUAGES,
    LOCALES_DIR,
    RTL_LANGUAGES,
    STAFF_LANGUAGES,
    language_name,
    translator,
)


def placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as err:  # unbalanced braces
        return {f"<broken: {err}>"}


def load(language: str, domain: str = "messages"):
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{domain}.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


CATALOGS = [(language, "messages") for language in LANGUAGES] + [
    (language, "staff") for language in STAFF_LANGUAGES]


@pytest.mark.parametrize(("language", "domain"), CATALOGS)
def test_catalog_complete_and_consistent(language: str, domain: str):
    with (LOCALES_DIR / f"{domain}.pot").open("rb") as handle:
        template = read_po(handle)
    catalog = load(language, domain)
    problems: list[str] = []
    for source in template:
        if not source.id:
            continue
        message = catalog.get(source.id)
        if message is None:
            problems.append(f"missing: {source.id!r}")
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {source.id!r}")
        ids = source.id if isinstance(source.id, tuple) else (source.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s and s.strip() for s in strings):
            problems.append(f"untranslated: {source.id!r}")
            continue
        expected = placeholders(ids[-1])
        for translated in strings:
            if placeholders(translated) != expected:
                problems.append(f"placeholders differ in {source.id!r}: {translated!r}")
        for error in message.check(catalog):  # Babel's checkers (plural forms, % formats)
            problems.append(f"babel: {source.id!r}: {error}")
    assert not problems, "\n".join(problems)


def test_language_names_in_their_own_script():
    assert language_name("ar") == "العربية"
    assert language_name("ti") == "ትግርኛ"
    assert language_name("uk") == "Українська"
    assert {"ar", "fa"} == RTL_LANGUAGES


def test_plural_forms_follow_the_language():
    assert translator("pl").translations.plural(5) != translator("pl").translations.plural(2)
    assert translator("ar").translations.plural(0) == 0


def test_compiled_catalogs_exist():
    for language in LANGUAGES:
        assert (Path(LOCALES_DIR) / language / "LC_MESSAGES" / "messages.mo").exists()


def test_ngettext_uses_the_languages_plural_forms():
    pl = translator("pl")
    forms = [pl.ngettext("{count} partner professional:", "{count} partner professionals:", n)
             .format(count=n) for n in (1, 3, 5)]
    assert forms == ["1 specjalista partnerski:", "3 specjaliści partnerscy:",
                     "5 specjalistów partnerskich:"]
