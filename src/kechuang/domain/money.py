"""Money as integer fen (分), parsed exactly from yuan text, and fen-exact allocation.

No float is ever involved: yuan text goes through Decimal, and splits use the largest
remainder method so that the parts always add up to the whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

FEN_PER_YUAN = 100


class InvalidAmount(ValueError):
    """The text is not an amount of yuan that can be held in whole fen."""


def parse_yuan(text: str | int | Decimal) -> int:
    """Parse an amount of yuan ('1234.5', '1,234.50', 1234, Decimal) into integer fen.

    More precision than a fen is refused rather than rounded: a figure in law or in a file
    must mean exactly what it says.
    """
    if isinstance(text, bool):
        raise InvalidAmount("a boolean is not an amount")
    if isinstance(text, int):
        return text * FEN_PER_YUAN
    if isinstance(text, Decimal):
        value = text
    else:
        cleaned = text.strip().replace(",", "").replace("，", "")
        cleaned = cleaned.removeprefix("¥").removeprefix("￥").strip()
        if not cleaned:
            raise InvalidAmount("empty amount")
        try:
            value = Decimal(cleaned)
        except InvalidOperation as exc:
            raise InvalidAmount(f"not a number: {text!r}") from exc
    if not value.is_finite():
        raise InvalidAmount(f"not a finite amount: {text!r}")
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise InvalidAmount(f"more precise than a fen: {text!r}")
    return int(fen)


def fen_to_yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def format_yuan(fen: int) -> str:
    """'¥1,234,567.89' (and '-¥12.00' for negatives)."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}¥{whole:,}.{part:02d}"


@dataclass(frozen=True, order=True)
class Money:
    """An amount in integer fen. Arithmetic keeps it integral; there is no division."""

    fen: int

    @classmethod
    def yuan(cls, text: str | int | Decimal) -> Money:
        return cls(parse_yuan(text))

    def __add__(self, other: Money) -> Money:
        return Money(self.fen + other.fen)

    def __sub__(self, other: Money) -> Money:
        return Money(self.fen - other.fen)

    def __neg__(self) -> Money:
        return Money(-self.fen)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int) or isinstance(factor, bool):
            raise TypeError("Money multiplies by whole numbers only; use allocate() to split")
        return Money(self.fen * factor)

    @property
    def as_yuan(self) -> Decimal:
        return fen_to_yuan(self.fen)

    def allocate(self, weights: Sequence[int | Fraction | Decimal]) -> list[Money]:
        return [Money(part) for part in allocate(self.fen, weights)]

    def __str__(self) -> str:
        return format_yuan(self.fen)


def allocate(total_fen: int, weights: Sequence[int | Fraction | Decimal]) -> list[int]:
    """Split total_fen in proportion to weights by the largest remainder method.

    The parts sum to total_fen exactly. Ties in the remainders go to the earlier weight, so
    the result is deterministic. Weights must be non-negative and not all zero.
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    exact = [Fraction(w) for w in weights]
    if any(w < 0 for w in exact):
        raise ValueError("weights must not be negative")
    weight_sum = sum(exact, Fraction(0))
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    sign = -1 if total_fen < 0 else 1
    magnitude = abs(total_fen)
    shares = [magnitude * w / weight_sum for w in exact]
    parts = [int(s) for s in shares]  # floor: shares are non-negative Fractions
    leftover = magnitude - sum(parts)
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in by_remainder[:leftover]:
        parts[i] += 1
    return [sign * p for p in parts]
