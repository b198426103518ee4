"""Reading panel cells and rows by the catalogue: the reference validator.

`parse_cell` reads one cell of a column as its Kind says and checks the column's own bounds;
`parse_row` does that for a whole row and adds the checks between columns (max_field, the
founding date against the year). The importer's vectorised path must agree with these
functions on every input; a property test holds it to that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from kechuang.domain import district, industry, uscc
from kechuang.domain import text as clean
from kechuang.domain.money import FEN_PER_YUAN
from kechuang.domain.panel import FIELDS, Field, Kind
from kechuang.domain.periods import FIRST_YEAR, current_year
from kechuang.domain.values import (
    InvalidValue,
    is_empty,
    parse_bool,
    parse_count,
    parse_date,
    parse_fen,
    parse_ratio,
)

Value = str | int | bool | Decimal | dt.date | None

# Limits of the stored types: yuan DECIMAL(18,2) (fen BIGINT), counts BIGINT, ratios DECIMAL(9,6).
MAX_FEN = 10**18 - 1
MAX_COUNT = 2**63 - 1
MAX_RATIO = Decimal("999.999999")

REQUIRED = "required: may not be empty"
NOT_WHOLE_YEAR = "not a year"
TOO_LARGE = "too large to store"


def year_out_of_range(year: int) -> str:
    return f"year {year} is outside {FIRST_YEAR}..{current_year()}"


def below_min(f: Field) -> str:
    return f"must be at least {f.min_value}"


def above_max(f: Field) -> str:
    return f"must be at most {f.max_value}"


def above_field(f: Field) -> str:
    return f"must not exceed {f.max_field}"


def too_long(f: Field) -> str:
    return f"longer than {f.max_chars} characters"


def not_a_choice(f: Field) -> str:
    return "not one of " + ", ".join(f.choices)


def founded_after_year(year: int) -> str:
    return f"after the end of the row's year {year}"


DUPLICATE = "duplicate uscc and year"


def _code(f: Field, text: str) -> str:
    try:
        if f.name == "uscc":
            return uscc.validate(text)
        if f.name == "district":
            return district.validate(text)
        if f.name == "industry_code":
            return industry.validate(text)
    except ValueError as exc:
        raise InvalidValue(str(exc)) from exc
    return text.strip()


def _year(text: str) -> int:
    try:
        year = parse_count(text)
    except InvalidValue as exc:
        raise InvalidValue(NOT_WHOLE_YEAR) from exc
    if not FIRST_YEAR <= year <= current_year():
        raise InvalidValue(year_out_of_range(year))
    return year


def _read(f: Field, text: str) -> str | int | bool | Decimal | dt.date:
    kind = f.kind
    if kind is Kind.CODE:
        return _code(f, text)
    if kind is Kind.TEXT:
        stripped = text.strip()
        bad = clean.forbidden_character(stripped)
        if bad is not None:
            leading = len(text) - len(text.lstrip())
            raise InvalidValue(clean.reason(bad[0] + leading, bad[1]))
        if f.choices and stripped not in f.choices:
            raise InvalidValue(not_a_choice(f))
        return stripped
    if kind is Kind.YEAR:
        return _year(text)
    if kind is Kind.DATE:
        return parse_date(text)
    if kind is Kind.BOOL:
        return parse_bool(text)
    if kind is Kind.COUNT:
        count = parse_count(text)
        if abs(count) > MAX_COUNT:
            raise InvalidValue(TOO_LARGE)
        return count
    if kind is Kind.YUAN:
        fen = parse_fen(text)
        if abs(fen) > MAX_FEN:
            raise InvalidValue(TOO_LARGE)
        return fen
    ratio = parse_ratio(text)
    if abs(ratio) > MAX_RATIO:
        raise InvalidValue(TOO_LARGE)
    return ratio


def _scale(f: Field) -> int:
    return FEN_PER_YUAN if f.kind is Kind.YUAN else 1


def parse_cell(f: Field, text: str | None) -> Value:
    """The value of one cell (yuan as integer fen), None for an empty cell.

    Raises InvalidValue with the reason a user reads when the cell is not acceptable.
    """
    if text is None or is_empty(text):
        if f.required:
            raise InvalidValue(REQUIRED)
        return None
    if len(text) > f.max_chars:
        raise InvalidValue(too_long(f))
    value = _read(f, text)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        if f.min_value is not None and value < f.min_value * _scale(f):
            raise InvalidValue(below_min(f))
        if f.max_value is not None and value > f.max_value * _scale(f):
            raise InvalidValue(above_max(f))
    return value


def parse_row(
    cells: Mapping[str, str | None],
) -> tuple[dict[str, Value], list[tuple[str, str]]]:
    """Values of a row's contract columns and its errors as (column, reason).

    Columns missing from `cells` are unknown. Checks between columns run only when the cells
    they compare were read without error.
    """
    values: dict[str, Value] = {}
    errors: list[tuple[str, str]] = []
    bad: set[str] = set()
    for f in FIELDS:
        try:
            values[f.name] = parse_cell(f, cells.get(f.name))
        except InvalidValue as exc:
            values[f.name] = None
            bad.add(f.name)
            errors.append((f.name, str(exc)))
    for f in FIELDS:
        if f.max_field is None or f.name in bad or f.max_field in bad:
            continue
        value, limit = values[f.name], values[f.max_field]
        if isinstance(value, int) and isinstance(limit, int) and value > limit:
            errors.append((f.name, above_field(f)))
    founded, year = values.get("founded_on"), values.get("year")
    if isinstance(founded, dt.date) and isinstance(year, int) and founded.year > year:
        errors.append(("founded_on", founded_after_year(year)))
    return values, errors
