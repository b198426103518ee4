"""Income distribution: statutory minimums, upward overrides only, shares to the fen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.transfer import fx
from kechuang.transfer.distribution import (
    STATUTORY,
    BelowStatutoryMinimum,
    Contributor,
    IncomeKind,
    InvalidShares,
    Rule,
    check_own_implementation_year,
    distribute,
)

TEAM = [
    Contributor("a", 5_000, True),
    Contributor("b", 3_000, True),
    Contributor("c", 2_000, False),
]


def test_statutory_minimums_are_the_default() -> None:
    assert STATUTORY.share_bp(IncomeKind.LICENCE) == 5_000
    assert STATUTORY.share_bp(IncomeKind.TRANSFER) == 5_000
    assert STATUTORY.share_bp(IncomeKind.EQUITY) == 5_000
    assert STATUTORY.share_bp(IncomeKind.OPERATING_PROFIT) == 500
    assert STATUTORY.main_contributors_bp == 5_000


def test_below_the_minimum_is_refused() -> None:
    for rule in (Rule(licence_bp=4_999), Rule(equity_bp=0), Rule(operating_profit_bp=499),
                 Rule(main_contributors_bp=4_000), Rule(transfer_bp=10_001)):  # fmt: skip
        with pytest.raises(BelowStatutoryMinimum):
            rule.checked()
    rule = Rule(licence_bp=7_000)
    with pytest.raises(BelowStatutoryMinimum, match="institution's rule"):
        rule.overridden(licence_bp=6_000)
    assert rule.overridden(licence_bp=9_000, equity_bp=None).licence_bp == 9_000


def test_operating_profit_of_own_implementation() -> None:
    out = distribute(1_000_000_01, IncomeKind.OPERATING_PROFIT, STATUTORY, TEAM)
    assert out.inventors_total == 5_000_001  # 5% of 100,000,001 = 5,000,000.05, up to the fen
    check_own_implementation_year(5, 5)
    with pytest.raises(ValueError):
        check_own_implementation_year(4, 3)
    with pytest.raises(BelowStatutoryMinimum):
        check_own_implementation_year(1, 6)


def test_contribution_shares_are_checked() -> None:
    with pytest.raises(InvalidShares, match="100%"):
        distribute(100, IncomeKind.LICENCE, STATUTORY, TEAM[:2])
    minor_mains = [Contributor("a", 4_000, True), Contributor("b", 6_000, False)]
    with pytest.raises(InvalidShares, match="main contributors"):
        distribute(100, IncomeKind.LICENCE, STATUTORY, minor_mains)


@given(
    net=st.integers(0, 10**13),
    share=st.integers(5_000, 10_000),
    weights=st.lists(st.integers(1, 10_000), min_size=1, max_size=8),
)
def test_parts_add_up_and_never_fall_below_the_share(
    net: int, share: int, weights: list[int]
) -> None:
    # Scale the weights to basis points summing to 10,000, the first one main with >= 50%.
    total = sum(weights)
    bps = [w * 5_000 // total for w in weights]
    bps[0] += 10_000 - sum(bps)
    team = [Contributor(str(i), bp, i == 0) for i, bp in enumerate(bps) if bp > 0]
    out = distribute(net, IncomeKind.LICENCE, Rule(licence_bp=share), team)
    assert sum(out.inventors.values()) == out.inventors_total
    assert out.inventors_total + out.institution == net
    assert out.inventors_total * 10_000 >= net * share  # never below the promised share
    assert (out.inventors_total - 1) * 10_000 < net * share  # and at most a fen above it


def test_foreign_currency_at_the_days_rate() -> None:
    assert fx.to_fen(1_234_567, "USD", Decimal("7.1087")) == 8_776_166  # 87,761.66 after rounding
    assert fx.to_fen(1_000_000, "JPY", Decimal("0.047321")) == 4_732_100
    assert fx.to_fen(5, "USD", Decimal("0.1")) == 1  # 0.5 fen rounds half up
    assert fx.to_fen(12_345, "CNY", None) == 12_345
    for currency, rate in (("USD", None), ("USD", Decimal(0)), ("XXX", Decimal(1)),
                           ("USD", Decimal("7.1234567")), ("CNY", Decimal("7"))):  # fmt: skip
        with pytest.raises(fx.InvalidRate):
            fx.to_fen(100, currency, rate)
