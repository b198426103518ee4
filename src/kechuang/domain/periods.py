"""Years and year ranges as users write them ('2024', '2022-2024')."""

from __future__ import annotations

import datetime as dt

FIRST_YEAR = 1990


class InvalidYears(ValueError):
    """A year or range that cannot be read or lies outside FIRST_YEAR..today."""


def current_year() -> int:
    return dt.date.today().year


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= current_year():
        raise InvalidYears(f"year {year} is outside {FIRST_YEAR}..{current_year()}")
    return year


def parse_years(text: str) -> list[int]:
    """'2024' -> [2024]; '2022-2024' -> [2022, 2023, 2024]."""
    parts = text.replace("..", "-").split("-")
    try:
        bounds = [int(p) for p in parts]
    except ValueError as exc:
        raise InvalidYears(f"{text!r} is not a year or a range like 2022-2024") from exc
    if len(bounds) == 1:
        return [check_year(bounds[0])]
    if len(bounds) != 2 or bounds[0] > bounds[1]:
        raise InvalidYears(f"{text!r} is not a range like 2022-2024")
    return list(range(check_year(bounds[0]), check_year(bounds[1]) + 1))
