"""Every catalog is complete, not fuzzy, and keeps the source's placeholders."""

from __future__ import annotations

import gettext
import string
from collections.abc import Callable
from pathlib import Path

import pytest
from babel import Locale
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


def plural_form(catalog) -> Callable[[int], int]:
    """The catalog's own rule (its Plural-Forms header): which form a count takes."""
    return gettext.c2py(catalog.plural_expr)


def single_number_forms(catalog) -> set[int]:
    """The plural forms of a catalog that only one count ever uses (Arabic: 0, 1 and 2)."""
    form_of = plural_form(catalog)
    counts: dict[int, set[int]] = {}
    for n in range(10_000):
        counts.setdefault(form_of(n), set()).add(n)
    return {form for form, numbers in counts.items() if len(numbers) == 1}


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
        single = single_number_forms(catalog) if len(strings) > 1 else set()
        for index, translated in enumerate(strings):
            found = placeholders(translated)
            # A form only ever used for one number ("two days" in Arabic's dual) may leave
            # that number out, as the language says it; it may never add one.
            if found != expected and not (index in single and found < expected):
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


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_rules_are_the_languages_own(language: str):
    """Each catalog's Plural-Forms agree with CLDR (Babel) for the counts the bot shows;
    Turkish and Farsi keep one form (a noun after a number stays singular there)."""
    catalog = load(language)
    expected = Locale.parse(language).plural_form
    one_form = language in ("tr", "fa")
    if one_form:
        assert catalog.num_plurals == 1
        return
    form_of = plural_form(catalog)
    forms: dict[str, int] = {}
    for n in range(1_000):
        category = expected(n)
        form = form_of(n)
        assert forms.setdefault(category, form) == form, (language, n, category)
    assert len(set(forms.values())) == catalog.num_plurals == len(forms)


def test_arabic_counts_agree_with_their_noun():
    """Arabic: one (no number: "one working day"), the dual (no number), 3–10 with the plural,
    11–99 with the singular in the accusative, 100 with the singular."""
    ar = translator("ar")
    days = {n: ar.ngettext("{name} of the library will answer you within {days} working day.",
                           "{name} of the library will answer you within {days} working days.",
                           n).format(name="Bertine", days=n) for n in (1, 2, 3, 11, 100)}
    assert "1" not in days[1] and "2" not in days[2] and "يومَي" in days[2]
    assert "3 أيام" in days[3] and "11 يومًا" in days[11] and "100 يوم " in days[100]
    limit = {n: ar.ngettext("Please type the place in at most {limit} character.",
                            "Please type the place in at most {limit} characters.",
                            n).format(limit=n) for n in (2, 64, 100)}
    assert "حرفين" in limit[2] and "64 حرفًا" in limit[64] and "100 حرف " in limit[100]


def test_compiled_catalogs_exist():
    for language in LANGUAGES:
        assert (Path(LOCALES_DIR) / language / "LC_MESSAGES" / "messages.mo").exists()


def test_ngettext_uses_the_languages_plural_forms():
    pl = translator("pl")
    forms = [pl.ngettext("{count} partner professional:", "{count} partner professionals:", n)
             .format(count=n) for n in (1, 3, 5)]
    assert forms == ["1 specjalista partnerski:", "3 specjaliści partnerscy:",
                     "5 specjalistów partnerskich:"]
