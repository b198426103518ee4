"""Boundary cases of the synthetic population: firms placed exactly on the national thresholds.

Screening code is most often wrong at a threshold: `>` where the policy says `>=` (不低于 /
以上 include the bound in Chinese policy texts), a band's upper bound attached to the wrong band,
a ratio computed over one year instead of three. So the generator overwrites the facts of a
small share of firms (BOUNDARY_SHARE, assigned round-robin so that every case occurs once the
population has twice as many firms as there are cases) with one of the cases below: the value
exactly on the threshold and one fen or one person on the other side. All the other conditions
of the policy the case is about are set comfortably met, so the boundary alone decides.

Amounts are integer fen, shares (market_share) integer millionths, scores (development_score)
integer hundredths of a point, flags 0/1; a tuple gives a value per year aligned to the *last*
requested years (earlier years repeat the first value), so growth and "first time" rules see a
history. The same facts hold in every year otherwise, which keeps multi-year sums and averages
(HNTE's three year R&D ratio, 小巨人's two years) exactly on the bound as well.

Sources of the thresholds: 科技型中小企业 国科发政〔2017〕115号; 高新技术企业 国科发火〔2016〕32号;
规模以上 国家统计局 (industry and wholesale 2000万, retail 500万, accommodation and catering
200万, services 1000万 or 500万 by section); 专精特新 and 小巨人 工信部企业〔2022〕63号 and, from
2026-04-01, 工信部企业〔2026〕2号 (docs/policies/VERIFICATION.md); the alternative routes of
data contract version 2 (award ranks, 创客中国 ranks, honours, titles, the development score).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from kechuang.domain.money import parse_yuan

# Share of firms overwritten with a boundary case.
BOUNDARY_SHARE = 0.03

Value = int | tuple[int, ...]


def yuan(text: str) -> int:
    """Fen of an amount written as yuan text, exactly."""
    return parse_yuan(text)


def points(text: str) -> int:
    """Hundredths of a point of a score written as text ("59.99" -> 5999), exactly."""
    return parse_yuan(text)


def share(text: str) -> int:
    """Millionths of a share written as text ("0.1" -> 100000), exactly."""
    whole, _, decimals = text.partition(".")
    return int(whole) * 10**6 + int((decimals + "000000")[:6])


@dataclass(frozen=True)
class BoundaryCase:
    """One boundary firm profile: the facts it fixes (fen for amounts) and the reason."""

    key: str
    why: str
    facts: Mapping[str, Value]
    industry_code: str | None = None


def _case(key: str, why: str, industry: str | None, *parts: Mapping[str, Value]) -> BoundaryCase:
    merged: dict[str, Value] = {}
    for part in parts:
        merged.update(part)
    return BoundaryCase(key, why, MappingProxyType(merged), industry)


# A technology firm that meets every quantitative condition comfortably; cases change one fact.
_TECH_OK: dict[str, Value] = {
    "employees": 120,
    "st_staff": 36,
    "rd_staff": 24,
    "revenue": yuan("80000000"),
    "main_business_revenue": yuan("76000000"),
    "hightech_revenue": yuan("64000000"),
    "rd_expense": yuan("6400000"),
    "rd_expense_domestic": yuan("6400000"),
    "total_assets": yuan("90000000"),
    "total_liabilities": yuan("36000000"),
    "ip_class1": 8,
    "ip_class2": 12,
    "niche_years": 6,
    "equity_financing": 0,
    # Five or more a year on average gives the HNTE innovation score's data part enough points
    # that only the boundary under test can fail the firm.
    "transformations": 6,
    "market_share": share("0.2"),
    # Version 2: titles held, the SRDI development score, 六基; no awards or contest ranks, so
    # that a route case's rank alone decides.
    "award_national_rank": 0,
    "award_provincial_rank": 0,
    "makers_china_rank": 0,
    "tech_innovation_demo": 0,
    "ip_demo_enterprise": 0,
    "development_score": points("75"),
    "six_basics_or_key_link": 1,
    "is_tsme": 1,
    "is_innovative_sme": 1,
    "is_srdi_sme": 1,
}

# A 小巨人 (2026) candidate: revenue growing 10% a year, R&D 10% of it (two years over 12 million).
_GROWING: dict[str, Value] = {
    "revenue": (yuan("60000000"), yuan("66000000"), yuan("72600000")),
    "main_business_revenue": (yuan("57000000"), yuan("62700000"), yuan("68970000")),
    "hightech_revenue": (yuan("48000000"), yuan("52800000"), yuan("58080000")),
    "rd_expense": (yuan("6000000"), yuan("6600000"), yuan("7260000")),
    "rd_expense_domestic": (yuan("6000000"), yuan("6600000"), yuan("7260000")),
}


# A firm whose innovative-SME score stays below 60 (no IP, no R&D, flat revenue): only an
# alternative route (一（一）-（四）) can qualify it.
_LOW_SCORE: dict[str, Value] = {
    "ip_class1": 0,
    "ip_class2": 0,
    "rd_expense": 0,
    "rd_expense_domestic": 0,
    "provincial_rd_institution": 0,
    "equity_financing": 0,
    "transformations": 0,
    "is_innovative_sme": 0,
    "is_srdi_sme": 0,
    "is_hnte": 0,
}


def _revenue(total: str, rd: str, **more: Value) -> dict[str, Value]:
    """Revenue with R&D; main business 95% and high-tech 80% of it (exact in fen)."""
    fen = yuan(total)
    facts: dict[str, Value] = {
        "revenue": fen,
        "main_business_revenue": fen * 95 // 100,
        "hightech_revenue": fen * 80 // 100,
        "rd_expense": yuan(rd),
        "rd_expense_domestic": yuan(rd),
    }
    facts.update(more)
    return facts


def _rd(*history: str) -> dict[str, Value]:
    """R&D per year (yuan text, oldest first), all of it spent in China."""
    fen = tuple(yuan(text) for text in history)
    return {"rd_expense": fen, "rd_expense_domestic": fen}


def _cases() -> tuple[BoundaryCase, ...]:
    ok = _TECH_OK
    cases = [
        # 科技型中小企业: employees <= 500, revenue <= 2亿, total assets <= 2亿.
        _case(
            "tsme-employees-500",
            "职工总数 exactly 500",
            "M7519",
            ok,
            {"employees": 500, "st_staff": 150, "rd_staff": 100},
            _revenue("150000000", "9000000", total_assets=yuan("180000000")),
        ),
        _case(
            "tsme-employees-501",
            "职工总数 one over 500",
            "M7519",
            ok,
            {"employees": 501, "st_staff": 150, "rd_staff": 100},
            _revenue("150000000", "9000000", total_assets=yuan("180000000")),
        ),
        _case(
            "tsme-revenue-200m",
            "营业收入 exactly 2亿",
            "I6513",
            ok,
            {"employees": 300},
            _revenue("200000000", "12000000", total_assets=yuan("150000000")),
        ),
        _case(
            "tsme-revenue-over-200m",
            "营业收入 one fen over 2亿",
            "I6513",
            ok,
            {"employees": 300},
            _revenue("200000000.01", "12000000", total_assets=yuan("150000000")),
        ),
        _case(
            "tsme-assets-200m",
            "资产总额 exactly 2亿",
            "C3581",
            ok,
            {"employees": 280, "total_assets": yuan("200000000")},
            _revenue("120000000", "7200000"),
        ),
        _case(
            "tsme-assets-over-200m",
            "资产总额 one fen over 2亿",
            "C3581",
            ok,
            {"employees": 280, "total_assets": yuan("200000000.01")},
            _revenue("120000000", "7200000"),
        ),
        # 高新技术企业: S&T staff >= 10%; R&D/revenue >= 5% (<= 5000万), 4% (5000万-2亿],
        # 3% (> 2亿); domestic R&D >= 60%; high-tech revenue >= 60%.
        _case(
            "hnte-st-staff-10pct",
            "科技人员 exactly 10% of 职工",
            "I6513",
            ok,
            {"employees": 130, "st_staff": 13, "rd_staff": 10},
        ),
        _case(
            "hnte-st-staff-below-10pct",
            "科技人员 one person under 10%",
            "I6513",
            ok,
            {"employees": 130, "st_staff": 12, "rd_staff": 10},
        ),
        _case(
            "hnte-rd-5pct-at-50m",
            "R&D exactly 5% of revenue exactly 5000万",
            "M7512",
            ok,
            _revenue("50000000", "2500000"),
        ),
        _case(
            "hnte-rd-below-5pct-at-50m",
            "R&D one fen under 5% of 5000万",
            "M7512",
            ok,
            _revenue("50000000", "2499999.99"),
        ),
        _case(
            "hnte-rd-4pct-over-50m",
            "just over 5000万: the 4% band applies",
            "M7512",
            ok,
            _revenue("50000100", "2000004"),
        ),
        _case(
            "hnte-rd-4pct-at-200m",
            "R&D exactly 4% of revenue exactly 2亿",
            "C2761",
            ok,
            _revenue("200000000", "8000000"),
        ),
        _case(
            "hnte-rd-below-4pct-at-200m",
            "R&D one fen under 4% of 2亿",
            "C2761",
            ok,
            _revenue("200000000", "7999999.99"),
        ),
        _case(
            "hnte-rd-3pct-over-200m",
            "R&D exactly 3% of 3亿",
            "C3973",
            ok,
            _revenue("300000000", "9000000", total_assets=yuan("400000000")),
        ),
        _case(
            "hnte-rd-below-3pct-over-200m",
            "R&D one fen under 3% of 3亿",
            "C3973",
            ok,
            _revenue("300000000", "8999999.99", total_assets=yuan("400000000")),
        ),
        _case(
            "hnte-domestic-60pct",
            "境内研发 exactly 60% of R&D",
            "M7320",
            ok,
            {"rd_expense": yuan("5000000"), "rd_expense_domestic": yuan("3000000")},
        ),
        _case(
            "hnte-domestic-below-60pct",
            "境内研发 one fen under 60%",
            "M7320",
            ok,
            {"rd_expense": yuan("5000000"), "rd_expense_domestic": yuan("2999999.99")},
        ),
        _case(
            "hnte-hightech-60pct",
            "高新收入 exactly 60% of revenue",
            "C4014",
            ok,
            _revenue("50000000", "3000000", hightech_revenue=yuan("30000000")),
        ),
        _case(
            "hnte-hightech-below-60pct",
            "高新收入 one fen under 60%",
            "C4014",
            ok,
            _revenue("50000000", "3000000", hightech_revenue=yuan("29999999.99")),
        ),
    ]
    # 规模以上: revenue exactly on and one fen under each section's threshold.
    for industry, threshold, label in (
        ("C3581", "20000000", "industry"),
        ("F5176", "20000000", "wholesale"),
        ("I6513", "10000000", "information services"),
        ("M7320", "10000000", "science and technology services"),
        ("L7243", "10000000", "business services"),
        ("G5821", "10000000", "transport"),
        ("P8394", "10000000", "education"),
        ("F5251", "5000000", "retail"),
        ("K7020", "5000000", "property management"),
        ("N7723", "5000000", "environment"),
        ("R8626", "5000000", "culture"),
        ("H6210", "2000000", "catering"),
    ):
        at = yuan(threshold)
        rd = str(int(threshold) // 20)
        cases.append(
            _case(
                f"above-scale-{industry}-at",
                f"{label}: revenue exactly {threshold}",
                industry,
                ok,
                {"employees": 60},
                _revenue(threshold, rd),
            )
        )
        below = f"{(at - 1) // 100}.{(at - 1) % 100:02d}"
        cases.append(
            _case(
                f"above-scale-{industry}-below",
                f"{label}: one fen under {threshold}",
                industry,
                ok,
                {"employees": 60},
                _revenue(below, rd),
            )
        )
    # 首次升规 (section M): the history decides whether reaching 1000万 is the first time.
    for key, series in (
        ("first-above-scale-last-year", ("8000000", "9999999.99", "10000000")),
        ("first-above-scale-middle-year", ("9000000", "12000000", "13500000")),
        ("above-scale-before-dip", ("12000000", "9500000", "11000000")),
        ("above-scale-always", ("15000000", "16000000", "17000000")),
    ):
        fen = tuple(yuan(s) for s in series)
        cases.append(
            _case(
                key,
                "section M revenue history around 1000万",
                "M7519",
                ok,
                {
                    "employees": 45,
                    "revenue": fen,
                    "main_business_revenue": fen,
                    "hightech_revenue": tuple(v * 80 // 100 for v in fen),
                    "rd_expense": tuple(v // 10 for v in fen),
                    "rd_expense_domestic": tuple(v // 10 for v in fen),
                },
            )
        )
    # 专精特新中小企业: niche >= 2 years; R&D >= 100万 and >= 3% of revenue; revenue >= 1000万
    # or (below it) equity financing over two years >= 2000万; main business >= 70%;
    # debt ratio <= 70% (创新型/小巨人 scoring); Class I IP.
    cases += [
        _case(
            "srdi-rd-3pct",
            "R&D exactly 3% (120万 of 4000万)",
            "C4011",
            ok,
            _revenue("40000000", "1200000"),
        ),
        _case(
            "srdi-rd-below-3pct",
            "R&D one fen under 3%",
            "C4011",
            ok,
            _revenue("40000000", "1199999.99"),
        ),
        _case("srdi-rd-1m", "R&D exactly 100万", "C4011", ok, _revenue("20000000", "1000000")),
        _case(
            "srdi-rd-below-1m",
            "R&D one fen under 100万",
            "C4011",
            ok,
            _revenue("20000000", "999999.99"),
        ),
        _case(
            "srdi-revenue-10m",
            "revenue exactly 1000万",
            "I6520",
            ok,
            _revenue("10000000", "1500000"),
        ),
        _case(
            "srdi-revenue-below-10m-equity-20m",
            "under 1000万, two-year equity exactly 2000万",
            "I6520",
            ok,
            _revenue(
                "9999999.99", "1500000", equity_financing=(0, yuan("8000000"), yuan("12000000"))
            ),
        ),
        _case(
            "srdi-revenue-below-10m-equity-below",
            "under 1000万, equity one fen under 2000万",
            "I6520",
            ok,
            _revenue(
                "9999999.99", "1500000", equity_financing=(0, yuan("8000000"), yuan("11999999.99"))
            ),
        ),
        _case(
            "debt-ratio-70pct",
            "资产负债率 exactly 70%",
            "C3584",
            ok,
            {"total_assets": yuan("100000000"), "total_liabilities": yuan("70000000")},
        ),
        _case(
            "debt-ratio-over-70pct",
            "资产负债率 one fen over 70%",
            "C3584",
            ok,
            {"total_assets": yuan("100000000"), "total_liabilities": yuan("70000000.01")},
        ),
        _case("niche-years-1", "one year in the niche", "C3589", ok, {"niche_years": (0, 0, 1)}),
        _case("niche-years-2", "two years in the niche", "C3589", ok, {"niche_years": (0, 1, 2)}),
        _case("niche-years-3", "three years in the niche", "C3589", ok, {"niche_years": (1, 2, 3)}),
        _case("ip-class1-5", "exactly 5 Class I IP", "C3491", ok, {"ip_class1": 5}),
        _case("ip-class1-4", "4 Class I IP", "C3491", ok, {"ip_class1": 4}),
        _case(
            "main-business-70pct",
            "主营业务收入 exactly 70%",
            "C3491",
            ok,
            {"main_business_revenue": yuan("56000000")},
        ),
        _case(
            "main-business-below-70pct",
            "主营业务收入 one fen under 70%",
            "C3491",
            ok,
            {"main_business_revenue": yuan("55999999.99")},
        ),
        # 小巨人: revenue >= 1亿 needs R&D >= 3% in both of the last two years; 5000万-1亿 >= 6%.
        _case(
            "little-giant-100m-3pct",
            "revenue 1亿, R&D exactly 3%",
            "C3562",
            ok,
            _revenue("100000000", "3000000", total_assets=yuan("150000000")),
        ),
        _case(
            "little-giant-100m-below-3pct",
            "revenue 1亿, R&D one fen under 3%",
            "C3562",
            ok,
            _revenue("100000000", "2999999.99", total_assets=yuan("150000000")),
        ),
        _case(
            "little-giant-50m-6pct",
            "revenue 5000万, R&D exactly 6%",
            "C3562",
            ok,
            _revenue("50000000", "3000000"),
        ),
        _case(
            "little-giant-50m-below-6pct",
            "revenue 5000万, R&D one fen under 6%",
            "C3562",
            ok,
            _revenue("50000000", "2999999.99"),
        ),
        _case(
            "little-giant-equity-80m",
            "two years' equity financing exactly 8000万",
            "C3562",
            ok,
            _revenue(
                "30000000", "3000000", equity_financing=(0, yuan("40000000"), yuan("40000000"))
            ),
        ),
    ]
    cases += _routes(ok) + _sme_2026(ok)
    return tuple(cases)


def _routes(ok: Mapping[str, Value]) -> list[BoundaryCase]:
    """The alternative routes that data contract version 2 lets the data decide (2022 ladder)."""
    low = _LOW_SCORE
    cases = [
        # 创新型中小企业 附件1 一（一）: any national or provincial award within three years.
        _case(
            "innovative-provincial-award",
            "低分；两年前省级科技奖励",
            "C3589",
            ok,
            low,
            {"award_provincial_rank": (7, 0, 0)},
        ),
        _case(
            "innovative-national-award",
            "低分；当年国家级科技奖励",
            "C3589",
            ok,
            low,
            {"award_national_rank": (0, 0, 12)},
        ),
        _case("innovative-no-route", "低分；无奖励、无荣誉", "C3589", ok, low),
        # 一（二）: 国家级技术创新示范企业, 知识产权优势/示范企业.
        _case(
            "innovative-tech-innovation-demo",
            "低分；国家级技术创新示范企业",
            "C3589",
            ok,
            low,
            {"tech_innovation_demo": 1},
        ),
        _case(
            "innovative-ip-demo",
            "低分；知识产权示范企业",
            "C3589",
            ok,
            low,
            {"ip_demo_enterprise": 1},
        ),
    ]
    # 专精特新 (2022) 一（四）1: provincial award top three, or national award top five; 4:
    # 创客中国 national top 500 (within three years). 小巨人 (2022) 四（二）: national award top
    # three; 创客中国 top 50.
    for key, column, rank in (
        ("srdi-provincial-award", "award_provincial_rank", 3),
        ("srdi-national-award", "award_national_rank", 5),
        ("srdi-makers-china", "makers_china_rank", 500),
        ("little-giant-national-award", "award_national_rank", 3),
        ("little-giant-makers-china", "makers_china_rank", 50),
    ):
        for suffix, value in (("at", rank), ("below", rank + 1)):
            cases.append(
                _case(f"{key}-{suffix}", f"{column} {value} two years ago", "C3562", ok,
                      {column: (0, value, 0)})
            )  # fmt: skip
    return cases


def _sme_2026(ok: Mapping[str, Value]) -> list[BoundaryCase]:
    """专精特新中小企业 and 小巨人 under 工信部企业〔2026〕2号 (in force from 2026-04-01)."""
    grow = _GROWING
    return [
        # 专精特新 (2026): revenue >= 1500万 or two years' equity >= 2000万.
        _case("srdi26-revenue-15m", "revenue exactly 1500万", "C4011", ok,
              _revenue("15000000", "1500000")),
        _case("srdi26-revenue-below-15m", "revenue one fen under 1500万", "C4011", ok,
              _revenue("14999999.99", "1500000")),
        _case("srdi26-revenue-below-15m-equity-20m", "under 1500万, equity exactly 2000万",
              "C4011", ok, _revenue("14999999.99", "1500000",
                                    equity_financing=(0, yuan("8000000"), yuan("12000000")))),
        # main business >= 80%; debt ratio <= 80%.
        _case("srdi26-main-80pct", "主营业务收入 exactly 80%", "C4011", ok,
              {"main_business_revenue": yuan("64000000")}),
        _case("srdi26-main-below-80pct", "主营业务收入 one fen under 80%", "C4011", ok,
              {"main_business_revenue": yuan("63999999.99")}),
        _case("srdi26-debt-80pct", "资产负债率 exactly 80%", "C4011", ok,
              {"total_assets": yuan("100000000"), "total_liabilities": yuan("80000000")}),
        _case("srdi26-debt-over-80pct", "资产负债率 one fen over 80%", "C4011", ok,
              {"total_assets": yuan("100000000"), "total_liabilities": yuan("80000000.01")}),
        # R&D >= 100万 and >= 3% in each of the last two years: the year before decides here.
        _case("srdi26-rd-1m-year-before", "R&D exactly 100万 the year before", "C4011", ok,
              _revenue("20000000", "1000000"), _rd("1000000", "1000000", "1200000")),
        _case("srdi26-rd-below-1m-year-before", "R&D one fen under 100万 the year before",
              "C4011", ok, _revenue("20000000", "1000000"),
              _rd("1000000", "999999.99", "1200000")),
        _case("srdi26-rd-below-3pct-year-before", "R&D one fen under 3% the year before",
              "C4011", ok, _revenue("40000000", "1200000"),
              _rd("1200000", "1199999.99", "1200000")),
        # development score >= 50 (where the platform has assessed it).
        _case("srdi26-score-50", "发展评价得分 exactly 50", "C4011", ok,
              {"development_score": points("50")}),
        _case("srdi26-score-below-50", "发展评价得分 49.99", "C4011", ok,
              {"development_score": points("49.99")}),
        # One Class I IP, or the waiver: provincial-or-higher award top three, or a provincial
        # R&D institution.
        _case("srdi26-no-ip-award-3", "no Class I IP; provincial award rank 3", "C4011", ok,
              {"ip_class1": 0, "provincial_rd_institution": 0,
               "award_provincial_rank": (0, 3, 0)}),
        _case("srdi26-no-ip-award-4", "no Class I IP; provincial award rank 4", "C4011", ok,
              {"ip_class1": 0, "provincial_rd_institution": 0,
               "award_provincial_rank": (0, 4, 0)}),
        _case("srdi26-no-ip-rd-institution", "no Class I IP; provincial R&D institution",
              "C4011", ok, {"ip_class1": 0, "provincial_rd_institution": 1}),
        _case("srdi26-no-title", "neither 科技型 nor 创新型 title", "C4011", ok,
              {"is_tsme": 0, "is_innovative_sme": 0}),
        # 小巨人 (2026): revenue >= 5000万.
        _case("lg26-revenue-50m", "revenue exactly 5000万", "C3562", ok, grow,
              {"revenue": (yuan("40000000"), yuan("45000000"), yuan("50000000")),
               "main_business_revenue": (yuan("38000000"), yuan("42750000"), yuan("47500000")),
               "hightech_revenue": (yuan("32000000"), yuan("36000000"), yuan("40000000"))}),
        _case("lg26-revenue-below-50m", "revenue one fen under 5000万", "C3562", ok, grow,
              {"revenue": (yuan("40000000"), yuan("45000000"), yuan("49999999.99")),
               "main_business_revenue": (yuan("38000000"), yuan("42750000"), yuan("47500000")),
               "hightech_revenue": (yuan("32000000"), yuan("36000000"), yuan("40000000"))}),
        # two-year compound revenue growth >= 5%: 6615万 / 6000万 is exactly 1.05².
        _case("lg26-growth-5pct", "two-year compound growth exactly 5%", "C3562", ok, grow,
              {"revenue": (yuan("60000000"), yuan("63000000"), yuan("66150000")),
               "main_business_revenue": (yuan("57000000"), yuan("59850000"), yuan("62842500")),
               "hightech_revenue": (yuan("48000000"), yuan("50400000"), yuan("52920000"))}),
        _case("lg26-growth-below-5pct", "compound growth a fen under 5%", "C3562", ok, grow,
              {"revenue": (yuan("60000000"), yuan("63000000"), yuan("66149999.99")),
               "main_business_revenue": (yuan("57000000"), yuan("59850000"), yuan("62842500")),
               "hightech_revenue": (yuan("48000000"), yuan("50400000"), yuan("52920000"))}),
        # main business >= 90% (of 7260万: 6534万); debt ratio <= 75%.
        _case("lg26-main-90pct", "主营业务收入 exactly 90%", "C3562", ok, grow,
              {"main_business_revenue": (yuan("57000000"), yuan("62700000"), yuan("65340000"))}),
        _case("lg26-main-below-90pct", "主营业务收入 one fen under 90%", "C3562", ok, grow,
              {"main_business_revenue": (yuan("57000000"), yuan("62700000"),
                                         yuan("65339999.99"))}),
        _case("lg26-debt-75pct", "资产负债率 exactly 75%", "C3562", ok, grow,
              {"total_assets": yuan("100000000"), "total_liabilities": yuan("75000000")}),
        _case("lg26-debt-over-75pct", "资产负债率 one fen over 75%", "C3562", ok, grow,
              {"total_assets": yuan("100000000"), "total_liabilities": yuan("75000000.01")}),
        # two years' R&D >= 1200万, each year >= 3%.
        _case("lg26-rd-12m", "two years' R&D exactly 1200万", "C3562", ok, grow,
              _rd("5000000", "5000000", "7000000")),
        _case("lg26-rd-below-12m", "two years' R&D a fen under 1200万", "C3562", ok, grow,
              _rd("5000000", "5000000", "6999999.99")),
        _case("lg26-rd-3pct-year-before", "R&D exactly 3% the year before", "C3562", ok, grow,
              _rd("1980000", "1980000", "10100000")),
        _case("lg26-rd-below-3pct-year-before", "R&D a fen under 3% the year before", "C3562",
              ok, grow,
              _rd("1980000", "1979999.99", "10100000")),
        # four Class I IP, or a national award top three instead.
        _case("lg26-ip-4", "exactly 4 Class I IP", "C3562", ok, grow, {"ip_class1": 4}),
        _case("lg26-ip-3", "3 Class I IP", "C3562", ok, grow, {"ip_class1": 3}),
        _case("lg26-ip-3-national-award-3", "3 Class I IP; national award rank 3", "C3562", ok,
              grow, {"ip_class1": 3, "award_national_rank": (3, 0, 0)}),
        _case("lg26-ip-3-national-award-4", "3 Class I IP; national award rank 4", "C3562", ok,
              grow, {"ip_class1": 3, "award_national_rank": (4, 0, 0)}),
        # market share >= 10% (else the national top three is reviewed).
        _case("lg26-market-share-10pct", "细分市场占有率 exactly 10%", "C3562", ok, grow,
              {"market_share": share("0.1")}),
        _case("lg26-market-share-below-10pct", "细分市场占有率 9.9999%", "C3562", ok, grow,
              {"market_share": share("0.099999")}),
        # development score >= 60; 六基 or a key link; the SRDI title.
        _case("lg26-score-60", "发展评价得分 exactly 60", "C3562", ok, grow,
              {"development_score": points("60")}),
        _case("lg26-score-below-60", "发展评价得分 59.99", "C3562", ok, grow,
              {"development_score": points("59.99")}),
        _case("lg26-not-six-basics", "not in 六基 nor a key link", "C3562", ok, grow,
              {"six_basics_or_key_link": 0}),
        _case("lg26-no-srdi-title", "no 专精特新 title", "C3562", ok, grow, {"is_srdi_sme": 0}),
    ]  # fmt: skip


CASES: tuple[BoundaryCase, ...] = _cases()
