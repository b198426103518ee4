"""Chinese patent application numbers (专利申请号) with their check digit. Pure, no I/O.

Since 1 October 2003 an application number is 12 digits: the year (4), the kind (1: 1
invention, 2 utility model, 3 design, 8 PCT invention, 9 PCT utility model) and a serial (7),
then '.' and a check character. Before that it was 8 digits (2-digit year, kind, 5-digit
serial). The check character is the sum of the digits multiplied by the weights 2..9 (cycled:
2,3,4,5,6,7,8,9,2,3,4,5 for 12 digits) modulo 11, written 'X' when it is 10. A granted patent
is written with 'ZL' in front, a publication with 'CN'; both prefixes are accepted and dropped.
Worked example: 201710601862 -> 157 mod 11 = 3, so 201710601862.3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9)
KINDS = {
    "1": "invention",
    "2": "utility_model",
    "3": "design",
    "8": "pct_invention",
    "9": "pct_utility_model",
}
FIRST_12_DIGIT_YEAR = 2003
_SHAPE = re.compile(r"^(?:ZL|CN)?\s*(\d{8}|\d{12})\s*\.?\s*([0-9X])$")


class InvalidPatentNumber(ValueError):
    """The text is not a valid Chinese patent application number (`zh`: the same in Chinese)."""

    def __init__(self, message: str, zh: str = "") -> None:
        super().__init__(message)
        self.zh = zh or "不是有效的专利申请号（8 或 12 位数字、小数点和校验位）"


def check_character(digits: str) -> str:
    """The check character of an 8- or 12-digit application number ('0'..'9' or 'X')."""
    if not digits.isdigit() or len(digits) not in (8, 12):
        raise InvalidPatentNumber(
            f"an application number has 8 or 12 digits: {digits!r}", "申请号须为 8 或 12 位数字"
        )
    total = sum(int(d) * WEIGHTS[i % len(WEIGHTS)] for i, d in enumerate(digits))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


@dataclass(frozen=True)
class PatentNumber:
    """A validated application number: its digits, check character, year and kind."""

    digits: str
    check: str

    @property
    def year(self) -> int:
        if len(self.digits) == 12:
            return int(self.digits[:4])
        # Pre-2004 numbers carry a two-digit year of the 1900s (85..99) or 2000..2003.
        short = int(self.digits[:2])
        return 1900 + short if short >= 85 else 2000 + short

    @property
    def kind(self) -> str:
        return KINDS[self.digits[4] if len(self.digits) == 12 else self.digits[2]]

    def __str__(self) -> str:
        return f"{self.digits}.{self.check}"


def parse(text: str) -> PatentNumber:
    """Parse 'ZL201710601862.3', 'CN 2017106018623' or '201710601862.3'; raise if invalid."""
    if not isinstance(text, str):
        raise InvalidPatentNumber(f"an application number is text, got {text!r}")
    cleaned = text.strip().upper().replace(" ", "")
    match = _SHAPE.match(cleaned)
    if match is None:
        raise InvalidPatentNumber(
            f"{text!r} is not an application number (YYYYTNNNNNNN.C or YYTNNNNN.C)"
        )
    digits, check = match.groups()
    kind_digit = digits[4] if len(digits) == 12 else digits[2]
    if kind_digit not in KINDS:
        raise InvalidPatentNumber(
            f"{text!r}: kind digit {kind_digit} is not 1, 2, 3, 8 or 9",
            f"专利类型位为 {kind_digit}，须为 1、2、3、8 或 9",
        )
    if len(digits) == 12 and int(digits[:4]) < FIRST_12_DIGIT_YEAR:
        raise InvalidPatentNumber(
            f"{text!r}: 12-digit numbers start in {FIRST_12_DIGIT_YEAR}",
            f"12 位申请号自 {FIRST_12_DIGIT_YEAR} 年起使用",
        )
    expected = check_character(digits)
    if check != expected:
        raise InvalidPatentNumber(
            f"{text!r}: check character is {expected}, not {check}",
            f"校验位应为 {expected}，不是 {check}",
        )
    return PatentNumber(digits, check)


def is_valid(text: str) -> bool:
    try:
        parse(text)
    except InvalidPatentNumber:
        return False
    return True
