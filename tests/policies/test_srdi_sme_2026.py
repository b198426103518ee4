"""Golden tests of srdi-sme-2026 (工信部企业〔2026〕2号 附件1 专精特新中小企业认定标准, in force
from 2026-04-01).

Base (2024-2026, evaluated for 2026): revenue 20,000,000 (main business 95%), debt ratio 40%,
R&D 1,200,000 (6%) every year, five niche years, one Class I IP, the innovative-SME title and a
development score of 70. Every data condition is met; 主导产品市场占有率"较为靠前" has no number
and is always reviewed, so the best outcome is manual_review. Facts of data contract version 2
decide where present and leave their condition to review where empty.
"""

from __future__ import annotations

import pytest

from kechuang.policies.pack import PackError
from tests.policies.conftest import pack_policy, rows

ID = "srdi-sme-2026"
YEARS = (2024, 2025, 2026)
SRDI = {"ip_class1": 1, "is_innovative_sme": True, "development_score": "70"}


def srdi(by_year=None, base=None, **latest) -> list[dict]:
    return rows(base={**SRDI, **(base or {})}, years=YEARS, by_year=by_year, **latest)


def check26(check, panel, outcome, unmet=()):  # type: ignore[no-untyped-def]
    return check(ID, panel, outcome, list(unmet), score=None, year=2026, version="2026.1")


def ok_or(unmet: list[str]) -> str:
    return "ineligible" if unmet else "manual_review"


def test_base_is_manual_review_for_the_market_position_only() -> None:
    from kechuang.rules.scalar import evaluate

    verdict = evaluate(pack_policy(ID, 2026), {r["year"]: r for r in srdi()}, 2026)
    reviewed = [c.id for c in verdict.conditions if c.status == "manual_review"]
    assert reviewed == ["market_position"]
    assert verdict.outcome == "manual_review"


def test_not_in_force_for_2025() -> None:
    with pytest.raises(PackError, match="no version in force in 2025"):
        pack_policy(ID, 2025)


# Said once as data in golden_cases/srdi-sme-2026.yaml (run by test_workbench_golden.py,
# attached by `seed`): niche market three years.


# revenue 1500万 or, below it, two years' new equity 2000万
@pytest.mark.parametrize(
    ("revenue", "equity_2025", "equity_2026", "unmet"),
    [
        ("15000000", "0", "0", []),
        ("14999999.99", "0", "0", ["revenue_or_equity"]),
        ("14999999.99", "8000000", "12000000", []),
        ("14999999.99", "8000000", "11999999.99", ["revenue_or_equity"]),
    ],
)
def test_revenue_or_equity(
    check, revenue: str, equity_2025: str, equity_2026: str, unmet: list[str]
) -> None:
    base = {"revenue": revenue, "main_business_revenue": "14000000", "hightech_revenue": "0",
            "rd_expense": "1000000", "rd_expense_domestic": "1000000"}  # fmt: skip
    panel = srdi(base=base, by_year={2025: {"equity_financing": equity_2025}},
                 equity_financing=equity_2026)  # fmt: skip
    check26(check, panel, ok_or(unmet), unmet)


# main business >= 80% of 20,000,000
@pytest.mark.parametrize(
    ("main", "unmet"), [("16000000", []), ("15999999.99", ["main_business_focus"])]
)
def test_main_business_share(check, main: str, unmet: list[str]) -> None:
    check26(check, srdi(main_business_revenue=main), ok_or(unmet), unmet)


# debt ratio <= 80% of 30,000,000 assets
@pytest.mark.parametrize(
    ("liabilities", "unmet"), [("24000000", []), ("24000000.01", ["debt_ratio_limit"])]
)
def test_debt_ratio(check, liabilities: str, unmet: list[str]) -> None:
    check26(check, srdi(total_liabilities=liabilities), ok_or(unmet), unmet)


# R&D >= 1,000,000 and >= 3% of revenue in each of the last two years: the year before decides.
@pytest.mark.parametrize(
    ("revenue_2025", "rd_2025", "unmet"),
    [
        ("20000000", "1000000", []),
        ("20000000", "999999.99", ["rd_each_year"]),
        ("40000000", "1200000", []),
        ("40000000", "1199999.99", ["rd_each_year"]),
    ],
)
def test_rd_in_each_of_two_years(check, revenue_2025: str, rd_2025: str, unmet: list[str]) -> None:
    year_before = {"revenue": revenue_2025, "rd_expense": rd_2025, "rd_expense_domestic": rd_2025}
    check26(check, srdi(by_year={2025: year_before}), ok_or(unmet), unmet)


def test_rd_share_this_year(check) -> None:
    panel = srdi(revenue="40000001", main_business_revenue="38000000", hightech_revenue="0")
    check26(check, panel, "ineligible", ["rd_each_year"])  # 1,200,000 is just below 3%


# One Class I IP, or the waiver: a provincial-or-higher award in the top three within three years,
# or a provincial R&D institution; an unknown award rank (version 1 data) keeps it at review.
@pytest.mark.parametrize(
    ("year", "facts", "status"),
    [
        (2026, {"ip_class1": 1}, "met"),
        (2026, {"ip_class1": 0}, "unmet"),
        (2024, {"award_provincial_rank": 3}, "met"),
        (2024, {"award_provincial_rank": 4}, "unmet"),
        (2025, {"award_national_rank": 3}, "met"),
        (2026, {"provincial_rd_institution": True}, "met"),
        (2026, {"award_national_rank": None}, "manual_review"),
    ],
)
def test_class1_ip_or_its_waiver(check, year: int, facts: dict, status: str) -> None:
    from kechuang.rules.scalar import evaluate

    panel = srdi(base={"ip_class1": 0}, by_year={year: facts})
    if "ip_class1" in facts:
        panel = srdi(**facts)
    unmet = ["class1_ip"] if status == "unmet" else []
    check26(check, panel, ok_or(unmet), unmet)
    verdict = evaluate(pack_policy(ID, 2026), {r["year"]: r for r in panel}, 2026, gaps=False)
    assert verdict.condition("class1_ip").status == status


# The development score decides where the platform has assessed it, and stays with review where not.
@pytest.mark.parametrize(
    ("score", "status"), [("50", "met"), ("49.99", "unmet"), (None, "manual_review")]
)
def test_development_score_at_least_50(check, score: str | None, status: str) -> None:
    from kechuang.rules.scalar import evaluate

    panel = srdi(development_score=score)
    unmet = ["development_score_min"] if status == "unmet" else []
    check26(check, panel, ok_or(unmet), unmet)
    verdict = evaluate(pack_policy(ID, 2026), {r["year"]: r for r in panel}, 2026, gaps=False)
    assert verdict.condition("development_score_min").status == status


# The 科技型 or 创新型 title: either one; both known absent is a fail; unknown is review.
@pytest.mark.parametrize(
    ("tsme", "innovative", "status"),
    [
        (True, False, "met"),
        (False, True, "met"),
        (False, False, "unmet"),
        (None, None, "manual_review"),
        (None, False, "manual_review"),
    ],
)
def test_title_held(check, tsme: bool | None, innovative: bool | None, status: str) -> None:
    from kechuang.rules.scalar import evaluate

    panel = srdi(is_tsme=tsme, is_innovative_sme=innovative)
    unmet = ["title_held"] if status == "unmet" else []
    check26(check, panel, ok_or(unmet), unmet)
    verdict = evaluate(pack_policy(ID, 2026), {r["year"]: r for r in panel}, 2026, gaps=False)
    assert verdict.condition("title_held").status == status


def test_a_version_1_file_is_reviewed_not_failed(check) -> None:
    from kechuang.domain.panel import VERSION_2_COLUMNS

    panel = [{k: v for k, v in r.items() if k not in VERSION_2_COLUMNS} for r in srdi()]
    check26(check, panel, "manual_review")


def test_the_same_firm_under_the_2022_standard_in_2025(check) -> None:
    # 2022 standard: revenue 1000万 suffices, two niche years; (四) is left to the platform.
    panel = srdi(niche_years=2, revenue="12000000", main_business_revenue="11400000",
                 hightech_revenue="0")  # fmt: skip
    for row in panel:
        row["year"] -= 1
    check("srdi-sme-2022", panel, "manual_review", [], year=2025, version="2022.1")
    check26(check, srdi(niche_years=2, revenue="12000000", main_business_revenue="11400000",
                        hightech_revenue="0"),
            "ineligible", ["niche_market_years", "revenue_or_equity"])  # fmt: skip
