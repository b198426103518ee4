"""Golden tests of sts-major-project (科技服务业重大投资项目支持, application mode, illustrative
clauses): the data decide the enterprise's conditions (pre-check), the project's conditions stay
with officers and experts (manual_review), the attestation never blocks; the score table, the
grant cap and the matching ratio are the policy's parameters. Each rule is checked on both sides
of its edge, through the scalar evaluator and the DuckDB engine."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kechuang.policies.pack import load_pack
from tests.policies.conftest import rows

ID = "sts-major-project"


def test_a_sound_sts_enterprise_passes_the_pre_check_and_goes_to_experts(check) -> None:
    check(ID, rows(), "manual_review", [])


@pytest.mark.parametrize(
    ("code", "outcome"),
    [("M7320", "manual_review"), ("M7520", "manual_review"), ("I6510", "manual_review"),
     ("I6410", "manual_review"), ("I6311", "ineligible"), ("C2710", "ineligible")],
)  # fmt: skip
def test_only_sts_industries_may_apply(check, code: str, outcome: str) -> None:
    unmet = [] if outcome == "manual_review" else ["sts_industry"]
    check(ID, rows(industry_code=code), outcome, unmet)


def test_registered_outside_shanghai_is_refused(check) -> None:
    check(ID, rows(district="320505"), "ineligible", ["registered_in_shanghai"])


# Said once as data in golden_cases/sts-major-project.yaml (run by test_workbench_golden.py,
# attached by `seed`): founded 2023-12-31 is one year registered at the 2024 year end, and
# 2024-01-01 is not.


# Said once as data in golden_cases/sts-major-project.yaml: a debt ratio of exactly 70% is
# sound, one fen above is not.


@pytest.mark.parametrize("flag", ["abnormal_list", "dishonest_list", "major_accident"])
def test_a_listed_or_accident_enterprise_is_refused(check, flag: str) -> None:
    check(ID, rows(**{flag: True}), "ineligible", ["good_standing"])


# Said once as data in golden_cases/sts-major-project.yaml: missing liabilities are unknown.


def test_score_table_cap_and_matching_are_the_policys_parameters() -> None:
    policy = load_pack().get(ID, 2025)
    table = {s.id: s.max_points for s in policy.scores}
    assert table == {"innovation": 30, "feasibility": 25, "funding": 20, "impact": 15, "team": 10}
    assert sum(table.values()) == 100 and all(s.manual_max == s.max_points for s in policy.scores)
    values = policy.parameter_values(2025)
    assert values["grant_cap"] == Decimal(5_000_000) and values["matching_ratio"] == 1
    assert values["pass_mark"] == 60 and values["max_grant_share"] == Decimal("0.3")
    kinds = {c.id: c.kind.value for c in policy.conditions}
    assert kinds["major_investment"] == kinds["project_in_shanghai"] == "manual_review"
    assert kinds["no_double_funding"] == "attestation"
    assert policy.mode.value == "application"
