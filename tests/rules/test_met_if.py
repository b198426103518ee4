"""`met_if` on a manual_review condition: a route the data decides meets it without review."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kechuang.rules.errors import PolicyError
from kechuang.rules.policy import Outcome, Status
from kechuang.rules.scalar import evaluate
from tests.engines.sqlkit import BASE_ROW, run_sql
from tests.rules.policies import make

DIRECT_ROUTE = """
conditions:
  - id: qualifies
    kind: manual_review
    label: {zh: 直通或评分, en: Direct route or score}
    clause: 第六条
    met_if: is_hnte or provincial_rd_institution
    expr: employees >= 10
"""


def verdict(**facts: object) -> tuple[Outcome, Status | None]:
    result = evaluate(make(DIRECT_ROUTE), {2024: facts}, 2024)
    return result.outcome, result.conditions[0].status


def test_direct_route_met_by_data_makes_the_enterprise_eligible() -> None:
    assert verdict(is_hnte=True, provincial_rd_institution=None, employees=5) == (
        Outcome.ELIGIBLE,
        Status.MET,
    )


def test_without_a_direct_route_the_precheck_still_rules_out() -> None:
    assert verdict(is_hnte=False, provincial_rd_institution=False, employees=9) == (
        Outcome.INELIGIBLE,
        Status.UNMET,
    )


def test_without_a_direct_route_experts_review_what_remains() -> None:
    assert verdict(is_hnte=False, provincial_rd_institution=False, employees=10) == (
        Outcome.MANUAL_REVIEW,
        Status.MANUAL_REVIEW,
    )


def test_unknown_direct_route_falls_back_to_review_not_to_a_pass() -> None:
    assert verdict(is_hnte=None, provincial_rd_institution=False, employees=10) == (
        Outcome.MANUAL_REVIEW,
        Status.MANUAL_REVIEW,
    )


def test_met_if_reads_are_shown_in_the_explanation() -> None:
    result = evaluate(make(DIRECT_ROUTE), {2024: {"is_hnte": True, "employees": 5}}, 2024)
    assert "is_hnte" in result.conditions[0].values


def test_met_if_on_a_required_condition_is_refused_at_its_line() -> None:
    body = DIRECT_ROUTE.replace("    kind: manual_review\n", "")
    with pytest.raises(PolicyError, match="met_if belongs to manual_review"):
        make(body)


def test_met_if_must_be_a_boolean() -> None:
    with pytest.raises(PolicyError, match="met_if of 'qualifies' must be bool"):
        make(DIRECT_ROUTE.replace("is_hnte or provincial_rd_institution", "revenue"))


WITH_BENEFIT = (
    DIRECT_ROUTE
    + """
benefit:
  amount: 1000
  once: ever
"""
)


@pytest.mark.parametrize("is_hnte", [True, False, None])
@pytest.mark.parametrize("institution", [True, False, None])
@pytest.mark.parametrize("employees", [9, 10, None])
def test_sql_agrees_with_the_scalar_evaluator(
    is_hnte: bool | None, institution: bool | None, employees: int | None
) -> None:
    policy = make(WITH_BENEFIT)
    facts = {"is_hnte": is_hnte, "provincial_rd_institution": institution, "employees": employees}
    scalar = evaluate(policy, {2024: facts}, 2024)
    uscc = "91310115MA1000001X"
    sql = run_sql(policy, 2024, [{**BASE_ROW, **facts, "uscc": uscc, "year": 2024}], explain=True)
    result = sql[uscc]
    assert result["outcome"] == scalar.outcome.value
    assert (result["unmet"] or "") == ";".join(scalar.unmet)
    assert result["c_qualifies"] == scalar.conditions[0].status
    expected = None if scalar.benefit_fen is None else Decimal(scalar.benefit_fen) / 100
    assert result["benefit_yuan"] == expected
