"""What-if: `--set POLICY.PARAM=VALUE` parsed in the parameter's unit."""

from __future__ import annotations

from fractions import Fraction

import pytest

from kechuang.rules.overrides import OverrideError, parse_overrides
from kechuang.rules.scalar import evaluate
from tests.rules.gap_policy import GAP_POLICY
from tests.rules.policies import make


def test_values_are_parsed_in_the_parameters_unit() -> None:
    policy = make(GAP_POLICY)
    parsed = parse_overrides(["t.amount=300,000.50", "t.min_st_staff_ratio=8%"], [policy])
    assert parsed == {
        "t": {"amount": Fraction("300000.50"), "min_st_staff_ratio": Fraction(8, 100)}
    }
    history = {2024: {"st_staff": 8, "employees": 100}}
    verdict = evaluate(policy, history, 2024, parsed["t"], gaps=False)
    assert verdict.condition("st_staff_share").status == "met"
    assert verdict.overrides == parsed["t"]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("t.amount", "expected POLICY.PARAMETER=VALUE"),
        ("x.amount=1", "policy 'x' is not being screened"),
        ("t.amout=1", "has no parameter 'amout' (did you mean 'amount'?)"),
        ("t.amount=1.001", "more precise than a fen"),
        ("t.amount=abc", "is not a number"),
        ("t.amount=-5", "amount must be at least 0 (unit yuan)"),
        ("t.min_st_staff_ratio=-1%", "min_st_staff_ratio must be at least 0 (unit ratio)"),
    ],
)
def test_bad_settings_are_refused_clearly(setting: str, message: str) -> None:
    with pytest.raises(OverrideError) as caught:
        parse_overrides([setting], [make(GAP_POLICY)])
    assert message in str(caught.value)


def test_an_override_stays_within_the_bounds_the_file_declares() -> None:
    policy = make(
        """
        parameters:
          share:
            label: {zh: 补贴比例, en: Share}
            unit: ratio
            max: 1
            values:
              - {from: 2016-01-01, value: 0.5}
          growth:
            label: {zh: 增长率下限, en: Minimum growth}
            unit: ratio
            min: -0.5
            values:
              - {from: 2016-01-01, value: 0.05}
        conditions:
          - id: c
            label: {zh: 条件, en: Condition}
            expr: employees > 0
        """
    )
    assert parse_overrides(["t.share=100%", "t.growth=-20%"], [policy]) == {
        "t": {"share": Fraction(1), "growth": Fraction(-1, 5)}
    }
    with pytest.raises(OverrideError, match=r"share must be at most 1 \(unit ratio\)"):
        parse_overrides(["t.share=150%"], [policy])
    with pytest.raises(OverrideError, match=r"growth must be at least -0.5"):
        parse_overrides(["t.growth=-0.6"], [policy])
