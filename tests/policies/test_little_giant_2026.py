"""Golden tests of little-giant-2026 (工信部企业〔2026〕2号 附件2 专精特新"小巨人"企业认定标准, in
force from 2026-04-01).

Base (2024-2026, evaluated for 2026): revenue 60, 66 and 72.6 million (10% a year), main business
95%, debt ratio 40%, R&D 10% of revenue every year (13.86 million over 2025-2026), five Class I IP,
market share 20%, 六基, the SRDI title and a development score of 75: every item is decided by data,
so the base is eligible. An empty version 2 cell leaves its item to review.
"""

from __future__ import annotations

import pytest

from kechuang.policies.pack import PackError
from tests.policies.conftest import pack_policy, rows

ID = "little-giant-2026"
YEARS = (2024, 2025, 2026)
LG = {
    "niche_years": 5,
    "ip_class1": 5,
    "market_share": "0.2",
    "total_assets": "100000000",
    "total_liabilities": "40000000",
    "net_assets": "60000000",
    "cost_expense_total": "50000000",
    "six_basics_or_key_link": True,
    "is_srdi_sme": True,
    "development_score": "75",
}
REVENUE = {2024: "60000000", 2025: "66000000", 2026: "72600000"}


def giant(yearly=None, **latest) -> list[dict]:
    years = {}
    for year, revenue in REVENUE.items():
        amount = int(revenue)
        facts = {
            "revenue": revenue,
            "main_business_revenue": str(amount * 95 // 100),
            "hightech_revenue": str(amount * 8 // 10),
            "rd_expense": str(amount // 10),
        }
        facts.update((yearly or {}).get(year, {}))
        facts["rd_expense_domestic"] = facts["rd_expense"]
        years[year] = facts
    if "rd_expense" in latest:
        latest["rd_expense_domestic"] = latest["rd_expense"]
    return rows(base=LG, years=YEARS, by_year=years, **latest)


def check26(check, panel, outcome, unmet=()):  # type: ignore[no-untyped-def]
    return check(ID, panel, outcome, list(unmet), score=None, year=2026, version="2026.1")


def ok_or(unmet: list[str]) -> str:
    return "ineligible" if unmet else "eligible"


def status_of(panel: list[dict], condition: str) -> str:
    from kechuang.rules.scalar import evaluate

    verdict = evaluate(pack_policy(ID, 2026), {r["year"]: r for r in panel}, 2026, gaps=False)
    return str(verdict.condition(condition).status)


def test_base_is_eligible_on_data(check) -> None:
    check26(check, giant(), "eligible")


def test_not_in_force_for_2025() -> None:
    with pytest.raises(PackError, match="no version in force in 2025"):
        pack_policy(ID, 2025)


# Said once as data in golden_cases/little-giant-2026.yaml (run by test_workbench_golden.py,
# attached by `seed`): niche market three years.


# revenue >= 5000万 (history 40 and 45 million: compound growth stays above 5%)
@pytest.mark.parametrize(
    ("revenue", "unmet"), [("50000000", []), ("49999999.99", ["revenue_scale"])]
)
def test_revenue_fifty_million(check, revenue: str, unmet: list[str]) -> None:
    yearly = {2024: {"revenue": "40000000", "main_business_revenue": "38000000"},
              2025: {"revenue": "45000000", "main_business_revenue": "42750000"}}  # fmt: skip
    panel = giant(yearly, revenue=revenue, main_business_revenue="47500000",
                  hightech_revenue="40000000", rd_expense="7000000")  # fmt: skip
    check26(check, panel, ok_or(unmet), unmet)


# main business >= 90% of 72.6 million
@pytest.mark.parametrize(
    ("main", "unmet"), [("65340000", []), ("65339999.99", ["main_business_focus"])]
)
def test_main_business_share(check, main: str, unmet: list[str]) -> None:
    check26(check, giant(main_business_revenue=main), ok_or(unmet), unmet)


# two-year compound growth >= 5%: 66.15 million over 60 million is exactly 1.05²
@pytest.mark.parametrize(
    ("revenue", "unmet"), [("66150000", []), ("66149999.99", ["revenue_growth"])]
)
def test_compound_growth_over_two_years(check, revenue: str, unmet: list[str]) -> None:
    panel = giant(revenue=revenue, main_business_revenue="62842500", hightech_revenue="50000000",
                  rd_expense="7000000")  # fmt: skip
    check26(check, panel, ok_or(unmet), unmet)


def test_growth_is_unknown_without_the_row_two_years_before(check) -> None:
    panel = [r for r in giant() if r["year"] != 2024]
    check26(check, panel, "unknown")


# debt ratio <= 75% of 100 million
@pytest.mark.parametrize(
    ("liabilities", "unmet"), [("75000000", []), ("75000000.01", ["debt_ratio_limit"])]
)
def test_debt_ratio(check, liabilities: str, unmet: list[str]) -> None:
    check26(check, giant(total_liabilities=liabilities), ok_or(unmet), unmet)


# R&D over 2025-2026 >= 1200万 and >= 3% in each year
@pytest.mark.parametrize(
    ("rd_2025", "rd_2026", "unmet"),
    [
        ("5000000", "7000000", []),
        ("5000000", "6999999.99", ["rd_two_years"]),
        ("1980000", "10100000", []),  # exactly 3% of 66 million the year before
        ("1979999.99", "10100000", ["rd_two_years"]),
    ],
)
def test_rd_over_two_years(check, rd_2025: str, rd_2026: str, unmet: list[str]) -> None:
    panel = giant({2025: {"rd_expense": rd_2025}}, rd_expense=rd_2026)
    check26(check, panel, ok_or(unmet), unmet)


# four Class I IP, or a national award within three years in the top three
@pytest.mark.parametrize(
    ("facts", "status"),
    [
        ({"ip_class1": 4}, "met"),
        ({"ip_class1": 3}, "unmet"),
        ({"ip_class1": 3, "award_national_rank": 3}, "met"),
        ({"ip_class1": 3, "award_national_rank": 4}, "unmet"),
        ({"ip_class1": 3, "award_national_rank": None}, "manual_review"),
    ],
)
def test_class1_ip_or_a_national_award(check, facts: dict, status: str) -> None:
    ip = {"ip_class1": facts["ip_class1"]}
    award = {k: v for k, v in facts.items() if k != "ip_class1"}
    panel = giant({2024: award}, **ip) if award else giant(**ip)
    if award:
        for row in panel:
            row["ip_class1"] = facts["ip_class1"]
    outcome = {"met": "eligible", "unmet": "ineligible", "manual_review": "manual_review"}[status]
    check26(check, panel, outcome, ["class1_ip"] if status == "unmet" else [])
    assert status_of(panel, "class1_ip") == status


# market share >= 10% decides; below it the national top three is reviewed (no column for it)
@pytest.mark.parametrize(("share", "outcome"), [("0.1", "eligible"), ("0.099999", "manual_review")])
def test_market_share_or_top_three(check, share: str, outcome: str) -> None:
    check26(check, giant(market_share=share), outcome)


@pytest.mark.parametrize(
    ("value", "outcome", "unmet"),
    [(True, "eligible", []), (False, "ineligible", ["key_product"]),
     (None, "manual_review", [])],
)  # fmt: skip
def test_six_basics_or_a_key_link(check, value, outcome: str, unmet: list[str]) -> None:  # type: ignore[no-untyped-def]
    check26(check, giant(six_basics_or_key_link=value), outcome, unmet)


@pytest.mark.parametrize(
    ("score", "outcome", "unmet"),
    [("60", "eligible", []), ("59.99", "ineligible", ["development_score_min"]),
     (None, "manual_review", [])],
)  # fmt: skip
def test_development_score_at_least_60(check, score, outcome: str, unmet: list[str]) -> None:  # type: ignore[no-untyped-def]
    check26(check, giant(development_score=score), outcome, unmet)


@pytest.mark.parametrize(
    ("title", "outcome", "unmet"),
    [(True, "eligible", []), (False, "ineligible", ["srdi_title"]), (None, "manual_review", [])],
)
def test_the_srdi_title(check, title, outcome: str, unmet: list[str]) -> None:  # type: ignore[no-untyped-def]
    check26(check, giant(is_srdi_sme=title), outcome, unmet)


def test_a_version_1_file_is_reviewed_not_failed(check) -> None:
    from kechuang.domain.panel import VERSION_2_COLUMNS

    panel = [{k: v for k, v in r.items() if k not in VERSION_2_COLUMNS} for r in giant()]
    check26(check, panel, "manual_review")


def test_the_same_firm_under_the_2022_standard_in_2025(check) -> None:
    # Under the 2022 standard 小巨人 is always reviewed (精细化, 品牌, 产业链, 领域).
    panel = giant()
    for row in panel:
        row["year"] -= 1
    check("little-giant-2022", panel, "manual_review", [], year=2025, version="2022.1")
