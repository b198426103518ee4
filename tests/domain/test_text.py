"""Clean text: NUL, other control characters and bidirectional controls are refused, by name."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from kechuang.domain.text import (
    LINE_PATTERN,
    TEXT_PATTERN,
    CleanLine,
    CleanText,
    check_line,
    check_text,
    forbidden_character,
    visible,
)

# The Bidi_Control characters by their Unicode names: an oracle that does not reuse the module's
# code points.
BIDI_NAMES = {
    "ARABIC LETTER MARK",
    "LEFT-TO-RIGHT MARK",
    "RIGHT-TO-LEFT MARK",
    "LEFT-TO-RIGHT EMBEDDING",
    "RIGHT-TO-LEFT EMBEDDING",
    "POP DIRECTIONAL FORMATTING",
    "LEFT-TO-RIGHT OVERRIDE",
    "RIGHT-TO-LEFT OVERRIDE",
    "LEFT-TO-RIGHT ISOLATE",
    "RIGHT-TO-LEFT ISOLATE",
    "FIRST STRONG ISOLATE",
    "POP DIRECTIONAL ISOLATE",
}


def refused_in_line(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or unicodedata.name(char, "") in BIDI_NAMES


def refused_in_text(char: str) -> bool:
    return char not in "\t\n\r" and refused_in_line(char)


class Form(BaseModel):
    name: CleanLine
    note: CleanText = ""


@pytest.mark.parametrize(
    "bad",
    ["\x00", "\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c", "\x1b", "\x85"],
)
def test_a_line_with_nul_or_a_bidi_control_is_refused_naming_the_character(bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Form(name=f"上海{bad}科技")
    (error,) = caught.value.errors()
    assert error["loc"] == ("name",)
    assert f"U+{ord(bad):04X}" in error["msg"] and "character 3" in error["msg"]


def test_a_line_refuses_tab_and_newline_but_text_keeps_them() -> None:
    for bad in ("a\tb", "a\nb", "a\rb"):
        with pytest.raises(ValidationError):
            Form(name=bad)
    assert Form(name="ok", note="第一行\r\n\t第二行\r第三行").note == "第一行\n\t第二行\n第三行"


def test_text_refuses_nul_and_bidi_controls_too() -> None:
    for bad in ("a\x00b", "a\u202eb", "a\x0bb"):
        with pytest.raises(ValidationError):
            Form(name="ok", note=bad)


def test_ordinary_chinese_english_and_symbols_pass_unchanged() -> None:
    text = "上海某某科技有限公司 (Shanghai) — ¥1,000 · 100% «ok» 😀 \u200b"
    assert Form(name=text).name == text


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_lines_are_refused_exactly_when_a_character_is_cc_or_bidi_control(text: str) -> None:
    expected_bad = [i for i, c in enumerate(text) if refused_in_line(c)]
    found = forbidden_character(text)
    assert (found[0] if found else None) == (expected_bad[0] if expected_bad else None)
    assert (re.fullmatch(LINE_PATTERN, text) is not None) == (not expected_bad)
    if expected_bad:
        with pytest.raises(ValueError):
            check_line(text)
        assert forbidden_character(visible(text)) is None
    else:
        assert check_line(text) == text


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_texts_are_refused_exactly_when_a_character_other_than_tab_or_newline_is(
    text: str,
) -> None:
    expected_ok = not any(refused_in_text(c) for c in text)
    assert (re.fullmatch(TEXT_PATTERN, text.replace("\r", "\n")) is not None) == expected_ok
    if expected_ok:
        assert check_text(text) == text.replace("\r\n", "\n").replace("\r", "\n")
    else:
        with pytest.raises(ValueError):
            check_text(text)
