"""Foreign-currency amounts to CNY fen at the day's rate, recorded as Decimal. Pure.

Amounts are integers in the currency's minor unit (cents, yen); the rate is CNY per one
unit of the currency (e.g. Decimal('7.1234')), as published for the day. Conversion rounds
half up to the fen once, at the end, so the recorded rate reproduces the stored fen exactly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from kechuang.workflow.errors import Invalid

# ISO 4217 minor-unit exponents of the currencies deals are written in.
MINOR_UNITS = {
    "CNY": 2, "USD": 2, "EUR": 2, "GBP": 2, "HKD": 2, "MOP": 2, "TWD": 2, "SGD": 2, "CHF": 2,
    "AUD": 2, "CAD": 2, "SEK": 2, "DKK": 2, "NOK": 2, "JPY": 0, "KRW": 0,
}  # fmt: skip
RATE_PLACES = 6


class InvalidRate(Invalid):
    """Unknown currency, a missing or non-positive rate, or one too precise to record."""


def check_rate(currency: str, rate: Decimal | None) -> Decimal:
    """The rate to record for an amount in currency (1 for CNY)."""
    if currency not in MINOR_UNITS:
        raise InvalidRate(f"unknown currency {currency!r}; one of {', '.join(sorted(MINOR_UNITS))}")
    if currency == "CNY":
        if rate not in (None, Decimal(1)):
            raise InvalidRate("an amount in CNY has no exchange rate")
        return Decimal(1)
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
        raise InvalidRate(f"an amount in {currency} needs the day's rate as a positive Decimal")
    if -rate.as_tuple().exponent > RATE_PLACES:  # type: ignore[operator]
        raise InvalidRate(f"a rate has at most {RATE_PLACES} decimal places: {rate}")
    return rate


def to_fen(amount_minor: int, currency: str, rate: Decimal | None) -> int:
    """amount_minor of currency in CNY fen at rate (CNY per unit), rounded half up."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise InvalidRate(f"an amount is an integer in minor units, got {amount_minor!r}")
    checked = check_rate(currency, rate)
    units = Decimal(amount_minor).scaleb(-MINOR_UNITS[currency])
    return int((units * checked * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
