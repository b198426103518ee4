"""The CSV-injection rule: text that starts like a formula is neutralised, nothing else changes."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from kechuang.domain.spreadsheet import csv_row, csv_text, keep_text, starts_like_formula

# The OWASP list, written out here rather than imported: the test is its own oracle.
TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]


@pytest.mark.parametrize("first", TRIGGERS)
def test_text_starting_with_a_formula_character_gets_one_apostrophe(first: str) -> None:
    text = first + 'HYPERLINK("http://evil.example","x")'
    assert starts_like_formula(text)
    assert csv_text(text) == "'" + text


@pytest.mark.parametrize(
    "text",
    ["", "上海测试科技有限公司", " =1+1", "'=1+1", "a=b", "1-2", "#REF", "-1", "+2.5", "-3e2"],
)
def test_other_text_and_plain_numbers_are_written_as_they_are(text: str) -> None:
    assert not starts_like_formula(text)
    assert csv_text(text) == text


@pytest.mark.parametrize("text", ["-1+1", "-5 ", "+1e", "-١", "-0x10", "--5", "-.", "-Infinity"])
def test_text_that_only_begins_like_a_number_is_neutralised(text: str) -> None:
    assert csv_text(text) == "'" + text


def test_numbers_and_empty_values_stay_as_they_are() -> None:
    row = [-5, Decimal("-1234.50"), 0, None, True, "-5", "-5+A1"]
    assert csv_row(row) == [-5, Decimal("-1234.50"), 0, None, True, "-5", "'-5+A1"]


def is_plain_number(text: str) -> bool:
    """A number in plain decimal notation (the oracle of the exemption, by Decimal)."""
    if not text or not set(text.lower()) <= set("0123456789+-.e"):
        return False
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


@given(st.text() | st.from_regex(r"\A[+-][0-9.eE+-]{0,6}\Z"))
def test_csv_text_never_starts_like_a_formula_and_keeps_the_text(text: str) -> None:
    written = csv_text(text)
    if is_plain_number(text) or text[:1] not in TRIGGERS:
        assert written == text
    else:
        assert written == "'" + text
        assert not written.startswith(tuple(TRIGGERS))


@given(
    st.lists(
        st.one_of(
            st.text(),
            st.from_regex(r"\A-[0-9]{1,3}\Z"),
            st.integers(),
            st.decimals(allow_nan=False),
        )
    )
)
def test_a_csv_row_read_back_has_no_live_field(values: list[object]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(csv_row(values))
    fields = next(csv.reader(io.StringIO(buffer.getvalue())), [])
    assert len(fields) == len(values)
    for field, value in zip(fields, values, strict=True):
        if isinstance(value, str) and not is_plain_number(value):
            assert not field.startswith(tuple(TRIGGERS))


def test_keep_text_makes_a_formula_looking_cell_a_string_and_keeps_numbers(
    tmp_path: Path,
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["=1+1", "@SUM(A1)", 42, Decimal("-3.50"), "普通文本"])
    assert sheet["A1"].data_type == "f"  # what openpyxl does on its own
    keep_text(sheet[1])
    book.save(tmp_path / "t.xlsx")
    cells = load_workbook(tmp_path / "t.xlsx").active[1]  # type: ignore[index]
    assert [(c.value, c.data_type) for c in cells] == [
        ("=1+1", "s"),
        ("@SUM(A1)", "s"),
        (42, "n"),
        (-3.5, "n"),
        ("普通文本", "s"),
    ]
