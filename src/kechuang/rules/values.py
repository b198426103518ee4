"""Turning outside values (YAML parameter values, `--set` text, panel cells) into runtime Values.

A runtime Value is exact: Fraction for every number (yuan, count, ratio, number, year), bool,
str for codes and text, datetime.date, None for unknown. Floats never reach an evaluator.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from kechuang.rules.ir import Scale, Unit, Value
from kechuang.rules.parse import MAX_DECIMALS, MAX_NUMBER

# The panel holds yuan as DECIMAL(18,2) and benefits are written in that type: an amount of
# 10^16 yuan or more could never be screened or paid.
MAX_YUAN = 10**16
_RANGE = f" (numbers are below 10^{len(str(MAX_NUMBER)) - 1} with at most {MAX_DECIMALS} decimals)"
TRUE_WORDS = frozenset({"true", "1", "是", "yes"})
FALSE_WORDS = frozenset({"false", "0", "否", "no"})


def to_value(raw: object, unit: Unit) -> Value:
    """Convert `raw` to a Value of `unit`; raise ValueError with a reason if it is not one.

    Text numbers may use thousands separators, and ratios may be written as percentages
    ("10%"). Counts must be whole; yuan may have at most two decimals.
    """
    if raw is None:
        return None
    if unit == Unit.BOOL:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"{raw!r} is not a boolean (true/false)")
    if unit == Unit.DATE:
        if isinstance(raw, dt.date):
            return raw
        try:
            return dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            raise ValueError(f"{raw!r} is not a date (YYYY-MM-DD)") from None
    if unit in (Unit.CODE, Unit.TEXT):
        if isinstance(raw, bool | int | float | Decimal):
            raise ValueError(f"{raw!r} is not text")
        return str(raw)
    if unit == Unit.SCALE:
        return to_scale(raw)
    return _number(raw, unit)


def to_scale(raw: object) -> Scale:
    """A band table from YAML (a list of [lower, points] pairs) or from text: the same list
    written out (`[[0.30, 20], [0.25, 16]]`) or `lower:points` pairs (`30%:20, 25%:16`).

    Lower bounds may be percentages; they must be distinct. The bands are kept highest first.
    """
    if isinstance(raw, Scale):
        return raw
    pairs = _scale_pairs(raw)
    if not pairs:
        raise ValueError(f"{raw!r} is not a band table: expected [[lower, points], ...]")
    bands: list[tuple[Fraction, Fraction]] = []
    for pair in pairs:
        lower, points = (_number(part, Unit.NUMBER) for part in pair)
        if any(lower == seen for seen, _ in bands):
            raise ValueError(f"two bands have the lower bound {lower}")
        bands.append((lower, points))
    bands.sort(key=lambda band: band[0], reverse=True)
    return Scale(tuple(bands))


def _scale_pairs(raw: object) -> list[tuple[object, object]]:
    if isinstance(raw, list | tuple):
        rows = list(raw)
    else:
        text = str(raw).strip()
        if text.startswith("["):
            # `[[a, b], [c, d]]`: the brackets only group; the numbers are read as text.
            inner = text.replace(" ", "").removeprefix("[").removesuffix("]")
            rows = [row.split(",") for row in inner.replace("],[", "];[").split(";") if row]
            rows = [[cell.strip("[]") for cell in row] for row in rows]
        else:
            rows = [pair.split(":") for pair in text.replace(";", ",").split(",") if pair.strip()]
    pairs: list[tuple[object, object]] = []
    for row in rows:
        if not isinstance(row, list | tuple) or len(row) != 2:
            raise ValueError(f"{row!r} is not a band [lower, points]")
        pairs.append((row[0], row[1]))
    return pairs


def _number(raw: object, unit: Unit) -> Fraction:
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not a number")
    if isinstance(raw, Fraction):
        value = raw
    elif isinstance(raw, int):
        value = Fraction(raw)
    else:
        # A float from YAML goes through its shortest repr ("0.1"), which is what was written.
        text = (repr(raw) if isinstance(raw, float) else str(raw)).strip()
        text = text.replace(",", "").removeprefix("¥").removeprefix("￥")
        percent = text.endswith("%")
        try:
            decimal = Decimal(text.removesuffix("%").replace("_", ""))
        except InvalidOperation:
            raise ValueError(f"{raw!r} is not a number") from None
        if not decimal.is_finite():
            raise ValueError(f"{raw!r} is not a finite number")
        # Bounded before it becomes a Fraction: "1e999999999" would be a billion-digit integer.
        if decimal and not -MAX_DECIMALS <= decimal.adjusted() < len(str(MAX_NUMBER)) - 1:
            raise ValueError(f"{raw!r} is out of range{_RANGE}")
        value = Fraction(decimal) / (100 if percent else 1)
    if abs(value) >= MAX_NUMBER or (value * 10**MAX_DECIMALS).denominator != 1:
        raise ValueError(f"{raw!r} is out of range{_RANGE}")
    if unit == Unit.YUAN and abs(value) >= MAX_YUAN:
        raise ValueError(f"{raw!r} is out of range (amounts are below 10^16 yuan)")
    if unit == Unit.COUNT and value.denominator != 1:
        raise ValueError(f"{raw!r} is not a whole number")
    if unit == Unit.YUAN and (value * 100).denominator != 1:
        raise ValueError(f"{raw!r} is more precise than a fen")
    return value
