"""Sheets the library's people open in Excel or LibreOffice.

Written as Dutch Excel opens a double-clicked CSV: UTF-8 with a byte-order mark (else Excel
reads the file as Windows-1252 and Arabic turns into nonsense), `;` between the cells (Dutch
Excel's list separator; a `,` would put each row in one cell) and CRLF line ends; cells with
a `;`, a quote or a line break are quoted. Read back as Excel or LibreOffice may have saved
it: with or without the byte-order mark (or as UTF-16 "Unicode text"), `;`, `,` or a tab
between the cells, CRLF or LF.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import BinaryIO

DELIMITER = ";"
# What a spreadsheet program may have saved between the cells, the project's own first.
DELIMITERS = (";", ",", "\t")


class SheetError(ValueError):
    """A file that cannot be read as a sheet; the message says why, for a person."""


class CsvWriter:
    """Writes a CSV into a binary file as it goes: the byte-order mark and a header (`columns`,
    or these words for them) at once, then each batch of rows, so a long sheet is never held
    in memory."""

    def __init__(self, out: BinaryIO, columns: Sequence[str],
                 header: Sequence[str] | None = None) -> None:
        self.out = out
        self.buffer = io.StringIO()
        self.writer = csv.DictWriter(self.buffer, fieldnames=columns, delimiter=DELIMITER,
                                     lineterminator="\r\n")
        self.lines = csv.writer(self.buffer, delimiter=DELIMITER, lineterminator="\r\n")
        out.write(codecs.BOM_UTF8)
        self.write([dict(zip(columns, header or columns, strict=True))])

    def write(self, rows: Iterable[Mapping[str, str]]) -> None:
        self.writer.writerows(rows)
        self._flush()

    def write_lines(self, rows: Iterable[Sequence[str]]) -> None:
        """Rows as their cells in the columns' order: for long sheets, a third faster than
        naming each cell."""
        self.lines.writerows(rows)
        self._flush()

    def _flush(self) -> None:
        self.out.write(self.buffer.getvalue().encode("utf-8"))
        self.buffer.seek(0)
        self.buffer.truncate()


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, str]],
           header: Sequence[str] | None = None) -> bytes:
    """The CSV as bytes: a header (`columns`, or these words for them), then one line per
    row."""
    out = io.BytesIO()
    CsvWriter(out, columns, header).write(rows)
    return out.getvalue()


def from_csv(data: bytes) -> list[list[str]]:
    """Every row of a CSV (the header first) as its cells; line breaks inside a cell as LF."""
    text = _decoded(data)
    header = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=header.count)  # ties go to the earlier: `;` first
    if not header.count(delimiter):
        raise SheetError("the file has no header row with columns separated by ; or ,")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as err:
        raise SheetError(f"the file is not a readable CSV: {err}") from err
    return [[cell.replace("\r\n", "\n").replace("\r", "\n") for cell in row] for row in rows]


def _decoded(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")  # with or without the byte-order mark
    except UnicodeDecodeError as err:
        raise SheetError(
            "the file is not in UTF-8, so its letters cannot be read: in Excel save it as "
            "\"CSV UTF-8 (comma delimited)\"; in LibreOffice choose the character set "
            "\"Unicode (UTF-8)\"") from err
