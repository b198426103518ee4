"""Budget allocation: exact to the fen, never above eligible, the budget fully used when short."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.screening.allocation import BY_SCORE, PRO_RATA, RULES, Claim, allocate

claims_strategy = st.lists(
    st.builds(
        Claim,
        uscc=st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=18, max_size=18),
        eligible_fen=st.integers(min_value=0, max_value=10**11),
        score=st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2)),
    ),
    max_size=40,
    unique_by=lambda c: c.uscc,
)


@settings(max_examples=300, deadline=None)
@given(
    claims=claims_strategy,
    budget=st.one_of(st.none(), st.integers(min_value=0, max_value=10**12)),
    rule=st.sampled_from(RULES),
)
def test_allocation_properties(claims: list[Claim], budget: int | None, rule: str) -> None:
    result = allocate(claims, budget, rule)
    eligible = sum(c.eligible_fen for c in claims)
    assert set(result) == {c.uscc for c in claims}
    assert all(isinstance(v, int) for v in result.values())
    assert sum(result.values()) == (eligible if budget is None else min(budget, eligible))
    for claim in claims:
        assert 0 <= result[claim.uscc] <= claim.eligible_fen


def test_pro_rata_splits_the_odd_fen_by_largest_remainder() -> None:
    claims = [Claim("A", 100), Claim("B", 100), Claim("C", 100)]
    assert allocate(claims, 100, PRO_RATA) == {"A": 34, "B": 33, "C": 33}


def test_by_score_pays_in_full_in_rank_order_then_one_partial() -> None:
    claims = [
        Claim("B", 500, Decimal("80")),
        Claim("A", 500, Decimal("80")),  # same score: the USCC decides
        Claim("C", 500, Decimal("90")),
        Claim("D", 500, None),  # no score ranks last
    ]
    assert allocate(claims, 1200, BY_SCORE) == {"C": 500, "A": 500, "B": 200, "D": 0}


def test_refuses_unknown_rules_and_negative_budgets() -> None:
    with pytest.raises(ValueError, match="unknown allocation rule"):
        allocate([Claim("A", 1)], 1, "lottery")
    with pytest.raises(ValueError, match="negative"):
        allocate([Claim("A", 1)], -1, PRO_RATA)
