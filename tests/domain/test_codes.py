"""Industry codes (GB/T 4754-2017), Shanghai districts (GB/T 2260) and years."""

from __future__ import annotations

import pytest

from kechuang.domain import district, industry, periods


@pytest.mark.parametrize("code", ["M7320", "I6513", "C2710", "c27"])
def test_known_industry_codes_are_accepted(code: str) -> None:
    assert industry.validate(code) == code.upper()


@pytest.mark.parametrize(
    ("code", "reason"),
    [("Z12", "section letter"), ("M99", "does not exist"), ("C7320", "belongs to section M")],
)
def test_unknown_or_mismatched_industry_codes_are_refused(code: str, reason: str) -> None:
    with pytest.raises(industry.InvalidIndustryCode, match=reason):
        industry.validate(code)


def test_the_catalogue_has_twenty_sections_with_divisions() -> None:
    assert len(industry.sections()) == 20
    assert {d.section for d in industry.divisions("M")} == {"M"}
    assert industry.section_of("M7320").name_zh


def test_shanghai_has_sixteen_districts() -> None:
    assert len(district.SHANGHAI) == 16
    assert district.name("310115") == "浦东新区"
    with pytest.raises(district.UnknownDistrict):
        district.validate("110105")


def test_year_ranges_are_read() -> None:
    assert periods.parse_years("2022-2024") == [2022, 2023, 2024]
    with pytest.raises(periods.InvalidYears):
        periods.parse_years("1989")
