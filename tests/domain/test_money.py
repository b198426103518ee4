"""Money: exact yuan parsing into fen and the largest-remainder allocation."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.domain.money import InvalidAmount, Money, allocate, format_yuan, parse_yuan


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("19999999.99", 1_999_999_999),
        ("0.01", 1),
        ("1,234.5", 123_450),
        ("¥12", 1200),
        ("-3.10", -310),
        (7, 700),
        (Decimal("0.10"), 10),
    ],
)
def test_yuan_text_parses_to_exact_fen(text: str | int | Decimal, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["1.234", "abc", "", "NaN", "Infinity", "0.001"])
def test_amounts_finer_than_a_fen_or_not_numbers_are_refused(text: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_yuan(text)


def test_booleans_are_not_amounts() -> None:
    with pytest.raises(InvalidAmount):
        parse_yuan(True)  # type: ignore[arg-type]


def test_money_formats_as_yuan() -> None:
    assert str(Money.yuan("1234567.89")) == "¥1,234,567.89"
    assert format_yuan(-1200) == "-¥12.00"


def test_money_multiplies_only_by_whole_numbers() -> None:
    with pytest.raises(TypeError):
        Money(100) * 1.5  # type: ignore[operator]
    assert Money(100) * 3 == Money(300)


@given(
    total=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20).filter(
        any
    ),
)
def test_allocated_parts_sum_to_the_total_and_stay_within_a_fen_of_the_exact_share(
    total: int, weights: list[int]
) -> None:
    parts = allocate(total, weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(total * weight, weight_sum)
        assert abs(part - exact) < 1


def test_allocate_gives_ties_to_the_earlier_weight() -> None:
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_allocate_refuses_impossible_weights(weights: list[int]) -> None:
    with pytest.raises(ValueError):
        allocate(100, weights)
