"""Native review: `bieb-bot review LANG` writes a sheet a native speaker fills in with Excel or
LibreOffice, `bieb-bot review --apply FILE` merges their corrections into the catalog.

Every test works on a copy of the catalogs in a temporary folder (`--locales`); the real
catalogs are never touched.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from bot import review
from bot.cli import main
from bot.i18n import LOCALES_DIR

ROOT = Path(__file__).resolve().parent.parent
BOM = "\ufeff".encode()
COLUMNS = ["id", "form", "English", "ar", "where", "comments", "correction"]
CONSULTANT = "Hello {name}! You are a consultant of {library}."
MESSAGES = "{count} message"


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    """A copy of the catalogs (the .po files and the templates, no .mo)."""
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, copy, ignore=shutil.ignore_patterns("*.mo", "*.py",
                                                                      "__pycache__"))
    return copy


def po(locales: Path, language: str = "ar") -> Path:
    return locales / language / "LC_MESSAGES" / "messages.po"


def catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def make_fuzzy(path: Path, msgid: str) -> None:
    found = catalog(path)
    found[msgid].flags.add("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, found, width=review.PO_WIDTH)


def rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""),
                               delimiter=";"))


def row_id(content: bytes, english: str, form: int | None = None) -> str:
    found = [row["id"] for row in rows(content) if row["English"] == english
             and (form is None or row["id"].endswith(f"#{form}"))]
    assert found, english
    return found[0]


def edited(content: bytes, corrections: dict[str, str], *, delimiter: str = ";",
           newline: str = "\r\n", encoding: str = "utf-8-sig", column: str = "correction") -> bytes:
    """The sheet as a spreadsheet program saves it after the reviewer typed `corrections`."""
    found = rows(content)
    for row in found:
        if row["id"] in corrections:
            row[column] = corrections[row["id"]]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(found[0]), delimiter=delimiter,
                            lineterminator=newline)
    writer.writeheader()
    writer.writerows(found)
    return buffer.getvalue().encode(encoding)


def diff(before: str, after: str) -> tuple[set[str], set[str]]:
    """The lines taken out and put in."""
    lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
    removed = {line[1:] for line in lines if line.startswith("-") and not line.startswith("---")}
    added = {line[1:] for line in lines if line.startswith("+") and not line.startswith("+++")}
    return removed, added


def run_main(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60, check=False)


# ---- the sheet ------------------------------------------------------------------------------

def test_the_arabic_sheet_opens_as_csv_with_every_text(locales, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["review", "ar", "--locales", str(locales)]) == 0
    assert "review-ar.csv" in capsys.readouterr().out
    content = (tmp_path / "review-ar.csv").read_bytes()
    assert content.startswith(BOM) and b"\r\n" in content  # as Dutch Excel opens it

    found = rows(content)
    assert list(found[0]) == COLUMNS
    assert len({row["id"] for row in found}) == len(found)
    assert all(row["correction"] == "" for row in found)
    assert all(re.fullmatch(r"msg-[0-9a-f]{10}(#\d)?", row["id"]) for row in found)
    english = {row["English"] for row in found}
    source = catalog(po(locales))
    texts = [message for message in source if message.id]
    for message in texts:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        assert set(ids) <= english, ids
    plurals = [message for message in texts if message.pluralizable]
    assert plurals and len(found) == len(texts) + 5 * len(plurals)  # Arabic: six forms
    # Where each text is written in the code, found for every one of them.
    assert all(re.search(r"(bot|handlers)/[\w/]+\.py:\d+", row["where"]) for row in found)
    consultant = next(row for row in found if row["English"] == CONSULTANT)
    assert consultant["ar"] == source[CONSULTANT].string
    assert "Keep {name}, {library} exactly as written" in consultant["comments"]


def test_plural_forms_get_a_row_each_named_by_their_numbers(locales):
    content, count = review.sheet("ar", locales)
    text = row_id(content, MESSAGES).split("#")[0]
    forms = [row for row in rows(content) if row["id"].startswith(f"{text}#")]
    assert [row["form"] for row in forms] == [
        "for 0 (form 1 of 6)", "for 1 (form 2 of 6)", "for 2 (form 3 of 6)",
        "for 3, 4, 5, 6, … (form 4 of 6)", "for 11, 12, 13, 14, … (form 5 of 6)",
        "for 100, 101, 102, 200, … (form 6 of 6)"]
    # The English that says the same: the singular for 1, else the plural.
    assert [row["English"] for row in forms] == ["{count} messages", MESSAGES] + [
        "{count} messages"] * 4
    assert [row["ar"] for row in forms] == list(catalog(po(locales))[MESSAGES].string)
    assert count == len(rows(content))


def test_fuzzy_and_untranslated_texts_say_so(locales):
    make_fuzzy(po(locales), CONSULTANT)
    found = catalog(po(locales))
    found["Did this help?"].string = ""
    with po(locales).open("wb") as handle:
        write_po(handle, found, width=review.PO_WIDTH)
    content, _ = review.sheet("ar", locales)
    where = {row["English"]: row["where"] for row in rows(content)}
    assert where[CONSULTANT].startswith("fuzzy; ")
    assert where["Did this help?"].startswith("untranslated; ")
    assert not where["No"].startswith(("fuzzy", "untranslated"))


def test_an_unknown_language_exits_2_and_writes_nothing(locales, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    before = sorted(tmp_path.iterdir())
    assert main(["review", "xx", "--locales", str(locales)]) == 2
    error = capsys.readouterr().err
    assert "unknown language 'xx'" in error and "ar" in error
    assert sorted(tmp_path.iterdir()) == before


def test_an_existing_sheet_is_not_overwritten(locales, tmp_path, capsys):
    output = tmp_path / "corrected.csv"
    output.write_text("the reviewer's work")
    assert main(["review", "ar", "--locales", str(locales), "--output", str(output)]) == 2
    assert "exists" in capsys.readouterr().err
    assert output.read_text() == "the reviewer's work"


# ---- applying corrections -------------------------------------------------------------------

def test_a_correction_changes_exactly_that_text_and_clears_fuzzy(locales, tmp_path, capsys):
    make_fuzzy(po(locales), CONSULTANT)
    before = po(locales).read_text("utf-8")
    content, _ = review.sheet("ar", locales)
    new = "أهلا {name}! أنت مستشار مكتبة {library}."
    sheet = tmp_path / "review-ar.csv"
    sheet.write_bytes(edited(content, {row_id(content, CONSULTANT): new}))

    assert main(["review", "--apply", str(sheet), "--locales", str(locales)]) == 0
    out = capsys.readouterr().out
    assert CONSULTANT in out and "مرحبا {name}! أنت مستشار في {library}." in out and new in out
    assert "ar: 1 changed, " in out and "0 refused, 0 not found" in out

    after = po(locales).read_text("utf-8")
    removed, added = diff(before, after)
    assert {line for line in removed if "PO-Revision-Date" not in line} == {
        "#, fuzzy, python-brace-format", 'msgstr "مرحبا {name}! أنت مستشار في {library}."'}
    assert {line for line in added if "PO-Revision-Date" not in line} == {
        "#, python-brace-format", f'msgstr "{new}"'}
    message = catalog(po(locales))[CONSULTANT]
    assert message.string == new and not message.fuzzy
    assert not list(locales.rglob("*.mo"))  # nothing compiled


def test_a_fuzzy_text_confirmed_as_it_is_loses_the_flag(locales):
    make_fuzzy(po(locales), CONSULTANT)
    content, _ = review.sheet("ar", locales)
    current = catalog(po(locales))[CONSULTANT].string
    outcome = review.apply_sheet(edited(content, {row_id(content, CONSULTANT): current}), locales)
    assert [(c.old, c.new) for c in outcome.changed] == [(current, current)]
    assert "confirmed, no longer fuzzy" in "\n".join(review.report(outcome))
    assert not catalog(po(locales))[CONSULTANT].fuzzy


def test_one_plural_form_is_corrected_alone(locales):
    before = po(locales).read_text("utf-8")
    content, _ = review.sheet("ar", locales)
    outcome = review.apply_sheet(
        edited(content, {row_id(content, "{count} messages", form=2): "{count} رسالتان اثنتان"}),
        locales)
    assert [change.form for change in outcome.changed] == ["for 2 (form 3 of 6)"]
    removed, added = diff(before, po(locales).read_text("utf-8"))
    assert {line for line in added if "PO-Revision-Date" not in line} == {
        'msgstr[2] "{count} رسالتان اثنتان"'}
    assert {line for line in removed if "PO-Revision-Date" not in line} == {
        'msgstr[2] "رسالتان"'}


def test_a_correction_that_breaks_a_placeholder_is_refused(locales, tmp_path, capsys):
    before = po(locales).read_bytes()
    content, _ = review.sheet("ar", locales)
    corrections = {
        row_id(content, CONSULTANT): "أهلا {name}! أنت مستشار المكتبة.",       # drops {library}
        row_id(content, "{name} was removed."): "أُزيل {naam}.",                # renames it
        row_id(content, "Please describe it in at most {limit} characters."): "{limit حرفا",
    }
    sheet = tmp_path / "review-ar.csv"
    sheet.write_bytes(edited(content, corrections))
    assert main(["review", "--apply", str(sheet), "--locales", str(locales)]) == 1
    out = capsys.readouterr().out
    assert "{library} is missing" in out
    assert "{name} is missing; {naam} is not in the English" in out
    assert "do not pair up" in out
    assert "ar: 0 changed, " in out and ", 3 refused, 0 not found" in out
    assert po(locales).read_bytes() == before


def test_good_rows_are_applied_next_to_refused_ones(locales):
    content, _ = review.sheet("ar", locales)
    outcome = review.apply_sheet(edited(content, {
        row_id(content, CONSULTANT): "أهلا!",
        row_id(content, "Did this help?"): "هل أفادك هذا؟"}), locales)
    assert [change.english for change in outcome.changed] == ["Did this help?"]
    assert [refusal.english for refusal in outcome.refused] == [CONSULTANT]
    assert catalog(po(locales))["Did this help?"].string == "هل أفادك هذا؟"


def test_a_sheet_saved_with_commas_and_crlf_works(locales):
    content, _ = review.sheet("ar", locales)
    text_id = row_id(content, "Did this help?")
    saved = edited(content, {text_id: "هل ساعدك هذا؟ (نعم, لا)\r\nقل لنا"}, delimiter=",",
                   newline="\r\n", encoding="utf-8")  # no BOM
    assert not saved.startswith(BOM) and b";" not in saved.split(b"\r\n")[0]
    outcome = review.apply_sheet(saved, locales)
    assert [change.id for change in outcome.changed] == [text_id]
    assert catalog(po(locales))["Did this help?"].string == "هل ساعدك هذا؟ (نعم, لا)\nقل لنا"


@pytest.mark.parametrize(("delimiter", "newline", "encoding"), [
    (";", "\n", "utf-8-sig"),  # LibreOffice on Linux
    ("\t", "\r\n", "utf-16"),  # Excel's "Unicode text"
])
def test_other_ways_a_spreadsheet_saves_it(locales, delimiter, newline, encoding):
    content, _ = review.sheet("ar", locales)
    saved = edited(content, {row_id(content, "No"): "كلا"}, delimiter=delimiter,
                   newline=newline, encoding=encoding)
    assert len(review.apply_sheet(saved, locales).changed) == 1
    assert catalog(po(locales))["No"].string == "كلا"


def test_applying_twice_changes_nothing_the_second_time(locales, capsys, tmp_path):
    make_fuzzy(po(locales), CONSULTANT)
    content, _ = review.sheet("ar", locales)
    sheet = tmp_path / "review-ar.csv"
    sheet.write_bytes(edited(content, {
        row_id(content, CONSULTANT): "أهلا {name}! أنت مستشار مكتبة {library}.",
        row_id(content, MESSAGES, form=1): "رسالة واحدة ({count})"}))
    assert main(["review", "--apply", str(sheet), "--locales", str(locales)]) == 0
    assert "ar: 2 changed" in capsys.readouterr().out
    once = po(locales).read_bytes()
    assert main(["review", "--apply", str(sheet), "--locales", str(locales)]) == 0
    out = capsys.readouterr().out
    assert "ar: 0 changed, " in out and "nothing to change in" in out
    assert po(locales).read_bytes() == once


def test_a_row_whose_text_is_gone_is_reported_not_applied(locales):
    before = po(locales).read_bytes()
    content, _ = review.sheet("ar", locales)
    gone = content.replace(row_id(content, "No").encode(), b"msg-0000000000")
    outcome = review.apply_sheet(edited(gone, {"msg-0000000000": "كلا"}), locales)
    assert [(m.id, m.english, m.text) for m in outcome.not_found] == [
        ("msg-0000000000", "No", "كلا")]
    assert not outcome.changed and not outcome.written
    assert "not applied" in "\n".join(review.report(outcome))
    assert po(locales).read_bytes() == before


def test_a_translation_typed_over_instead_of_corrected_is_pointed_out(locales):
    before = po(locales).read_bytes()
    content, _ = review.sheet("ar", locales)
    outcome = review.apply_sheet(edited(content, {row_id(content, "No"): "كلا"}, column="ar"),
                                 locales)
    assert [refusal.english for refusal in outcome.refused] == ["No"]
    assert "correction column" in outcome.refused[0].reason
    assert po(locales).read_bytes() == before


def test_a_translation_changed_since_the_sheet_is_not_overwritten(locales):
    content, _ = review.sheet("ar", locales)
    found = catalog(po(locales))
    found["No"].string = "كلا"
    with po(locales).open("wb") as handle:
        write_po(handle, found, width=review.PO_WIDTH)
    outcome = review.apply_sheet(edited(content, {row_id(content, "No"): "لا أبدا"}), locales)
    assert "changed since the sheet was made" in outcome.refused[0].reason
    assert catalog(po(locales))["No"].string == "كلا"


def test_letters_lost_by_saving_in_a_windows_code_page_stop_everything(locales, capsys, tmp_path):
    before = po(locales).read_bytes()
    content, _ = review.sheet("ar", locales)
    text = edited(content, {row_id(content, "No"): "كلا"}).decode("utf-8-sig")
    sheet = tmp_path / "review-ar.csv"
    # Excel's plain "CSV" in a Windows code page: not UTF-8 (the en dash of "0–4 years"), or
    # with nothing beyond ASCII left, the letters as question marks.
    for encoding in ("cp1252", "cp1256", "ascii"):
        sheet.write_bytes(text.encode(encoding, errors="replace"))
        assert main(["review", "--apply", str(sheet), "--locales", str(locales)]) == 2
        error = capsys.readouterr().err
        assert "CSV UTF-8" in error and "nothing was applied" in error, encoding
    assert "question marks" in error
    assert po(locales).read_bytes() == before


def test_a_file_that_is_no_review_sheet_is_refused(locales, tmp_path, capsys):
    sheet = tmp_path / "cases.csv"
    sheet.write_bytes(b"\xef\xbb\xbfreference;created\r\n2026-0001;2026-01-02\r\n")
    assert main(["review", "--apply", str(sheet), "--locales", str(locales)]) == 2
    assert "no review sheet" in capsys.readouterr().err
    assert main(["review", "--apply", str(tmp_path / "none.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_a_reviewed_catalog_is_as_pybabel_update_writes_it(locales):
    """`make catalogs-check` passes, and `make catalogs` would not change a byte."""
    content, _ = review.sheet("ar", locales)
    review.apply_sheet(edited(content, {
        row_id(content, "Please tap at least one."): "من فضلك اختر خيارا واحدا على الأقل، "
                                                     "أو أكثر إذا أردت ذلك، ثم اضغط على زر "
                                                     "التالي في الأسفل لتكمل الإحالة."}), locales)
    reviewed = po(locales).read_bytes()
    pybabel = str(Path(sys.executable).parent / "pybabel")
    update = [pybabel, "update", "-i", str(locales / "messages.pot"), "-d", str(locales),
              "-D", "messages", "-l", "ar", "--no-fuzzy-matching", "--ignore-obsolete",
              "--width", str(review.PO_WIDTH), "--ignore-pot-creation-date"]
    assert subprocess.run([*update, "--check"], capture_output=True, check=False).returncode == 0
    subprocess.run(update, capture_output=True, check=True)
    assert po(locales).read_bytes() == reviewed


def test_the_width_is_the_makefiles():
    makefile = (ROOT / "Makefile").read_text()
    width = re.search(r"^UPDATE .*--width (\d+)", makefile, re.M)
    assert width and width.group(1) == str(review.PO_WIDTH)


def test_through_main_py(locales, tmp_path):
    """The whole round through `python main.py`, as the admin runs it."""
    sheet = tmp_path / "ar.csv"
    made = run_main("review", "ar", "--output", str(sheet), "--locales", str(locales))
    assert made.returncode == 0, made.stderr
    content = sheet.read_bytes()
    sheet.write_bytes(edited(content, {row_id(content, "Did this help?"): "هل أفادك هذا؟"}))
    applied = run_main("review", "--apply", str(sheet), "--locales", str(locales))
    assert applied.returncode == 0, applied.stderr
    assert "هل ساعدك هذا؟" in applied.stdout and "هل أفادك هذا؟" in applied.stdout
    assert "ar: 1 changed, " in applied.stdout
    assert catalog(po(locales))["Did this help?"].string == "هل أفادك هذا؟"
    unknown = run_main("review", "xx", "--locales", str(locales), cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown language" in unknown.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ar.csv", "locales"]
