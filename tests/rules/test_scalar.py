"""Scalar evaluator semantics: Kleene logic, unknowns, periods, exactness, outcome, benefit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from kechuang.rules.ir import Value
from kechuang.rules.parse import parse_expression
from kechuang.rules.policy import Outcome, Status
from kechuang.rules.scalar import Evaluator, evaluate
from tests.rules.policies import condition, make


def value(expr: str, history: dict[int, dict[str, object]], year: int = 2024) -> Value:
    """Evaluate a bare expression for one enterprise."""
    policy = condition("true")
    return Evaluator(policy, history, year, {}).value(parse_expression(expr))


def now(**facts: object) -> dict[int, dict[str, object]]:
    return {2024: dict(facts)}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("false and is_hnte", False),
        ("true and is_hnte", None),
        ("true or is_hnte", True),
        ("false or is_hnte", None),
        ("not is_hnte", None),
        ("known(is_hnte)", False),
        ("value_or(revenue, 5) == 5", True),
        ("revenue + 1 > 0", None),
        ("(1 if is_hnte else 2) == 1", None),
        ('industry_code in ("M7320", "C")', None),
    ],
)
def test_kleene_logic_and_unknown_propagation(expr: str, expected: Value) -> None:
    assert value(expr, now(is_hnte=None, revenue=None, industry_code=None)) is expected


def test_division_by_zero_is_unknown_or_the_fallback() -> None:
    facts = now(st_staff=3, employees=0, revenue=Decimal(0), rd_expense=Decimal(5))
    assert value("ratio(st_staff, employees)", facts) is None
    assert value("ratio(st_staff, employees, 0)", facts) == 0
    assert value("rd_expense / revenue", facts) is None


@pytest.mark.parametrize(
    ("ratio", "points"),
    [("0.0999", 0), ("0.10", 4), ("0.1499", 4), ("0.15", 8), ("0.30", 20), ("1", 20)],
)
def test_band_lower_bounds_are_inclusive(ratio: str, points: int) -> None:
    facts = now(market_share=Decimal(ratio))
    expr = "band(market_share, [[0.30, 20], [0.25, 16], [0.20, 12], [0.15, 8], [0.10, 4]])"
    assert value(expr, facts) == points


def test_lookup_takes_the_longest_prefix_else_the_default() -> None:
    table = 'lookup(industry_code, {"C": 20000000, "F52": 5000000, "F": 20000000}, 1)'
    assert value(table, now(industry_code="F5211")) == 5_000_000
    assert value(table, now(industry_code="F5111")) == 20_000_000
    assert value(table, now(industry_code="M7320")) == 1
    assert value('lookup(industry_code, {"C": 1})', now(industry_code="M")) is None


def test_lookup_takes_the_unit_of_the_other_side() -> None:
    expr = 'revenue >= lookup(industry_code, {"C": 20000000, "F52": 5000000})'
    assert value(expr, now(revenue=Decimal("19999999"), industry_code="C27")) is False
    assert value(expr, now(revenue=Decimal("5000000"), industry_code="F5211")) is True


def test_period_sums_use_the_years_that_exist() -> None:
    history = {
        2024: {"revenue": Decimal(300), "employees": 3},
        2023: {"revenue": Decimal(200), "employees": 2},
    }
    assert value("sum_years(revenue, 3)", history) == 500
    assert value("avg_years(revenue, 3)", history) == 250
    assert value("count_years(3)", history) == 2
    assert value("years_ago(revenue, 1)", history) == 200
    assert value("years_ago(revenue, 2)", history) is None


def test_period_sum_with_a_gap_year_and_a_missing_value() -> None:
    history = {2024: {"revenue": Decimal(3)}, 2022: {"revenue": Decimal(1)}}
    assert value("sum_years(revenue, 3)", history) == 4
    assert value("count_years(3)", history) == 2
    history[2022] = {"revenue": None}
    assert value("sum_years(revenue, 3)", history) is None


def test_growth_and_crossed() -> None:
    history = {2024: {"revenue": Decimal(150)}, 2023: {"revenue": Decimal(100)}}
    assert value("growth(revenue, 1)", history) == Fraction(1, 2)
    assert value("crossed(revenue, 120)", history) is True
    assert value("crossed(revenue, 90)", history) is False
    assert value("growth(revenue, 1)", {2024: {"revenue": 1}, 2023: {"revenue": 0}}) is None
    assert value("crossed(revenue, 120)", {2024: {"revenue": Decimal(150)}}) is None
    assert value("crossed(revenue, 200)", {2024: {"revenue": Decimal(150)}}) is False


def test_years_between_uses_the_birthday_rule() -> None:
    facts = now(founded_on=dt.date(2021, 12, 31))
    assert value("years_between(founded_on, year_end)", facts) == 3
    assert value("years_between(founded_on, date(2024, 12, 30))", facts) == 2
    assert value("years_between(year_end, founded_on)", facts) == -3


def test_thresholds_are_exact() -> None:
    assert value("revenue >= 20_000_000", now(revenue=Decimal("19999999.99"))) is False
    assert value("revenue >= 20_000_000", now(revenue=19_999_999)) is False
    assert value("revenue >= 20_000_000", now(revenue=20_000_000)) is True
    facts = now(rd_expense=Decimal(3_000_000), revenue=Decimal(50_000_000))
    assert value("ratio(rd_expense, revenue) >= 0.06", facts) is True
    assert value("rd_expense / revenue == 0.06", facts) is True


def test_code_functions() -> None:
    facts = now(industry_code="C2710")
    assert value('startswith(industry_code, "C27")', facts) is True
    assert value('section(industry_code) == "C"', facts) is True


OUTCOME_POLICY = """\
parameters:
  amount:
    label: {zh: 金额, en: Amount}
    unit: yuan
    values:
      - {from: 2000-01-01, value: 100000.005}
conditions:
  - id: big
    label: {zh: 规模, en: Size}
    clause: 第二条
    expr: revenue >= 1000
  - id: helper_only
    kind: helper
    label: {zh: 辅助, en: Helper}
    expr: employees > 1000
  - id: experts
    kind: manual_review
    label: {zh: 专家, en: Experts}
    expr: employees >= 1
  - id: promise
    kind: attestation
    label: {zh: 承诺, en: Promise}
benefit:
  amount: amount + revenue * 0
  cap: 100000.125
  once: per_year
"""


def test_outcome_rule_with_helper_manual_review_and_attestation() -> None:
    policy = make(OUTCOME_POLICY.replace("100000.005", "100"))
    verdict = evaluate(policy, now(revenue=Decimal(1000), employees=5), 2024)
    assert verdict.outcome == Outcome.MANUAL_REVIEW
    assert verdict.condition("helper_only").status == Status.UNMET
    assert verdict.condition("promise").status is None
    assert verdict.attestations == ["promise"]
    assert verdict.unmet == []
    assert verdict.benefit_fen is None

    verdict = evaluate(policy, now(revenue=Decimal(999), employees=0), 2024)
    assert verdict.outcome == Outcome.INELIGIBLE
    assert verdict.unmet == ["big", "experts"]

    verdict = evaluate(policy, now(revenue=None, employees=5), 2024)
    assert verdict.outcome == Outcome.UNKNOWN


def test_benefit_rounds_half_up_to_the_fen_and_is_capped() -> None:
    body = OUTCOME_POLICY.replace("100000.005", "100").replace(
        "  - id: experts\n    kind: manual_review", "  - id: experts\n    kind: helper"
    )
    policy = make(body.replace("amount + revenue * 0", "amount + revenue / 8"))
    verdict = evaluate(policy, now(revenue=Decimal("1000.04"), employees=5), 2024)
    assert verdict.outcome == Outcome.ELIGIBLE
    assert verdict.benefit_fen == 22501  # 100 + 125.005 -> 225.01 (half up)
    verdict = evaluate(policy, now(revenue=Decimal("1000.03"), employees=5), 2024)
    assert verdict.benefit_fen == 22500  # 100 + 125.00375 -> 225.00
    verdict = evaluate(policy, now(revenue=Decimal(1000), employees=5), 2024, {"amount": 999999})
    assert verdict.benefit_fen == 10000013  # capped at 100000.125 -> 100000.13
    assert verdict.overrides == {"amount": Fraction(999999)}


def test_scores_sum_in_total_scores_and_range_adds_manual_maxima() -> None:
    policy = make(
        """\
        scores:
          - id: a
            label: {zh: a, en: a}
            max_points: 30
            expr: band(ip_class2, [[1, 10], [3, 30]])
          - id: b
            label: {zh: b, en: b}
            max_points: 50
            in_total: false
            expr: band(ip_class1, [[1, 50]])
          - id: m
            label: {zh: m, en: m}
            max_points: 20
            manual: true
        conditions:
          - id: c
            label: {zh: 条件, en: Condition}
            expr: score + b >= 40
        """
    )
    verdict = evaluate(policy, now(ip_class2=3, ip_class1=0), 2024)
    assert verdict.score == 30
    assert verdict.score_range == (30, 50)
    assert verdict.outcome == Outcome.INELIGIBLE
    verdict = evaluate(policy, now(ip_class2=None, ip_class1=1), 2024)
    assert verdict.score is None and verdict.outcome == Outcome.UNKNOWN


def test_the_evaluation_year_row_is_required() -> None:
    with pytest.raises(ValueError, match="no row for 2024"):
        evaluate(condition("employees > 1"), {2023: {}}, 2024)
    with pytest.raises(ValueError, match="no parameter"):
        evaluate(condition("employees > 1"), now(employees=1), 2024, {"nope": 1})
