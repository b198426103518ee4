"""Incubators and their tenants: the limits of 国科发区〔2018〕300号 as dated parameters
(incubation.yaml), each tenant's age at entry and incubation length checked against them, and
graduation outcomes linked to the tiers the graduates hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from kechuang.cultivation.tables import Incubator, Tenant
from kechuang.cultivation.tiers import TierFiles
from kechuang.engines import duckdb_cursor
from kechuang.rules import safe_yaml


@dataclass(frozen=True)
class Limits:
    max_age_at_entry_months: int
    max_incubation_months: int
    max_incubation_months_long: int
    long_limit_industries: tuple[str, ...]


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    text = (resources.files("kechuang.cultivation") / "incubation.yaml").read_text("utf-8")
    return dict(safe_yaml.load(text))


def limits_on(day: dt.date) -> Limits:
    """The limits in force on `day` (the latest value whose `from` is not after it)."""
    doc = _document()
    values: dict[str, int] = {}
    for name, parameter in doc["parameters"].items():
        dated = sorted(parameter["values"], key=lambda v: v["from"])
        in_force = [v for v in dated if v["from"] <= day] or dated[:1]
        values[name] = int(in_force[-1]["value"])
    return Limits(**values, long_limit_industries=tuple(doc["long_limit_industries"]))


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from start to end (a month counts once its day of month is reached)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    return months - 1 if end.day < start.day else months


@dataclass(frozen=True)
class TenantView:
    incubator_code: str
    incubator_zh: str
    incubator_en: str
    uscc: str
    name: str
    industry_code: str | None
    founded_on: dt.date | None
    entered_on: dt.date
    graduated_on: dt.date | None
    left_on: dt.date | None
    status: str  # incubating | graduated | left
    age_at_entry_months: int | None
    incubation_months: int
    limit_months: int
    over_age_at_entry: bool
    over_incubation_limit: bool
    tier_at_end: str | None  # tier in the year of graduation/leaving, or in the last year
    tier_latest: str | None


def _tiers(files: TierFiles | None) -> tuple[dict[tuple[str, int], str | None], dict[str, Any]]:
    if files is None:
        return {}, {}
    rows = duckdb_cursor.fetchall(
        f"SELECT uscc, year, tier, founded_on, industry_code FROM read_parquet('{files.tiers}')"
    )
    by_year = {(u, int(y)): t for u, y, t, _, _ in rows}
    facts = {u: (f, i) for u, _, _, f, i in rows}
    return by_year, facts


def tenants(engine: Engine, files: TierFiles | None, as_of: dt.date) -> list[TenantView]:
    with engine.connect() as conn:
        incubators = {i.code: i for i in conn.execute(select(Incubator)).all()}
        stays = conn.execute(
            select(Tenant).order_by(Tenant.incubator_code, Tenant.entered_on)
        ).all()
    tiers_by_year, facts = _tiers(files)
    last_year = max(files.years) if files and files.years else as_of.year
    out = []
    for stay in stays:
        founded_on, industry = facts.get(stay.uscc, (None, None))
        limits = limits_on(stay.entered_on)
        long = industry is not None and str(industry).startswith(limits.long_limit_industries)
        limit = limits.max_incubation_months_long if long else limits.max_incubation_months
        end = stay.graduated_on or stay.left_on or as_of
        status = "graduated" if stay.graduated_on else "left" if stay.left_on else "incubating"
        age = months_between(founded_on, stay.entered_on) if founded_on else None
        length = months_between(stay.entered_on, end)
        end_year = min(end.year, last_year)
        incubator = incubators[stay.incubator_code]
        out.append(
            TenantView(
                stay.incubator_code,
                incubator.name_zh,
                incubator.name_en,
                stay.uscc,
                stay.name,
                industry,
                founded_on,
                stay.entered_on,
                stay.graduated_on,
                stay.left_on,
                status,
                age,
                length,
                limit,
                age is not None and age > limits.max_age_at_entry_months,
                length > limit,
                tiers_by_year.get((stay.uscc, end_year)),
                tiers_by_year.get((stay.uscc, last_year)),
            )
        )
    return out


@dataclass(frozen=True)
class IncubatorRow:
    code: str
    name_zh: str
    name_en: str
    district: str
    level: str
    incubating: int
    graduated_in_year: int
    graduates_with_tier: int  # graduates of the year holding any rung at the latest year
    over_limit: int


def by_incubator(engine: Engine, views: Iterable[TenantView], year: int) -> list[IncubatorRow]:
    with engine.connect() as conn:
        incubators = conn.execute(select(Incubator).order_by(Incubator.code)).all()
    end = dt.date(year, 12, 31)
    rows = []
    views = list(views)
    for inc in incubators:
        mine = [v for v in views if v.incubator_code == inc.code]
        incubating = [
            v
            for v in mine
            if v.entered_on <= end and (v.graduated_on or v.left_on or dt.date.max) > end
        ]
        graduated = [v for v in mine if v.graduated_on and v.graduated_on.year == year]
        rows.append(
            IncubatorRow(
                inc.code,
                inc.name_zh,
                inc.name_en,
                inc.district,
                inc.level,
                len(incubating),
                len(graduated),
                sum(1 for v in graduated if v.tier_latest),
                sum(1 for v in incubating if v.over_incubation_limit),
            )
        )
    return rows


def outcomes(views: Iterable[TenantView]) -> dict[str, dict[str, int]]:
    """Graduates and leavers by their tier at the end of the stay: status -> tier -> count."""
    found: dict[str, dict[str, int]] = {}
    for v in views:
        if v.status == "incubating":
            continue
        tier = v.tier_at_end or ""
        found.setdefault(v.status, {})[tier] = found.setdefault(v.status, {}).get(tier, 0) + 1
    return found


def document_path() -> Path:
    return Path(str(resources.files("kechuang.cultivation") / "incubation.yaml"))
