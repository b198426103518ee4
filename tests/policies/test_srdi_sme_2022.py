"""Golden tests of srdi-sme-2022 (工信部企业〔2022〕63号 附件2 专精特新中小企业认定标准).

Conditions (一)-(三) are decided from data; (四) (the platform's 60-point score or a direct route)
is met without review when direct route 2 (近两年研发费用均值1000万元以上) or 3
(近两年股权融资6000万元以上) holds (`met_if`), so a firm meeting (一)-(三) and one of them is
eligible; otherwise (四) is manual_review. Base: 5 niche years, revenue 20,000,000 and
R&D 1,200,000 (6%), no equity.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.policies.conftest import rows

ID = "srdi-sme-2022"


def test_base(check) -> None:
    check(ID, rows(), "manual_review", score=0)


@pytest.mark.parametrize(("niche", "unmet"), [(2, []), (1, ["niche_market_years"])])
def test_niche_years(check, niche: int, unmet: list[str]) -> None:
    check(ID, rows(niche_years=niche), "ineligible" if unmet else "manual_review", unmet)


# Said once as data in golden_cases/srdi-sme-2022.yaml (run by test_workbench_golden.py,
# attached by `seed`): rd amount.


@pytest.mark.parametrize(("rd", "unmet"), [("1200000", []), ("1199999.99", ["rd_expense_share"])])
def test_rd_share_of_revenue(check, rd: str, unmet: list[str]) -> None:
    panel = rows(revenue="40000000", rd_expense=rd, rd_expense_domestic=rd)
    check(ID, panel, "ineligible" if unmet else "manual_review", unmet)


# Said once as data in golden_cases/srdi-sme-2022.yaml (run by test_workbench_golden.py,
# attached by `seed`): revenue.


@pytest.mark.parametrize(
    ("equity_2023", "equity_2024", "unmet"),
    [("10000000", "10000000", []), ("10000000", "9999999.99", ["revenue_or_equity"])],
)
def test_equity_alternative_over_two_years(
    check, equity_2023: str, equity_2024: str, unmet: list[str]
) -> None:
    base = {
        "revenue": "5000000",
        "main_business_revenue": "5000000",
        "hightech_revenue": "0",
        "rd_expense": "1000000",
    }
    panel = rows(
        base=base, by_year={2023: {"equity_financing": equity_2023}}, equity_financing=equity_2024
    )
    check(ID, panel, "ineligible" if unmet else "manual_review", unmet)


def test_equity_three_years_ago_does_not_count(check) -> None:
    base = {
        "revenue": "5000000",
        "main_business_revenue": "5000000",
        "hightech_revenue": "0",
        "rd_expense": "1000000",
    }
    panel = rows(base=base, by_year={2022: {"equity_financing": "50000000"}})
    check(ID, panel, "ineligible", ["revenue_or_equity"])


def test_direct_routes_meet_the_evaluation_without_review() -> None:
    from kechuang.rules.scalar import evaluate
    from tests.policies.conftest import pack_policy

    panel = rows(
        equity_financing="60000000",
        by_year={2023: {"rd_expense": "18800000"}},
        rd_expense="1200000",
    )
    panel[-1]["equity_financing"] = Decimal("60000000")
    verdict = evaluate(pack_policy(ID), {r["year"]: r for r in panel}, 2024)
    assert verdict.condition("equity_route").status == "met"
    assert verdict.condition("rd_average_route").status == "met"  # (18,800,000 + 1,200,000) / 2
    assert verdict.condition("evaluation").status == "met"
    assert verdict.outcome == "eligible"


# 一（四）2: the two-year R&D average 1000万元 exactly, and one fen (of the sum) below it
@pytest.mark.parametrize(
    ("rd_2023", "outcome"), [("18800000", "eligible"), ("18799999.99", "manual_review")]
)
def test_rd_average_route(check, rd_2023: str, outcome: str) -> None:
    panel = rows(by_year={2023: {"rd_expense": rd_2023, "rd_expense_domestic": rd_2023}})
    check(ID, panel, outcome, score=0)


# 一（四）3: equity financing over two years 6000万元 exactly, and one fen below it
@pytest.mark.parametrize(
    ("equity_2024", "outcome"), [("30000000", "eligible"), ("29999999.99", "manual_review")]
)
def test_equity_route(check, equity_2024: str, outcome: str) -> None:
    panel = rows(by_year={2023: {"equity_financing": "30000000"}}, equity_financing=equity_2024)
    check(ID, panel, outcome, score=0)


def test_equity_route_three_years_ago_does_not_count(check) -> None:
    panel = rows(by_year={2022: {"equity_financing": "60000000"}})
    check(ID, panel, "manual_review")


def test_unknown_route_goes_to_review(check) -> None:
    panel = rows(by_year={2023: {"rd_expense": None, "rd_expense_domestic": None}})
    check(ID, panel, "manual_review")


def test_direct_route_does_not_replace_the_data_conditions(check) -> None:
    # route 3 holds, but R&D is below 3% of revenue: (二) still rules the firm out
    panel = rows(
        by_year={2023: {"equity_financing": "30000000"}},
        equity_financing="30000000",
        rd_expense="599999.99",
        rd_expense_domestic="599999.99",
    )
    check(ID, panel, "ineligible", ["rd_expense_amount", "rd_expense_share"])


@pytest.mark.parametrize(
    "facts",
    [
        {"niche_years": None},
        {"rd_expense": None},
        {"revenue": None, "main_business_revenue": None, "hightech_revenue": None},
    ],
)
def test_missing_facts_are_unknown(check, facts: dict) -> None:
    check(ID, rows(**facts), "unknown", [])


def test_abnormal_list(check) -> None:
    check(ID, rows(abnormal_list=True), "ineligible", ["not_abnormal_list"])


# 一（四）1 and 4 decided from the ranks of data contract version 2, within three years (2022-2024):
# a provincial award in the top three or a national one in the top five; 创客中国 top 500. One place
# lower is no route (the platform's score decides: manual_review).
@pytest.mark.parametrize(
    ("year", "facts", "outcome"),
    [
        (2022, {"award_provincial_rank": 3}, "eligible"),
        (2022, {"award_provincial_rank": 4}, "manual_review"),
        (2023, {"award_national_rank": 5}, "eligible"),
        (2023, {"award_national_rank": 6}, "manual_review"),
        (2024, {"makers_china_rank": 500}, "eligible"),
        (2024, {"makers_china_rank": 501}, "manual_review"),
        (2022, {"makers_china_rank": 1}, "eligible"),
        (2024, {"award_provincial_rank": None}, "manual_review"),
    ],
)
def test_award_and_makers_china_routes(check, year: int, facts: dict, outcome: str) -> None:
    check(ID, rows(by_year={year: facts}), outcome, score=0)


def test_a_route_four_years_back_does_not_count(check) -> None:
    panel = rows(years=(2021, 2022, 2023, 2024), by_year={2021: {"award_provincial_rank": 1}})
    check(ID, panel, "manual_review")


def test_a_firm_without_an_earlier_row_is_judged_on_the_years_it_has(check) -> None:
    # founded in 2023: two rows; a top-three provincial award in 2023 is a route
    panel = rows(years=(2023, 2024), by_year={2023: {"award_provincial_rank": 2}})
    check(ID, panel, "eligible", score=0)
