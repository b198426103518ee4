"""Golden tests of tsme-2017 (国科发政〔2017〕115号): every band edge on both sides.

The base enterprise: 100 employees of whom 20 S&T staff (20% → 12 points), revenue 20,000,000
and R&D 1,200,000 (6% → 50 points; R&D / costs 18,000,000 = 6.7% → 0, the higher is taken),
two Class II IP (12 points): score 74, eligible.
"""

from __future__ import annotations

import pytest

from tests.policies.conftest import rows

ID = "tsme-2017"


# Said once as data in golden_cases/tsme-2017.yaml (run by test_workbench_golden.py,
# attached by `seed`): base enterprise is eligible.


# 第七条（一） 科技人员指标: ratio of S&T staff to employees (100 employees: one person = 1%).
@pytest.mark.parametrize(
    ("st_staff", "points"),
    [(30, 20), (29, 16), (25, 16), (24, 12), (20, 12), (19, 8), (15, 8), (14, 4), (10, 4)],
)
def test_st_staff_bands(check, st_staff: int, points: int) -> None:
    check(ID, rows(st_staff=st_staff), "eligible", score=points + 50 + 12)


# Said once as data in golden_cases/tsme-2017.yaml (run by test_workbench_golden.py,
# attached by `seed`): st staff below 10 percent scores zero and fails even with 60 points.


# 第七条（二）1 R&D / sales revenue (revenue 20,000,000; one fen below each edge drops a band).
@pytest.mark.parametrize(
    ("rd_expense", "points"),
    [
        ("1200000.00", 50),
        ("1199999.99", 40),
        ("1000000.00", 40),
        ("999999.99", 30),
        ("800000.00", 30),
        ("799999.99", 20),
        ("600000.00", 20),
        ("599999.99", 10),
        ("400000.00", 10),
    ],
)
def test_rd_revenue_bands(check, rd_expense: str, points: int) -> None:
    score = 12 + points + 12
    passed = score >= 60
    panel = rows(rd_expense=rd_expense, rd_expense_domestic=rd_expense)
    check(
        ID,
        panel,
        "eligible" if passed else "ineligible",
        [] if passed else ["qualifies"],
        score=score,
    )


def test_rd_below_2_percent_scores_zero(check) -> None:
    check(
        ID,
        rows(rd_expense="399999.99", rd_expense_domestic="0"),
        "ineligible",
        ["qualifies"],
        score=24,
    )


# 第七条（二）2 R&D / total costs (R&D 300,000 = 1.5% of revenue → 0, so the cost ratio decides).
@pytest.mark.parametrize(
    ("cost", "points"),
    [
        ("1000000.00", 50),
        ("1000000.01", 40),
        ("1200000.00", 40),
        ("1200000.01", 30),
        ("1500000.00", 30),
        ("1500000.01", 20),
        ("2000000.00", 20),
        ("2000000.01", 10),
        ("3000000.00", 10),
        ("3000000.01", 0),
    ],
)
def test_rd_cost_bands_take_the_higher_of_the_two(check, cost: str, points: int) -> None:
    panel = rows(rd_expense=300000, rd_expense_domestic=300000, cost_expense_total=cost)
    score = 12 + points + 12
    check(
        ID,
        panel,
        "eligible" if score >= 60 else "ineligible",
        [] if score >= 60 else ["qualifies"],
        score=score,
    )


# 第七条（三） 科技成果指标
@pytest.mark.parametrize(
    ("ip_class1", "ip_class2", "points"),
    [(1, 0, 30), (0, 5, 24), (0, 4, 24), (0, 3, 18), (0, 2, 12), (0, 1, 6), (0, 0, 0)],
)
def test_ip_bands(check, ip_class1: int, ip_class2: int, points: int) -> None:
    check(ID, rows(ip_class1=ip_class1, ip_class2=ip_class2), "eligible", score=12 + 50 + points)


# 第六条（五） pass mark 60: 12 + 30 (4%) + 18 (three Class II) = 60; one IP fewer is 54.
def test_score_exactly_60_passes(check) -> None:
    check(
        ID, rows(rd_expense=800000, rd_expense_domestic=800000, ip_class2=3), "eligible", score=60
    )


def test_score_54_fails(check) -> None:
    check(
        ID,
        rows(rd_expense=800000, rd_expense_domestic=800000, ip_class2=2),
        "ineligible",
        ["qualifies"],
        score=54,
    )


def test_score_one_fen_of_rd_short_of_60_fails(check) -> None:
    panel = rows(rd_expense="799999.99", rd_expense_domestic="799999.99", ip_class2=3)
    check(ID, panel, "ineligible", ["qualifies"], score=50)


# 第六条（二） size limits are "不超过" (inclusive).
# A certificate (第八条) makes the score irrelevant here.
@pytest.mark.parametrize(
    ("facts", "unmet"),
    [
        ({"employees": 500, "st_staff": 100}, []),
        ({"employees": 501, "st_staff": 100}, ["employees_limit"]),
        ({"revenue": "200000000.00", "main_business_revenue": "200000000.00"}, []),
        ({"revenue": "200000000.01", "main_business_revenue": "200000000.00"}, ["revenue_limit"]),
        ({"total_assets": "200000000.00"}, []),
        ({"total_assets": "200000000.01"}, ["assets_limit"]),
    ],
)
def test_size_limits(check, facts: dict, unmet: list[str]) -> None:
    check(ID, rows(is_hnte=True, **facts), "ineligible" if unmet else "eligible", unmet)


# 第八条 direct qualification for an enterprise with no score at all.
@pytest.mark.parametrize(
    "flag", ["is_hnte", "national_award_5y", "provincial_rd_institution", "led_standard_5y"]
)
def test_direct_qualification(check, flag: str) -> None:
    panel = rows(st_staff=0, rd_expense=0, rd_expense_domestic=0, ip_class2=0, **{flag: True})
    check(ID, panel, "eligible", score=0)


def test_no_score_and_no_direct_route(check) -> None:
    panel = rows(st_staff=0, rd_expense=0, rd_expense_domestic=0, ip_class2=0)
    check(ID, panel, "ineligible", ["qualifies"], score=0)


# 第六条（一）、（四）
@pytest.mark.parametrize(
    ("facts", "unmet"),
    [
        ({"mainland_resident": False}, ["resident_enterprise"]),
        ({"major_accident": True}, ["no_major_accident"]),
        ({"misconduct": True}, ["no_misconduct"]),
        ({"abnormal_list": True}, ["not_abnormal_list"]),
        ({"dishonest_list": True}, ["not_dishonest_list"]),
        (
            {"abnormal_list": True, "dishonest_list": True},
            ["not_abnormal_list", "not_dishonest_list"],
        ),
    ],
)
def test_exclusions(check, facts: dict, unmet: list[str]) -> None:
    check(ID, rows(**facts), "ineligible", unmet, score=74)


def test_zero_revenue_uses_the_cost_ratio(check) -> None:
    # R&D / revenue is undefined with no revenue: that indicator scores 0 and the cost one decides.
    panel = rows(revenue=0, main_business_revenue=0, hightech_revenue=0, cost_expense_total=4000000)
    check(ID, panel, "eligible", score=12 + 50 + 12)


@pytest.mark.parametrize(
    "fact", ["employees", "revenue", "total_assets", "rd_expense", "ip_class2", "major_accident"]
)
def test_missing_fact_is_unknown(check, fact: str) -> None:
    check(ID, rows(**{fact: None}), "unknown", [])


def test_missing_score_fact_is_rescued_by_direct_route(check) -> None:
    check(ID, rows(st_staff=None, is_hnte=True), "eligible", score=None)
