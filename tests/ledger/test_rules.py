"""The pure rules, no database: entry validation, floors on the normal side, fen-exact split()."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.ledger import AccountType, InvalidPosting, Posting, Reference, UnbalancedEntry, split
from kechuang.ledger.rules import floor_breached, same_postings, validate_postings


def test_a_loss_split_25_45_30_is_exact_to_the_fen() -> None:
    shares = {"fund": 25, "insurer": 45, "bank": 30}
    assert split(1_000_001, shares) == {"fund": 250_000, "insurer": 450_001, "bank": 300_000}
    assert split(-10, [1, 1, 1]) == [-4, -3, -3]


@given(
    total=st.integers(min_value=-(10**15), max_value=10**15),
    shares=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(any),
)
def test_split_never_loses_or_creates_a_fen(total: int, shares: list[int]) -> None:
    parts = split(total, shares)
    assert sum(parts) == total
    assert len(parts) == len(shares)
    weight = sum(shares)
    for part, share in zip(parts, shares, strict=True):
        # Each part is within one fen of its exact proportional share.
        assert abs(Fraction(part) - Fraction(total * share, weight)) < 1


@given(
    total=st.integers(min_value=0, max_value=10**12),
    shares=st.dictionaries(
        st.text(min_size=1, max_size=5),
        st.fractions(min_value=0, max_value=100, max_denominator=1000),
        min_size=1,
        max_size=8,
    ).filter(lambda d: any(d.values())),
)
def test_split_by_named_shares_keeps_the_names_and_the_total(
    total: int, shares: dict[str, Fraction]
) -> None:
    parts = split(total, shares)
    assert list(parts) == list(shares)
    assert sum(parts.values()) == total


def test_split_refuses_a_float_total() -> None:
    with pytest.raises(InvalidPosting):
        split(10.0, [1, 1])  # type: ignore[call-overload]


@given(st.lists(st.integers(min_value=-(10**12), max_value=10**12).filter(bool), min_size=1))
def test_any_list_of_amounts_plus_its_negated_sum_validates(amounts: list[int]) -> None:
    total = sum(amounts)
    lines = [(f"a:{i}", a) for i, a in enumerate(amounts)]
    if total == 0:  # non-zero amounts summing to zero: at least two of them
        assert len(validate_postings(lines)) == len(lines)
        return
    lines.append(("balancing", -total))
    assert sum(p.amount_fen for p in validate_postings(lines)) == 0
    with pytest.raises(UnbalancedEntry):
        validate_postings([*lines[:-1], ("balancing", -total + 1)])


def test_posting_order_does_not_matter_for_sameness() -> None:
    a = [Posting("x", 1), Posting("y", -1)]
    assert same_postings(a, reversed(a))
    assert not same_postings(a, [Posting("x", 2), Posting("y", -2)])


@pytest.mark.parametrize(
    ("account_type", "floor", "balance", "change", "breached"),
    [
        (AccountType.ASSET, 0, 100, -100, False),
        (AccountType.ASSET, 0, 100, -101, True),
        (AccountType.ASSET, 0, -50, 10, False),  # below the floor already, but paying in
        (AccountType.LIABILITY, 0, -100, 100, False),
        (AccountType.LIABILITY, 0, -100, 101, True),
        (AccountType.EQUITY, 50, -100, 60, True),
    ],
)
def test_the_floor_is_on_the_normal_side_and_only_reductions_can_breach_it(
    account_type: AccountType, floor: int, balance: int, change: int, breached: bool
) -> None:
    assert floor_breached(account_type, floor, balance, change) is breached


def test_a_reference_is_type_colon_id() -> None:
    assert Reference.parse("screening_run:12") == Reference("screening_run", "12")
    assert str(Reference("loan", "L-1:2")) == "loan:L-1:2"
    with pytest.raises(ValueError, match="TYPE:ID"):
        Reference.parse("12")
