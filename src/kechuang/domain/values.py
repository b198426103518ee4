"""Parsing of single panel cells as users write them. Empty text means unknown (None)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from kechuang.domain.money import InvalidAmount, parse_yuan
from kechuang.domain.panel import RATIO_DECIMALS

TRUE_WORDS = frozenset({"true", "1", "是", "yes", "y", "t"})
FALSE_WORDS = frozenset({"false", "0", "否", "no", "n", "f"})


class InvalidValue(ValueError):
    """A cell that cannot be read as its column's kind; the message is the reason shown to users."""


def is_empty(text: str | None) -> bool:
    return text is None or text.strip() == ""


def parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidValue("not a boolean (use true/false, 1/0 or 是/否)")


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidValue("not a date in the form YYYY-MM-DD") from exc


def parse_count(text: str) -> int:
    cleaned = text.strip().replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise InvalidValue("not a whole number") from exc
    if not value.is_finite() or value != value.to_integral_value():
        raise InvalidValue("not a whole number")
    return int(value)


def parse_fen(text: str) -> int:
    try:
        return parse_yuan(text)
    except InvalidAmount as exc:
        raise InvalidValue(f"not an amount of yuan with at most two decimals ({exc})") from exc


def parse_ratio(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise InvalidValue("not a number") from exc
    if not value.is_finite():
        raise InvalidValue("not a finite number")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -RATIO_DECIMALS:
        raise InvalidValue(f"more than {RATIO_DECIMALS} decimals")
    return value
