"""国民经济行业分类 GB/T 4754-2017: sections (门类) and divisions (大类) with zh/en names.

A panel code is the section letter followed by 2 to 4 digits (M7320, I6513, C2710); its first
two digits are the division, which must belong to the section.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_CODE = re.compile(r"^([A-T])(\d{2,4})$")


class InvalidIndustryCode(ValueError):
    """Not a GB/T 4754-2017 code of the form section letter + 2 to 4 digits."""


@dataclass(frozen=True)
class Industry:
    code: str
    section: str
    name_zh: str
    name_en: str


@cache
def catalogue() -> dict[str, Industry]:
    """Sections keyed by letter and divisions keyed by their two digits."""
    text = resources.files("kechuang.domain").joinpath("data/industry_gbt4754_2017.csv")
    with text.open(encoding="utf-8") as handle:
        return {row["code"]: Industry(**row) for row in csv.DictReader(handle)}


def sections() -> list[Industry]:
    return [i for i in catalogue().values() if i.code.isalpha()]


def divisions(section: str | None = None) -> list[Industry]:
    return [
        i
        for i in catalogue().values()
        if i.code.isdigit() and (section is None or i.section == section)
    ]


def validate(code: str) -> str:
    """Return the code (upper-cased), or raise InvalidIndustryCode saying what is wrong."""
    cleaned = code.strip().upper()
    match = _CODE.match(cleaned)
    if not match:
        raise InvalidIndustryCode(
            f"{code!r} is not a GB/T 4754-2017 code (section letter A-T and 2 to 4 digits)"
        )
    section, digits = match.groups()
    division = catalogue().get(digits[:2])
    if division is None:
        raise InvalidIndustryCode(f"{code!r}: division {digits[:2]} does not exist")
    if division.section != section:
        raise InvalidIndustryCode(
            f"{code!r}: division {digits[:2]} belongs to section {division.section}, not {section}"
        )
    return cleaned


def section_of(code: str) -> Industry:
    return catalogue()[validate(code)[0]]
