"""The self-check (政策计算器): a few figures of one enterprise, checked against every policy in
force, with the outcome, the reasons and the gap; the same scalar evaluator as the enterprise's
own page. Figures the visitor leaves empty are unknown, never zero.

Bad input is refused whole, each error naming its field in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from kechuang.domain import district, industry
from kechuang.domain.panel import FIELDS
from kechuang.policies import catalogue
from kechuang.rules.policy import Policy
from kechuang.rules.scalar import evaluate
from kechuang.rules.verdict import Verdict

MAX_YUAN = Decimal(10) ** 13  # ten trillion yuan: beyond any enterprise
MAX_COUNT = 10_000_000
FIRST_YEAR, LAST_YEAR = 2016, 2030


@dataclass(frozen=True)
class Input:
    """One form field: its name, labels and kind (yuan, count, code, date)."""

    name: str
    label_zh: str
    label_en: str
    kind: str
    fact: str
    years_ago: int = 0


INPUTS = (
    Input(
        "industry_code",
        "行业代码（如 M7320）",
        "Industry code (e.g. M7320)",
        "industry",
        "industry_code",
    ),
    Input(
        "district",
        "所在区（代码，如 310115）",
        "District (code, e.g. 310115)",
        "district",
        "district",
    ),
    Input("founded_on", "成立日期", "Date of registration", "date", "founded_on"),
    Input("employees", "职工总数", "Employees", "count", "employees"),
    Input("rd_staff", "研发人员数", "R&D staff", "count", "rd_staff"),
    Input("revenue", "营业收入（元）", "Revenue (yuan)", "yuan", "revenue"),
    Input(
        "revenue_prev", "上年营业收入（元）", "Revenue the year before (yuan)", "yuan", "revenue", 1
    ),
    Input("rd_expense", "研发费用（元）", "R&D expense (yuan)", "yuan", "rd_expense"),
    Input("total_assets", "资产总额（元）", "Total assets (yuan)", "yuan", "total_assets"),
    Input(
        "equity_financing",
        "新增股权融资（元）",
        "New equity financing (yuan)",
        "yuan",
        "equity_financing",
    ),
)


@dataclass(frozen=True)
class FieldError:
    field: str
    zh: str
    en: str

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class Refused(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.en for e in errors))
        self.errors = errors


def _yuan(raw: str, i: Input) -> tuple[Decimal | None, FieldError | None]:
    text = raw.replace(",", "").replace("，", "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, FieldError(
            i.name,
            f"{i.label_zh}：“{raw}”不是金额（请填写数字，如 12000000）",
            f"{i.label_en}: {raw!r} is not an amount (write a number, e.g. 12000000)",
        )
    if (
        not value.is_finite()
        or value < 0
        or value >= MAX_YUAN
        or value != value.quantize(Decimal("0.01"))
    ):
        return None, FieldError(
            i.name,
            f"{i.label_zh}：金额须为不小于0的数，最多两位小数",
            f"{i.label_en}: an amount is at least 0, with at most two decimals",
        )
    return value, None


def _count(raw: str, i: Input) -> tuple[int | None, FieldError | None]:
    text = raw.strip()
    if not text.isdigit() or int(text) > MAX_COUNT:
        return None, FieldError(
            i.name,
            f"{i.label_zh}：“{raw}”不是人数（请填写0或正整数）",
            f"{i.label_en}: {raw!r} is not a count (write 0 or a whole number)",
        )
    return int(text), None


def _one(raw: str, i: Input) -> tuple[Any, FieldError | None]:
    if i.kind == "yuan":
        return _yuan(raw, i)
    if i.kind == "count":
        return _count(raw, i)
    if i.kind == "industry":
        try:
            return industry.validate(raw), None
        except ValueError:
            return None, FieldError(
                i.name,
                f"{i.label_zh}：“{raw}”不是国民经济行业分类代码（GB/T 4754-2017）",
                f"{i.label_en}: {raw!r} is not a GB/T 4754-2017 industry code",
            )
    if i.kind == "district":
        try:
            return district.validate(raw), None
        except ValueError:
            return None, FieldError(
                i.name,
                f"{i.label_zh}：“{raw}”不是上海市的区代码",
                f"{i.label_en}: {raw!r} is not a Shanghai district code",
            )
    try:
        return dt.date.fromisoformat(raw.strip()), None
    except ValueError:
        return None, FieldError(
            i.name,
            f"{i.label_zh}：“{raw}”不是日期（如 2018-05-01）",
            f"{i.label_en}: {raw!r} is not a date (e.g. 2018-05-01)",
        )


def history_of(form: Mapping[str, str], year: int) -> dict[int, dict[str, Any]]:
    """The visitor's figures as the panel rows of `year` and the year before (unknown where
    left empty); Refused with every bad field."""
    errors: list[FieldError] = []
    if not FIRST_YEAR <= year <= LAST_YEAR:
        errors.append(
            FieldError(
                "year",
                f"评价年度须在{FIRST_YEAR}至{LAST_YEAR}之间",
                f"the year is {FIRST_YEAR} to {LAST_YEAR}",
            )
        )
    rows: dict[int, dict[str, Any]] = {
        y: {f.name: None for f in FIELDS} | {"year": y, "name": "自查企业"}
        for y in (year - 1, year)
    }
    given = 0
    for i in INPUTS:
        raw = (form.get(i.name) or "").strip()
        if not raw:
            continue
        if len(raw) > 40:
            errors.append(FieldError(i.name, f"{i.label_zh}：内容过长", f"{i.label_en}: too long"))
            continue
        value, error = _one(raw, i)
        if error is not None:
            errors.append(error)
            continue
        given += 1
        rows[year - i.years_ago][i.fact] = value
        if i.fact in ("industry_code", "district", "founded_on"):  # static facts: every year
            rows[year - 1][i.fact] = value
    staff, people = rows[year]["rd_staff"], rows[year]["employees"]
    if staff is not None and people is not None and staff > people:
        errors.append(
            FieldError(
                "rd_staff", "研发人员数不能多于职工总数", "R&D staff cannot exceed the employees"
            )
        )
    if not given and not errors:
        errors.append(FieldError("", "请至少填写一项数据", "fill in at least one figure"))
    if errors:
        raise Refused(errors)
    return rows


def check(form: Mapping[str, str], year: int) -> list[tuple[Policy, Verdict]]:
    """Every policy in force in `year` for the visitor's figures (nothing is stored)."""
    history = history_of(form, year)
    return [(p, evaluate(p, history, year)) for p in catalogue.in_force(year)]
