"""Golden tests of hnte-2016 (国科发火〔2016〕32号 第十一条, 工作指引 国科发火〔2016〕195号).

The base enterprise meets every quantitative condition: one Class I IP (7 points), five
transformations a year (25 points), flat net assets and revenue (0 growth points): data score 32,
range 32..82 with the expert maxima, so the outcome is manual_review (experts judge the field of
technology and the rest of the innovation score). The pre-check of 第十一条（七） fails when even
full expert marks (50) could not exceed 70, i.e. a data score of 20 or less.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.policies.conftest import rows

ID = "hnte-2016"
HNTE = {"ip_class1": 1, "ip_class2": 0, "transformations": 5}


def hnte(years=(2022, 2023, 2024), by_year=None, **latest) -> list[dict]:
    return rows(base=HNTE, years=years, by_year=by_year, **latest)


def test_base_is_manual_review_with_the_data_score(check) -> None:
    check(ID, hnte(), "manual_review", score=32)


def test_scalar_verdict_shows_the_score_range() -> None:
    from kechuang.rules.scalar import evaluate
    from tests.policies.conftest import pack_policy

    panel = hnte()
    verdict = evaluate(pack_policy(ID), {r["year"]: r for r in panel}, 2024)
    assert verdict.score_range == (32, 82)
    assert verdict.condition("supported_field").status == "manual_review"
    assert verdict.condition("innovation_capability").status == "manual_review"


# Said once as data in golden_cases/hnte-2016.yaml (run by test_workbench_golden.py,
# attached by `seed`): registered exactly one year.


# Said once as data in golden_cases/hnte-2016.yaml (run by test_workbench_golden.py,
# attached by `seed`): registered one day short.


# 第十一条（二）
def test_one_class_ii_ip_is_enough(check) -> None:
    check(ID, hnte(ip_class1=0, ip_class2=1), "manual_review", score=26)


# Said once as data in golden_cases/hnte-2016.yaml (run by test_workbench_golden.py,
# attached by `seed`): no ip.


# 第十一条（四）
@pytest.mark.parametrize(("st_staff", "unmet"), [(10, []), (9, ["st_staff_share"])])
def test_st_staff_share(check, st_staff: int, unmet: list[str]) -> None:
    check(ID, hnte(st_staff=st_staff), "ineligible" if unmet else "manual_review", unmet, score=32)


# 第十一条（五） three-year R&D ratio by the latest year's revenue tier.
def tiered(revenues: tuple[str, str, str], rds: tuple[str, str, str]) -> list[dict]:
    by_year = {
        year: {"revenue": rev, "hightech_revenue": rev, "rd_expense": rd, "rd_expense_domestic": rd}
        for year, rev, rd in zip((2022, 2023, 2024), revenues, rds, strict=True)
    }
    return hnte(by_year=by_year)


@pytest.mark.parametrize(
    ("revenues", "rds", "met"),
    [
        # up to 50,000,000 (含): 5%
        (("50000000", "50000000", "50000000"), ("2500000", "2500000", "2500000"), True),
        (("50000000", "50000000", "50000000"), ("2500000", "2500000", "2499999.99"), False),
        # 50,000,000.25 in the latest year: the 4% tier; 4% of 150,000,000.25 is 6,000,000.01
        (("50000000", "50000000", "50000000.25"), ("2000000", "2000000", "2000000.01"), True),
        (("50000000", "50000000", "50000000.25"), ("2000000", "2000000", "2000000.00"), False),
        # the same R&D with 50,000,000 exactly is in the 5% tier
        (("50000000", "50000000", "50000000"), ("2000000", "2000000", "2000000.01"), False),
        # above 200,000,000: 3%; 3% of 600,000,001 is 18,000,000.03
        (("200000000", "200000000", "200000001"), ("6000000", "6000000", "6000000.03"), True),
        (("200000000", "200000000", "200000001"), ("6000000", "6000000", "6000000.02"), False),
        # 200,000,000 exactly is still the 4% tier
        (("200000000", "200000000", "200000000"), ("6000000", "6000000", "6000000.03"), False),
    ],
)
def test_rd_intensity_tiers(check, revenues, rds, met: bool) -> None:
    check(
        ID,
        tiered(revenues, rds),
        "manual_review" if met else "ineligible",
        [] if met else ["rd_intensity"],
    )


def test_young_firm_uses_the_years_it_has(check) -> None:
    panel = hnte(years=(2024,), founded_on=dt.date(2023, 6, 1))
    check(ID, panel, "manual_review", score=32)


# 第十一条（五） domestic R&D >= 60% over the same years
@pytest.mark.parametrize(
    ("latest", "unmet"), [("720000", []), ("719999.99", ["domestic_rd_share"])]
)
def test_domestic_rd_share(check, latest: str, unmet: list[str]) -> None:
    panel = rows(base={**HNTE, "rd_expense_domestic": "720000"}, rd_expense_domestic=latest)
    check(ID, panel, "ineligible" if unmet else "manual_review", unmet, score=32)


# 第十一条（六）
@pytest.mark.parametrize(
    ("hightech", "unmet"), [("12000000", []), ("11999999.99", ["hightech_revenue_share"])]
)
def test_hightech_revenue_share(check, hightech: str, unmet: list[str]) -> None:
    check(
        ID,
        hnte(hightech_revenue=hightech),
        "ineligible" if unmet else "manual_review",
        unmet,
        score=32,
    )


# 工作指引 四（三）1 IP quantity bands (data part: the band's lowest points)
@pytest.mark.parametrize(
    ("ip_class1", "ip_class2", "points"),
    [(1, 0, 7), (0, 5, 5), (0, 4, 3), (0, 3, 3), (0, 2, 1), (0, 1, 1)],
)
def test_ip_quantity_bands(check, ip_class1: int, ip_class2: int, points: int) -> None:
    check(ID, hnte(ip_class1=ip_class1, ip_class2=ip_class2), "manual_review", score=points + 25)


# 工作指引 四（三）2 transformation bands by the three-year average (7 IP points + band)
@pytest.mark.parametrize(
    ("counts", "points"),
    [
        ((5, 5, 5), 25),
        ((5, 5, 4), 19),
        ((4, 4, 4), 19),
        ((4, 4, 3), 13),
        ((3, 3, 3), 13),
        ((3, 3, 2), 7),
        ((2, 2, 2), 7),
        ((2, 2, 1), 1),
        ((1, 1, 1), 1),
        ((1, 1, 0), 0),
    ],
)
def test_transformation_bands(check, counts, points: int) -> None:
    by_year = {y: {"transformations": c} for y, c in zip((2022, 2023, 2024), counts, strict=True)}
    score = 7 + points
    possible = score + 50 > 70
    check(
        ID,
        hnte(by_year=by_year),
        "manual_review" if possible else "ineligible",
        [] if possible else ["innovation_capability"],
        score=score,
    )


# 第十一条（七） pre-check: 20 + 50 is not above 70; one fen of net-asset growth gives 21.
def test_data_score_20_cannot_exceed_70(check) -> None:
    check(
        ID,
        hnte(
            transformations=3, by_year={2022: {"transformations": 3}, 2023: {"transformations": 3}}
        ),
        "ineligible",
        ["innovation_capability"],
        score=20,
    )


def test_data_score_21_goes_to_experts(check) -> None:
    by_year = {2022: {"transformations": 3}, 2023: {"transformations": 3}}
    check(
        ID,
        hnte(by_year=by_year, transformations=3, net_assets="18000000.01"),
        "manual_review",
        score=21,
    )


# 工作指引 四（三）4 growth bands: 1/2 × (y2/y1 + y3/y2) − 1 with y1 = y2 = 10,000,000
GROWTH_EDGES = [
    ("17000000", 9),
    ("16999999.99", 7),
    ("15000000", 7),
    ("14999999.99", 5),
    ("13000000", 5),
    ("12999999.99", 3),
    ("11000000", 3),
    ("10999999.99", 1),
    ("10000000.01", 1),
    ("10000000", 0),
    ("9000000", 0),
]


@pytest.mark.parametrize(("latest", "points"), GROWTH_EDGES)
def test_revenue_growth_bands(check, latest: str, points: int) -> None:
    base = {
        **HNTE,
        "revenue": "10000000",
        "hightech_revenue": "10000000",
        "main_business_revenue": "5000000",
    }
    panel = rows(base=base, revenue=latest, hightech_revenue=latest)
    check(ID, panel, "manual_review", score=32 + points)


@pytest.mark.parametrize(("latest", "points"), GROWTH_EDGES)
def test_net_asset_growth_bands(check, latest: str, points: int) -> None:
    panel = rows(base={**HNTE, "net_assets": "10000000"}, net_assets=latest)
    check(ID, panel, "manual_review", score=32 + points)


def test_net_assets_zero_in_the_first_year_uses_the_last_two(check) -> None:
    panel = hnte(
        by_year={2022: {"net_assets": 0}, 2023: {"net_assets": "10000000"}}, net_assets="13500000"
    )
    check(ID, panel, "manual_review", score=32 + 9)


def test_net_assets_zero_in_the_second_year_scores_zero(check) -> None:
    panel = hnte(by_year={2023: {"net_assets": 0}}, net_assets="50000000")
    check(ID, panel, "manual_review", score=32)


def test_major_accident(check) -> None:
    check(ID, hnte(major_accident=True), "ineligible", ["no_major_accident"], score=32)


@pytest.mark.parametrize(
    ("by_year", "latest"),
    [
        ({2022: {"net_assets": None}}, {}),
        ({2023: {"rd_expense": None}}, {}),
        ({}, {"employees": None}),
        ({}, {"hightech_revenue": None}),
        ({}, {"founded_on": None}),
    ],
)
def test_missing_facts_are_unknown(check, by_year, latest) -> None:
    check(ID, hnte(by_year=by_year, **latest), "unknown", [])


# 第二条: a resident enterprise registered in the mainland (不包括港、澳、台地区).
@pytest.mark.parametrize(
    ("resident", "outcome", "unmet"),
    [(True, "manual_review", []), (False, "ineligible", ["resident_enterprise"]),
     (None, "unknown", [])],
)  # fmt: skip
def test_resident_enterprise_registered_in_the_mainland(
    check, resident: bool | None, outcome: str, unmet: list[str]
) -> None:
    check(ID, hnte(mainland_resident=resident), outcome, unmet, score=32)


# 第十一条（六） on 营业收入, the lenient reading of 同期总收入: exactly 60% of revenue meets it.
@pytest.mark.parametrize(
    ("hightech", "unmet"),
    [("12000000", []), ("11999999.99", ["hightech_revenue_share"])],
)
def test_hightech_share_is_measured_on_revenue(check, hightech: str, unmet: list[str]) -> None:
    outcome = "ineligible" if unmet else "manual_review"
    check(ID, hnte(hightech_revenue=hightech), outcome, unmet, score=32)


def test_the_page_says_the_hightech_share_reading_is_lenient() -> None:
    from kechuang.policies.reference import render
    from tests.policies.conftest import pack_policy

    text = render(pack_policy(ID))
    assert "LENIENT READING of 第十一条（六）" in text and "宽松口径" in text
