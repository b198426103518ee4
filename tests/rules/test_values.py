"""Outside numbers made into exact Values (kechuang.rules.values): bounded before they are built.

A what-if amount of `1e400` or a YAML parameter of `1E999999999` is refused with a reason instead
of becoming an integer of hundreds (or a billion) digits that no engine column can hold.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from kechuang.rules.ir import Unit
from kechuang.rules.values import to_value


@pytest.mark.parametrize(
    "raw", ["1e400", "1E999999999", "-1e18", "1e-999999999", "0.0000000000001", 10**30, 1e300]
)
def test_numbers_beyond_18_digits_or_12_decimals_are_out_of_range(raw: object) -> None:
    with pytest.raises(ValueError, match="out of range"):
        to_value(raw, Unit.NUMBER)


@pytest.mark.parametrize("raw", ["1e16", "-1e16", "10000000000000000", 10**17])
def test_amounts_of_10_to_the_16_yuan_or_more_are_out_of_range(raw: object) -> None:
    with pytest.raises(ValueError, match="below 10\\^16 yuan"):
        to_value(raw, Unit.YUAN)


@pytest.mark.parametrize(
    ("raw", "unit", "value"),
    [
        ("9999999999999999.99", Unit.YUAN, Fraction(10**18 - 1, 100)),
        ("999,999,999,999,999,999", Unit.COUNT, Fraction(10**18 - 1)),
        ("0.000000000001", Unit.RATIO, Fraction(1, 10**12)),
        ("0.0000000001%", Unit.RATIO, Fraction(1, 10**12)),
        ("0E+5000", Unit.NUMBER, Fraction(0)),
        ("1.000000000000000000", Unit.NUMBER, Fraction(1)),
    ],
)
def test_the_extremes_within_range_are_kept_exactly(raw: str, unit: Unit, value: Fraction) -> None:
    assert to_value(raw, unit) == value


@pytest.mark.parametrize("raw", ["NaN", "inf", "-Infinity", "sNaN"])
def test_non_finite_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="not a finite number"):
        to_value(raw, Unit.YUAN)
