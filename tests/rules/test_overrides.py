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
    ],
)
def test_bad_settings_are_refused_clearly(setting: str, message: str) -> None:
    with pytest.raises(OverrideError) as caught:
        parse_overrides([setting], [make(GAP_POLICY)])
    assert message in str(caught.value)
