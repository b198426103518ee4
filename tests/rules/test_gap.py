"""Gap: the smallest change of one fact that meets an unmet condition, and score steps."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from kechuang.rules.policy import Status
from kechuang.rules.scalar import evaluate
from tests.rules.policies import condition, make

RD_RATIO = "ratio(sum_years(rd_expense, 3), sum_years(revenue, 3)) >= 0.05"


def test_st_staff_share_needs_two_more_people() -> None:
    policy = condition("ratio(st_staff, employees) >= 0.10")
    verdict = evaluate(policy, {2024: {"st_staff": 8, "employees": 100}}, 2024)
    gap = verdict.condition("c").gap
    assert gap is not None
    assert (gap.fact, gap.current, gap.target, gap.change) == ("st_staff", 8, 10, 2)
    assert gap.message_zh == "科技人员数再增加 2 即可达到 10% 标准"


def test_rd_ratio_over_three_years_gives_the_exact_amount() -> None:
    history = {
        2024: {"rd_expense": Decimal(1_800_000), "revenue": Decimal(40_000_000)},
        2023: {"rd_expense": Decimal(1_000_000), "revenue": Decimal(30_000_000)},
        2022: {"rd_expense": Decimal(1_000_000), "revenue": Decimal(30_000_000)},
    }
    gap = evaluate(condition(RD_RATIO), history, 2024).condition("c").gap
    assert gap is not None and gap.fact == "rd_expense"
    assert gap.change == 1_200_000
    assert gap.message_zh == "研发费用再增加 ¥1,200,000 即可达到 5% 标准"
    assert gap.message_en == "Increase R&D expense by ¥1,200,000 to reach the 5% threshold"


def test_rd_gap_is_rounded_up_to_the_fen() -> None:
    history = {
        2024: {"rd_expense": Decimal(5_000_000), "revenue": Decimal("123456789.01")},
    }
    gap = evaluate(condition(RD_RATIO), history, 2024).condition("c").gap
    assert gap is not None
    # 5% of 123,456,789.01 is 6,172,839.4505: the smallest whole-fen R&D is 6,172,839.46
    assert gap.target == Fraction("6172839.46")
    assert gap.change == Fraction("1172839.46")
    assert "¥1,172,839.46" in gap.message_zh


def test_revenue_threshold_from_a_parameter() -> None:
    params = """\
parameters:
  threshold:
    label: {zh: 门槛, en: Threshold}
    unit: yuan
    values:
      - {from: 2000-01-01, value: 20000000}
"""
    policy = condition("revenue >= threshold", extra=params)
    verdict = evaluate(policy, {2024: {"revenue": Decimal("15000000.50")}}, 2024)
    gap = verdict.condition("c").gap
    assert gap is not None and gap.change == Fraction("4999999.50")
    assert gap.message_zh == "营业收入再增加 ¥4,999,999.50 即可达到 ¥20,000,000 标准"
    verdict = evaluate(policy, {2024: {"revenue": 19_999_999}}, 2024)
    assert verdict.condition("c").status == Status.UNMET
    gap = verdict.condition("c").gap
    assert gap is not None and gap.change == 1


def test_an_upper_limit_gives_a_decrease() -> None:
    verdict = evaluate(condition("employees <= 500"), {2024: {"employees": 620}}, 2024)
    gap = verdict.condition("c").gap
    assert gap is not None and gap.change == -120
    assert gap.message_zh.startswith("职工总数再减少 120")


def test_no_gap_when_no_single_fact_can_meet_it() -> None:
    verdict = evaluate(
        condition("is_hnte and employees > 5"), {2024: {"is_hnte": False, "employees": 1}}, 2024
    )
    assert verdict.condition("c").gap is None


def test_gap_respects_the_data_contract_bounds() -> None:
    # st_staff cannot exceed employees (the data contract), so 12 S&T staff of 10 is no answer
    history = {2024: {"st_staff": 8, "employees": 10}}
    assert evaluate(condition("st_staff >= 12"), history, 2024).condition("c").gap is None
    gap = evaluate(condition("st_staff >= 10"), history, 2024).condition("c").gap
    assert gap is not None and gap.target == 10


SCORED = """\
scores:
  - id: staff
    label: {zh: 科技人员, en: S&T staff}
    max_points: 20
    expr: band(ratio(st_staff, employees), [[0.30, 20], [0.20, 12], [0.10, 4]])
  - id: ip
    label: {zh: 知识产权, en: IP}
    max_points: 30
    expr: 30 if ip_class1 >= 1 else band(ip_class2, [[4, 24], [1, 6]])
  - id: experts
    label: {zh: 专家, en: Experts}
    max_points: 10
    manual: true
conditions:
  - id: pass
    label: {zh: 综合评分不低于40分, en: Score at least 40}
    clause: 第六条（五）
    expr: score >= 40
"""


def test_score_gap_lists_points_missing_and_next_bands() -> None:
    policy = make(SCORED)
    history = {2024: {"st_staff": 15, "employees": 100, "ip_class1": 0, "ip_class2": 1}}
    verdict = evaluate(policy, history, 2024)
    assert verdict.score == 10
    assert verdict.pass_mark == 40 and verdict.points_missing == 30
    steps = {s.score_id: s for s in verdict.score_steps}
    # the first fact the indicator reads that reaches the next band: one Class I IP, which
    # jumps straight to 30 points
    assert steps["ip"].next_points == 30 and steps["ip"].gap.fact == "ip_class1"
    assert steps["ip"].gap.change == 1
    assert steps["ip"].gap.message_zh == "I类知识产权数再增加 1 即可使「知识产权」得 30 分（+24）"
    assert steps["staff"].next_points == 12 and steps["staff"].gap.change == 5
    assert [s.score_id for s in verdict.score_steps] == ["ip", "staff"]  # biggest gain first
