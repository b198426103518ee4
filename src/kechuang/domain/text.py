"""Clean text: what a stored free-text field may hold.

NUL and the other C0/C1 control characters (Unicode category Cc) break PostgreSQL (which refuses
NUL), terminals and CSV readers; the bidirectional controls (the Unicode Bidi_Control property:
U+061C, U+200E/F, U+202A..U+202E, U+2066..U+2069) make a name display as something it is not
("Trojan Source"). No stored text may hold either, except that multi-line text keeps tab and
line feed (a browser's CRLF line ends are read as LF).

`CleanLine` and `CleanText` are the pydantic types every API input model uses for its strings;
`forbidden_character` and `reason` serve importers that check cells themselves. The same
character class is published in the OpenAPI document as each field's `pattern`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

# The Bidi_Control property of Unicode (PropList.txt), every code point of it.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

# One character class, written so that Python's re and ECMA-262 (JSON Schema) read it alike.
_BIDI_CLASS = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_LINE_FORBIDDEN = r"\u0000-\u001f\u007f-\u009f" + _BIDI_CLASS
_TEXT_FORBIDDEN = r"\u0000-\u0008\u000b-\u001f\u007f-\u009f" + _BIDI_CLASS

LINE_PATTERN = f"^[^{_LINE_FORBIDDEN}]*$"
TEXT_PATTERN = f"^[^{_TEXT_FORBIDDEN}]*$"

_LINE_SEARCH = re.compile(f"[{_LINE_FORBIDDEN}]")
_TEXT_SEARCH = re.compile(f"[{_TEXT_FORBIDDEN}]")
_CRLF = re.compile(r"\r\n?")


def forbidden_character(text: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """The first character text may not hold, with its position (0-based); None if clean."""
    found = (_TEXT_SEARCH if multiline else _LINE_SEARCH).search(text)
    return (found.start(), found.group()) if found else None


def describe(char: str) -> str:
    """A character as people can read it in a message: code point and name."""
    name = unicodedata.name(char, "")
    if char in BIDI_CONTROLS:
        return f"U+{ord(char):04X} {name} (a bidirectional control character)"
    return f"U+{ord(char):04X} (a control character)"


def reason(position: int, char: str) -> str:
    """Why the text is refused, naming the character and where it is (1-based)."""
    return f"contains {describe(char)} at character {position + 1}; remove it"


def visible(text: str) -> str:
    """text with every forbidden character written as <U+XXXX>: safe to show or log."""
    return _LINE_SEARCH.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def normalise_line_ends(text: str) -> str:
    """CRLF and lone CR as LF: browsers send textarea line ends as CRLF."""
    return _CRLF.sub("\n", text)


def check_line(text: str) -> str:
    """text if it is a clean single line; ValueError naming the first bad character if not."""
    found = forbidden_character(text)
    if found is not None:
        raise ValueError(reason(*found))
    return text


def check_text(text: str) -> str:
    """text with LF line ends if it is clean multi-line text; ValueError if not."""
    text = normalise_line_ends(text)
    found = forbidden_character(text, multiline=True)
    if found is not None:
        raise ValueError(reason(*found))
    return text


class _Pattern:
    """Puts the allowed-character pattern into a field's JSON Schema (pydantic's own `pattern`
    would also validate, with a message that names no character)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema: dict[str, Any] = handler(core_schema)
        schema["pattern"] = self.pattern
        return schema


# Single-line text: names, codes, references, titles. No control character at all.
CleanLine = Annotated[str, AfterValidator(check_line), _Pattern(LINE_PATTERN)]
# Multi-line text: reasons, notes, descriptions. Tab and line feed allowed, CRLF read as LF.
CleanText = Annotated[str, AfterValidator(check_text), _Pattern(TEXT_PATTERN)]
