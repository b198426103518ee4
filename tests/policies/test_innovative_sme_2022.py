"""Golden tests of innovative-sme-2022 (工信部企业〔2022〕63号 附件1 创新型中小企业评价标准).

Base: two Class II IP (5), R&D 6% of revenue (20), main business growth 18.75% (20), debt ratio
40% (10), other field (5), main business 95% of revenue (20): data score 80. `qualifies` is met
without review (`met_if`, outcome eligible) when the data score alone reaches 60 with the category
minima or a data-decidable direct route holds; it is unmet only when neither full platform marks
nor such a route could pass; otherwise it is manual_review (the platform scores high-value IP and
the field; see the file header).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.policies.conftest import rows

ID = "innovative-sme-2022"
PRIOR = {2023: {"main_business_revenue": "16000000"}}


def inno(by_year=None, base=None, **latest) -> list[dict]:
    years = {y: {**PRIOR.get(y, {}), **(by_year or {}).get(y, {})} for y in (2022, 2023, 2024)}
    return rows(base=base, by_year=years, **latest)


def expect(score: int, innovation: int, growth: int, special: int) -> tuple[str, list[str]]:
    by_data = score >= 60 and innovation >= 20 and growth >= 15 and special >= 15
    possible = score + 15 >= 60 and innovation + 10 >= 20 and growth >= 15 and special + 5 >= 15
    if by_data:
        return "eligible", []
    return ("manual_review", []) if possible else ("ineligible", ["qualifies"])


def test_base(check) -> None:
    check(ID, inno(), "eligible", score=80)


def test_qualifies_is_met_by_data_without_review() -> None:
    from kechuang.rules.scalar import evaluate
    from tests.policies.conftest import pack_policy

    verdict = evaluate(pack_policy(ID), {r["year"]: r for r in inno()}, 2024)
    assert verdict.condition("qualifies").status == "met"
    assert verdict.outcome == "eligible"


# Said once as data in golden_cases/innovative-sme-2022.yaml (run by test_workbench_golden.py,
# attached by `seed`): data score route exactly sixty.


# 二（一）2 R&D share of revenue (revenue 20,000,000)
@pytest.mark.parametrize(
    ("rd", "points"),
    [
        ("1000000", 20),
        ("999999.99", 15),
        ("600000", 15),
        ("599999.99", 10),
        ("400000", 10),
        ("399999.99", 5),
        ("200000", 5),
        ("199999.99", 0),
    ],
)
def test_rd_bands(check, rd: str, points: int) -> None:
    outcome, unmet = expect(60 + points, 5 + points, 30, 25)
    check(ID, inno(rd_expense=rd, rd_expense_domestic=rd), outcome, unmet, score=60 + points)


# 二（二）3 main business growth (10,000,000 the year before; revenue 12,000,000)
@pytest.mark.parametrize(
    ("latest", "points"),
    [
        ("11500000", 20),
        ("11499999.99", 15),
        ("11000000", 15),
        ("10999999.99", 10),
        ("10500000", 10),
        ("10499999.99", 5),
        ("10000000", 5),
        ("9999999.99", 0),
    ],
)
def test_growth_bands(check, latest: str, points: int) -> None:
    base = {"revenue": "12000000", "hightech_revenue": "0"}
    panel = inno(
        base=base,
        by_year={2023: {"main_business_revenue": "10000000"}},
        main_business_revenue=latest,
    )
    score = 5 + 20 + points + 10 + 5 + 20
    outcome, unmet = expect(score, 25, points + 10, 25)
    check(ID, panel, outcome, unmet, score=score)


# 二（二）4 debt ratio (assets 30,000,000): 55%以下 10, 55%-75% 5, 75%以上 0
@pytest.mark.parametrize(
    ("liabilities", "points"),
    [("16500000", 10), ("16500000.01", 5), ("22499999.99", 5), ("22500000", 0)],
)
def test_debt_ratio_bands(check, liabilities: str, points: int) -> None:
    outcome, unmet = expect(70 + points, 25, 20 + points, 25)
    check(ID, inno(total_liabilities=liabilities), outcome, unmet, score=70 + points)


# 二（三）6 main business share of revenue (revenue 20,000,000; 8,000,000 the year before)
@pytest.mark.parametrize(
    ("mbr", "points"),
    [
        ("14000000", 20),
        ("13999999.99", 15),
        ("12000000", 15),
        ("11999999.99", 10),
        ("11000000", 10),
        ("10999999.99", 5),
        ("10000000", 5),
        ("9999999.99", 0),
    ],
)
def test_main_business_share_bands(check, mbr: str, points: int) -> None:
    panel = inno(by_year={2023: {"main_business_revenue": "8000000"}}, main_business_revenue=mbr)
    outcome, unmet = expect(60 + points, 25, 30, 5 + points)
    check(ID, panel, outcome, unmet, score=60 + points)


# 二（一）1 IP (data part)
@pytest.mark.parametrize(("ip_class1", "ip_class2", "points"), [(1, 0, 10), (0, 1, 5), (0, 0, 0)])
def test_ip_bands(check, ip_class1: int, ip_class2: int, points: int) -> None:
    outcome, unmet = expect(75 + points, 20 + points, 30, 25)
    check(ID, inno(ip_class1=ip_class1, ip_class2=ip_class2), outcome, unmet, score=75 + points)


# 一、公告条件 with the platform's maximum: 45 + 15 = 60 can pass, 40 + 15 cannot.
def weak(**latest) -> list[dict]:
    # rd 1% (5), growth 5% (10), debt 60% (5), field 5, main business 55.26% (10)
    base = {"revenue": "19000000", "hightech_revenue": "0", "total_liabilities": "18000000"}
    facts = {
        "rd_expense": "190000",
        "rd_expense_domestic": "190000",
        "main_business_revenue": "10500000",
    }
    return inno(
        base=base, by_year={2023: {"main_business_revenue": "10000000"}}, **{**facts, **latest}
    )


def test_score_45_with_class_i_ip_can_pass_with_platform_marks(check) -> None:
    check(ID, weak(ip_class1=1), "manual_review", score=45)


def test_score_40_cannot_pass(check) -> None:
    check(ID, weak(), "ineligible", ["qualifies"], score=40)


@pytest.mark.parametrize(
    ("facts", "outcome"),
    [
        ({"is_hnte": True}, "eligible"),
        ({"provincial_rd_institution": True}, "eligible"),
        ({"is_hnte": None}, "manual_review"),  # an unknown route is not a pass: review
        (
            {"national_award_5y": True},
            "ineligible",
        ),  # not a route here: 近三年 national or provincial
    ],
)
def test_direct_routes_make_a_low_score_eligible(check, facts: dict, outcome: str) -> None:
    check(ID, weak(**facts), outcome, ["qualifies"] if outcome == "ineligible" else [], score=40)


@pytest.mark.parametrize(
    ("facts", "outcome"),
    [({"is_hnte": True}, "eligible"), ({"is_hnte": None}, "manual_review")],
)
def test_direct_route_with_a_possible_score(check, facts: dict, outcome: str) -> None:
    # 45 + 15 could pass: without a route the platform decides, an unknown route included
    check(ID, weak(ip_class1=1, **facts), outcome, score=45)


def equity_panel(latest: str, **facts) -> list[dict]:
    panel = weak(equity_financing=latest, **facts)
    for row in panel:
        if row["year"] in (2022, 2023):
            row["equity_financing"] = Decimal("2000000")
    return panel


@pytest.mark.parametrize(
    ("latest", "outcome"), [("1000000", "eligible"), ("999999.99", "ineligible")]
)
def test_equity_route_over_three_years(check, latest: str, outcome: str) -> None:
    check(
        ID,
        equity_panel(latest),
        outcome,
        ["qualifies"] if outcome == "ineligible" else [],
        score=40,
    )


@pytest.mark.parametrize(
    ("latest", "outcome"), [("1000000", "eligible"), ("999999.99", "manual_review")]
)
def test_equity_route_with_a_possible_score(check, latest: str, outcome: str) -> None:
    check(ID, equity_panel(latest, ip_class1=1), outcome, score=45)


@pytest.mark.parametrize(
    ("by_year", "latest", "unmet"),
    [
        ({}, {"mainland_resident": False}, ["resident_enterprise"]),
        ({}, {"abnormal_list": True}, ["not_abnormal_list"]),
        ({}, {"dishonest_list": True}, ["not_dishonest_list"]),
        ({}, {"major_accident": True}, ["no_major_accident_3y"]),
        ({2023: {"major_accident": True}}, {}, ["no_major_accident_3y"]),
    ],
)
def test_general_conditions(check, by_year: dict, latest: dict, unmet: list[str]) -> None:
    check(ID, inno(by_year=by_year, **latest), "ineligible", unmet, score=80)


def test_firm_founded_in_the_evaluation_year_scores_no_growth(check) -> None:
    # growth 0 + debt 10 < 15: the score route is closed, a direct route still opens the door
    panel = rows(years=(2024,), founded_on=dt.date(2024, 1, 1))
    check(ID, panel, "ineligible", ["qualifies"], score=60)
    panel = rows(years=(2024,), founded_on=dt.date(2024, 1, 1), is_hnte=True)
    check(ID, panel, "eligible", score=60)


def test_older_firm_without_last_year_row_is_unknown(check) -> None:
    panel = rows(years=(2024,), founded_on=dt.date(2023, 12, 31))
    check(ID, panel, "unknown", score=None)


def test_missing_assets_is_unknown_unless_a_route_holds(check) -> None:
    check(ID, inno(total_assets=None), "unknown", [], score=None)
    check(ID, inno(total_assets=None, is_hnte=True), "eligible", [], score=None)


# 一（一）: a national or provincial S&T award within three years (panel years 2022-2024; any rank)
# qualifies a firm whose score cannot pass; an award four years back does not; an unknown rank
# keeps it at review (data contract version 2).
@pytest.mark.parametrize(
    ("award", "outcome"),
    [
        ({"award_provincial_rank": 7}, "eligible"),
        ({"award_national_rank": 15}, "eligible"),
        ({"award_provincial_rank": 0}, "ineligible"),
        ({"award_provincial_rank": None}, "manual_review"),
    ],
)
def test_award_route_within_three_years(check, award: dict, outcome: str) -> None:
    panel = _weak_with(2022, award)
    check(ID, panel, outcome, ["qualifies"] if outcome == "ineligible" else [], score=40)


def _weak_with(year: int, facts: dict) -> list[dict]:
    panel = weak()
    for row in panel:
        if row["year"] == year:
            row.update(facts)
    return panel


def test_an_award_four_years_back_is_outside_the_three(check) -> None:
    panel = weak()
    earlier = {**panel[0], "year": 2021, "award_provincial_rank": 1}
    check(ID, [earlier, *panel], "ineligible", ["qualifies"], score=40)


# 一（二）: the other honours, each alone, qualify a low score; none (known) does not.
@pytest.mark.parametrize(
    ("honour", "outcome"),
    [
        ({"tech_innovation_demo": True}, "eligible"),
        ({"ip_demo_enterprise": True}, "eligible"),
        ({"tech_innovation_demo": False, "ip_demo_enterprise": False}, "ineligible"),
        ({"ip_demo_enterprise": None}, "manual_review"),
    ],
)
def test_honour_route(check, honour: dict, outcome: str) -> None:
    unmet = ["qualifies"] if outcome == "ineligible" else []
    check(ID, weak(**honour), outcome, unmet, score=40)


def test_a_version_1_file_sends_a_low_score_to_review_not_ineligible(check) -> None:
    from kechuang.domain.panel import VERSION_2_COLUMNS

    panel = [{k: v for k, v in r.items() if k not in VERSION_2_COLUMNS} for r in weak()]
    check(ID, panel, "manual_review", [], score=40)
