"""Human formatting of exact values: money with thousands separators, ratios as percentages.

Used by gap messages and explanations; never by an evaluator (formatting is not arithmetic).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from kechuang.rules.ir import Scale, Unit, Value


def decimal_text(value: Fraction, places: int = 6) -> str:
    """An exact-looking decimal: the value rounded half up to `places`, trailing zeros cut."""
    quantum = Decimal(1).scaleb(-places)
    number = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        quantum, rounding=ROUND_HALF_UP
    )
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def money(value: Fraction) -> str:
    """'¥1,200,000' for whole yuan, '¥1,200,000.50' otherwise."""
    sign = "-" if value < 0 else ""
    fen = round(abs(value) * 100)
    whole, part = divmod(fen, 100)
    return f"{sign}¥{whole:,}" + (f".{part:02d}" if part else "")


def scale_text(scale: Scale) -> str:
    """A scale as `[[lower, points], ...]` in exact decimals: what `--set` reads back."""
    pairs = ", ".join(
        f"[{decimal_text(lower, 12)}, {decimal_text(points, 12)}]" for lower, points in scale.bands
    )
    return f"[{pairs}]"


def show(value: Value, unit: Unit) -> str:
    """A value in its unit for people: money, percent, counts, dates; '未知/unknown' is '?'."""
    if value is None:
        return "?"
    if isinstance(value, Scale):
        return scale_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Fraction):
        if unit == Unit.YUAN:
            return money(value)
        if unit == Unit.RATIO:
            return decimal_text(value * 100, 4) + "%"
        return decimal_text(value)
    return str(value)
