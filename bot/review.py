"""Native review of the parents' texts: a sheet per language for a native speaker who is no
developer, and their corrections merged back into that language's catalog.

`sheet("ar")` is the sheet, a CSV as the export writes it (`bot.spreadsheet`): one row per
text (a plural text: one row per plural form, named by the numbers it is used for) with a
stable id, the English, the current translation, where the text appears and whether it is
fuzzy or untranslated, the comments for translators, and an empty `correction` column.

`apply_sheet(data)` reads such a sheet back, also after Excel or LibreOffice saved it. The
sheet's language is the header of its translation column (the column named `ar`); rows are
found by their id, so sorting, filtering or moving columns does no harm. A non-empty
correction replaces that translation and clears the entry's fuzzy flag, unless it drops or
adds a `{placeholder}` of the English or the translation changed since the sheet was made:
such rows are refused, with the reason. A row whose id the catalog no longer has (its English
changed) is reported, not applied. The catalog is written as `pybabel update` writes it
(`PO_WIDTH`), and only when something changed, so applying a sheet twice changes nothing the
second time. The compiled .mo is left alone: `make translations` compiles it, and the bot
compiles a .po newer than its .mo in memory at start.
"""

from __future__ import annotations

import gettext
import hashlib
import os
import re
import string
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.pofile import read_po, write_po

from bot import spreadsheet
from bot.i18n import DOMAIN, LANGUAGES, LOCALES_DIR, package_folder

# As the Makefile's `catalogs` target writes the catalogs (pybabel update --width 100), so a
# reviewed catalog keeps Babel's layout and `make catalogs` leaves it as it is.
PO_WIDTH = 100
# Where the parents' texts are written and the calls that mark them, as babel.cfg and the
# Makefile's EXTRACT have them for the `messages` domain (Babel's default keywords and N_).
SOURCE_PACKAGES = ("bot", "handlers")
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}

ID, FORM, ENGLISH, WHERE, COMMENTS, CORRECTION = (
    "id", "form", "English", "where", "comments", "correction")
# The counts tried to name a plural form by the numbers it is used for, and how many it shows.
PLURAL_SAMPLES = range(1001)
PLURAL_EXAMPLES = 4

References = dict[tuple[str, str | None], list[str]]


class ReviewError(ValueError):
    """The language or the sheet cannot be used at all; nothing was written."""


def columns(language: str) -> tuple[str, ...]:
    """The sheet's columns; the current translation's column is named by the language."""
    return (ID, FORM, ENGLISH, language, WHERE, COMMENTS, CORRECTION)


def catalog_path(language: str, locales: Path = LOCALES_DIR) -> Path:
    if language not in LANGUAGES:
        raise ReviewError(f"unknown language {language!r}: choose one of "
                          + ", ".join(LANGUAGES))
    path = locales / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        raise ReviewError(f"there is no catalog {path}")
    return path


def read_catalog(language: str, locales: Path = LOCALES_DIR) -> Catalog:
    with catalog_path(language, locales).open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def placeholders(text: str) -> set[str] | None:
    """The `{names}` the bot fills in; None when the braces do not pair up."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def text_id(message: Message) -> str:
    """A key that stays while the English (and the context) stays. A hash with a prefix, so
    Excel shows it as text, never as a number or a date."""
    key = "\x00".join(_ids(message))
    if message.context is not None:
        key = f"{message.context}\x04{key}"
    return "msg-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, list | tuple) else (message.id,)


def _strings(message: Message, forms: int) -> list[str]:
    """The translation as a list: one string, or a plural one's `forms` strings."""
    if not message.pluralizable:
        return [message.string if isinstance(message.string, str) else ""]
    found = list(message.string) if isinstance(message.string, list | tuple) else []
    return ([s or "" for s in found] + [""] * forms)[:forms]


@dataclass(frozen=True)
class PluralForm:
    index: int
    label: str
    english: int  # which English text (0 singular, 1 plural) says the same


def plural_forms(catalog: Catalog) -> list[PluralForm]:
    """Each plural form of the catalog's language, named by the numbers it is used for."""
    choose = gettext.c2py(catalog.plural_expr)
    total = catalog.num_plurals
    numbers: dict[int, list[int]] = defaultdict(list)
    for n in PLURAL_SAMPLES:
        numbers[choose(n)].append(n)
    forms = []
    for index in range(total):
        found = numbers.get(index, [])
        shown = ", ".join(str(n) for n in found[:PLURAL_EXAMPLES])
        more = ", …" if len(found) > PLURAL_EXAMPLES else ""
        used = f"for {shown}{more}" if found else "not used"
        forms.append(PluralForm(index, f"{used} (form {index + 1} of {total})",
                                0 if found[:1] == [1] else 1))
    return forms


@dataclass(frozen=True)
class Entry:
    """One row of the sheet: a text, or one plural form of a text."""

    id: str
    message: Message
    form: PluralForm | None
    english: str
    translation: str


def entries(catalog: Catalog) -> Iterator[Entry]:
    """The sheet's rows, in the catalog's order."""
    forms = plural_forms(catalog)
    for message in catalog:
        if not message.id:
            continue  # the header
        ids = _ids(message)
        strings = _strings(message, len(forms))
        if not message.pluralizable:
            yield Entry(text_id(message), message, None, ids[0], strings[0])
            continue
        for form, translation in zip(forms, strings, strict=True):
            yield Entry(f"{text_id(message)}#{form.index}", message, form,
                        ids[min(form.english, len(ids) - 1)], translation)


def source_references() -> References:
    """Where each text is written in the code (file:line), found as `make catalogs` finds it.
    The catalogs are extracted with `--no-location`, so they hold no `#:` lines themselves."""
    found: References = defaultdict(list)
    for package in SOURCE_PACKAGES:
        folder = package_folder(package)
        for path in sorted(folder.rglob("*.py")):
            with path.open("rb") as handle:
                for line, message, _comments, context in extract("python", handle, KEYWORDS):
                    msgid = message[0] if isinstance(message, tuple | list) else message
                    where = f"{package}/{path.relative_to(folder).as_posix()}:{line}"
                    found[(msgid, context)].append(where)
    return found


def _where(entry: Entry, references: References) -> str:
    """The `#:` references (or where the code has the text), after its status."""
    message = entry.message
    places = ([f"{file}:{line}" if line else file for file, line in message.locations]
              or references.get((_ids(message)[0], message.context), []))
    status = [word for word, yes in (("fuzzy", message.fuzzy),
                                     ("untranslated", not entry.translation.strip())) if yes]
    return "; ".join(part for part in (", ".join(status), ", ".join(places)) if part)


def _comments(message: Message) -> str:
    """The translators' comments (`#` and `#.`), and which placeholders to keep."""
    comments = [*message.user_comments, *message.auto_comments]
    english = _ids(message)[-1]
    if placeholders(english):
        names = dict.fromkeys(name for _, name, _, _ in string.Formatter().parse(english)
                              if name is not None)  # in the order of the English
        keep = ", ".join("{" + name + "}" for name in names)
        comments.append(f"Keep {keep} exactly as written: the bot fills "
                        + ("them in." if len(names) > 1 else "it in."))
    return "\n".join(comments)


def sheet(language: str, locales: Path = LOCALES_DIR) -> tuple[bytes, int]:
    """The review sheet for a language as CSV bytes, and its number of rows."""
    catalog = read_catalog(language, locales)
    references = source_references()
    rows = [{ID: entry.id, FORM: entry.form.label if entry.form else "",
             ENGLISH: entry.english, language: entry.translation,
             WHERE: _where(entry, references), COMMENTS: _comments(entry.message),
             CORRECTION: ""}
            for entry in entries(catalog)]
    if len({row[ID] for row in rows}) != len(rows):  # 40 bits of a hash: never in practice
        raise ReviewError(f"two texts of the {language} catalog share an id")
    return spreadsheet.to_csv(columns(language), rows), len(rows)


# ---- applying the corrections ---------------------------------------------------------------

@dataclass(frozen=True)
class SheetRow:
    number: int  # as the spreadsheet numbers it: the header is row 1
    id: str
    english: str
    current: str  # the translation as the sheet shows it
    correction: str


@dataclass(frozen=True)
class Change:
    row: int
    id: str
    form: str
    english: str
    old: str
    new: str


@dataclass(frozen=True)
class Refusal:
    row: int
    id: str
    english: str
    text: str  # the correction, or what was typed in the translation's column
    reason: str


@dataclass
class Outcome:
    language: str
    path: Path
    dry_run: bool = False
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    refused: list[Refusal] = field(default_factory=list)
    not_found: list[Refusal] = field(default_factory=list)
    written: bool = False


def read_sheet(data: bytes) -> tuple[str, list[SheetRow]]:
    """The sheet's language (the header naming it) and its rows, blank rows left out."""
    try:
        rows = spreadsheet.from_csv(data)
    except spreadsheet.SheetError as err:
        raise ReviewError(str(err)) from err
    numbered = [(number, row) for number, row in enumerate(rows, start=1)
                if any(cell.strip() for cell in row)]
    if not numbered:
        raise ReviewError("the sheet is empty")
    header = [cell.strip() for cell in numbered[0][1]]
    named = {name.lower(): index for index, name in enumerate(header)}
    languages = [name.lower() for name in header if name.lower() in LANGUAGES]
    if ID not in named or CORRECTION not in named or len(languages) != 1:
        raise ReviewError(
            "this is no review sheet: its first row needs the columns id and correction and "
            f"one column named by the language ({', '.join(LANGUAGES)}); it has: "
            + ", ".join(header))
    language = languages[0]

    def cell(row: list[str], name: str) -> str:
        index = named.get(name.lower())
        return row[index] if index is not None and index < len(row) else ""

    return language, [SheetRow(number, cell(row, ID).strip(), cell(row, ENGLISH),
                               cell(row, language), cell(row, CORRECTION))
                      for number, row in numbered[1:]]


def apply_sheet(data: bytes, locales: Path = LOCALES_DIR, *, dry_run: bool = False) -> Outcome:
    """Merge a sheet's corrections into its language's catalog (the module's notes say how)."""
    language, rows = read_sheet(data)
    path = catalog_path(language, locales)
    catalog = read_catalog(language, locales)
    by_id = {entry.id: entry for entry in entries(catalog)}
    _check_letters(language, rows, by_id)
    outcome = Outcome(language, path, dry_run)
    corrected_in: dict[str, int] = {}
    for row in rows:
        entry = by_id.get(row.id)
        correction = _cleaned(row.correction)
        if entry is None:
            if row.id:
                outcome.not_found.append(Refusal(
                    row.number, row.id, row.english, correction,
                    "the catalog has no such text any more (its English changed or it is gone)"))
            elif correction:
                outcome.refused.append(Refusal(row.number, "", row.english, correction,
                                               "the row has no id"))
            continue
        if correction and entry.id in corrected_in:
            outcome.refused.append(Refusal(
                row.number, row.id, entry.english, correction,
                f"the same text has a correction in row {corrected_in[entry.id]} already"))
            continue
        if correction:
            corrected_in[entry.id] = row.number
        _apply_row(catalog, entry, row, correction, outcome)
    if outcome.changed and not dry_run:
        catalog.revision_date = datetime.now(UTC)
        _write(catalog, path)
        outcome.written = True
    return outcome


def _cleaned(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _same(a: str, b: str) -> bool:
    return _cleaned(a) == _cleaned(b)


def _check_letters(language: str, rows: list[SheetRow], by_id: dict[str, Entry]) -> None:
    """Refuse the whole sheet when it was saved in an encoding without the language's letters
    (Excel's plain "CSV" on Windows): they came back as question marks, corrections too."""
    for row in rows:
        entry = by_id.get(row.id)
        if entry is None or "?" not in row.current or _same(row.current, entry.translation):
            continue
        if (row.current.replace("?", "").strip()
                == re.sub(r"[^\x00-\x7f]|\?", "", entry.translation).strip()):
            raise ReviewError(
                f"row {row.number}: the {language} letters became question marks when the sheet "
                "was saved, and so did the corrections. Save the reviewer's file again: in "
                "Excel as \"CSV UTF-8 (comma delimited)\", in LibreOffice with the character "
                "set \"Unicode (UTF-8)\"")


def _apply_row(catalog: Catalog, entry: Entry, row: SheetRow, correction: str,
               outcome: Outcome) -> None:
    message = entry.message
    old = _strings(message, catalog.num_plurals)[entry.form.index if entry.form else 0]
    if not correction:
        if _same(row.current, old):
            outcome.unchanged += 1
        else:  # typed over the translation instead of in the correction column, or stale
            outcome.refused.append(Refusal(
                row.number, row.id, entry.english, _cleaned(row.current),
                f"the {outcome.language} column differs from the catalog and the correction is "
                "empty: a change belongs in the correction column (or the translation changed "
                "since the sheet was made)"))
        return
    if correction == old and not message.fuzzy:
        outcome.unchanged += 1
        return
    reason = _refusal(catalog, entry, row, old, correction)
    if reason:
        outcome.refused.append(Refusal(row.number, row.id, entry.english, correction, reason))
        return
    strings = _strings(message, catalog.num_plurals)
    strings[entry.form.index if entry.form else 0] = correction
    message.string = tuple(strings) if message.pluralizable else strings[0]
    message.flags.discard("fuzzy")
    message.previous_id = []
    outcome.changed.append(Change(row.number, row.id, entry.form.label if entry.form else "",
                                  entry.english, old, correction))


def _refusal(catalog: Catalog, entry: Entry, row: SheetRow, old: str, correction: str) -> str:
    """Why a correction cannot be taken, or '' when it can."""
    if not _same(row.current, old):
        return "the translation changed since the sheet was made: make a new sheet"
    expected = placeholders(_ids(entry.message)[-1]) or set()
    found = placeholders(correction)
    if found is None:
        return "its { and } do not pair up"
    problems = [f"{{{name}}} is missing" for name in sorted(expected - found)]
    problems += [f"{{{name}}} is not in the English" for name in sorted(found - expected)]
    if problems:
        return "; ".join(problems) + " (the {names} of the English stay exactly as written)"
    strings = _strings(entry.message, catalog.num_plurals)
    strings[entry.form.index if entry.form else 0] = correction
    trial = Message(entry.message.id,
                    tuple(strings) if entry.message.pluralizable else strings[0],
                    flags=entry.message.flags)
    return "; ".join(str(error) for error in trial.check(catalog))  # Babel's own checks


def _write(catalog: Catalog, path: Path) -> None:
    """Write the catalog as `pybabel update` does, replacing the file in one step."""
    partial = path.with_name(f".{path.name}.review")
    with partial.open("wb") as handle:
        write_po(handle, catalog, width=PO_WIDTH, include_previous=True)
    os.replace(partial, path)


def report(outcome: Outcome) -> list[str]:
    """What applying a sheet did, in plain English for the admin who ran it."""
    lines: list[str] = []
    for change in outcome.changed:
        how = "confirmed, no longer fuzzy" if change.old == change.new else "changed"
        form = f", {change.form}" if change.form else ""
        lines += [f"row {change.row} ({change.id}{form}): {how}",
                  *_labelled("English", change.english), *_labelled("old", change.old),
                  *_labelled("new", change.new)]
    for refusal in outcome.refused:
        lines += [f"row {refusal.row} ({refusal.id or 'no id'}): refused: {refusal.reason}",
                  *_labelled("English", refusal.english), *_labelled("text", refusal.text)]
    for missing in outcome.not_found:
        lines += [f"row {missing.row} ({missing.id}): not applied: {missing.reason}",
                  *_labelled("English", missing.english)]
        if missing.text:
            lines += _labelled("correction", missing.text)
    lines.append(f"{outcome.language}: {len(outcome.changed)} changed, {outcome.unchanged} "
                 f"unchanged, {len(outcome.refused)} refused, {len(outcome.not_found)} "
                 "not found")
    if outcome.written:
        lines.append(f"wrote {outcome.path} (`make translations` compiles it)")
    elif outcome.dry_run and outcome.changed:
        lines.append(f"dry run: {outcome.path} was not changed")
    else:
        lines.append(f"nothing to change in {outcome.path}")
    return lines


def _labelled(label: str, text: str) -> list[str]:
    first, *rest = text.split("\n")
    return [f"  {label + ':':<11} {first}", *(f"  {'':<11} {line}" for line in rest)]
