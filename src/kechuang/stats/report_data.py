"""What the annual report shows, gathered from the stored data into plain values for a template.

Indicators come from stats.service (one computation shared with the dashboard); tiers, moves
and the cohort from cultivation; the incubators' outcomes, the biomedicine tables (products with
holders and approval dates, admissions per hospital) read here. Numbers are formatted as text
by the template's filters; chart series are exact decimal text (ECharts parses them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, case, func, select
from sqlalchemy.orm import Session

from kechuang.cultivation import incubation, ladder, transitions
from kechuang.engines import duckdb_cursor
from kechuang.stats import catalogue, sources
from kechuang.stats.compute import Value
from kechuang.stats.service import Results, key_label, results
from kechuang.stats.tables import Admission, Product
from kechuang.stats.workday_target import TARGET_WORKDAYS


@dataclass(frozen=True)
class IndicatorRow:
    indicator: catalogue.Indicator
    now: Value | None
    before: Value | None
    series: list[tuple[int, Decimal | None]]


def _rows(found: Results, year: int) -> list[IndicatorRow]:
    rows = []
    for ind in catalogue.catalogue():
        series = [(y, found.total(ind.id, y)) for y in found.years if y <= year]
        rows.append(IndicatorRow(ind, found.get(ind.id, year), found.get(ind.id, year - 1), series))
    return rows


def _hospitals(engine: Engine, year: int) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Admission.hospital_name,
                Admission.district,
                func.count(),
                func.sum(Admission.workdays),
                func.sum(case((Admission.workdays <= TARGET_WORKDAYS, 1), else_=0)),
                func.min(Admission.listed_on),
                func.max(Admission.listed_on),
            )
            .where(Admission.listed_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
            .group_by(Admission.hospital_name, Admission.district)
            .order_by(func.count().desc(), Admission.hospital_name)
        ).all()
    out = []
    for name, where, count, days, on_time, first, last in rows:
        out.append(
            {
                "hospital": name,
                "district": where,
                "admissions": int(count),
                "mean_days": Decimal(int(days)) / Decimal(int(count)),
                "on_time": int(on_time or 0),
                "first": first,
                "last": last,
            }
        )
    return out


def _products(engine: Engine, year: int) -> list[dict[str, Any]]:
    with Session(engine) as conn:
        counted = (
            select(
                Admission.product_id,
                func.count().label("n"),
                func.min(Admission.workdays).label("fastest"),
                func.min(Admission.listed_on).label("first_listed"),
            )
            .group_by(Admission.product_id)
            .subquery()
        )
        rows = conn.execute(
            select(Product, counted.c.n, counted.c.fastest, counted.c.first_listed)
            .outerjoin(counted, counted.c.product_id == Product.id)
            .where(Product.approved_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
            .order_by(Product.kind.desc(), Product.approved_on)
        ).all()
    return [
        {"product": p, "hospitals": int(n or 0), "fastest": fastest, "first_listed": first}
        for p, n, fastest, first in rows
    ]


def gather(engine: Engine, year: int) -> dict[str, Any]:
    """Everything the report template needs for `year`."""
    found = results(engine)
    files = found.tiers
    moves = transitions.moves(files, year, loss_limit=12) if year - 1 in files.years else None
    views = incubation.tenants(engine, files, dt.date(year, 12, 31))
    panel = str(files.tiers)
    by_tier = duckdb_cursor.fetchall(
        f"SELECT coalesce(tier, ''), count(*) FROM read_parquet('{panel}') "
        f"WHERE year = {int(year)} GROUP BY 1"
    )
    return {
        "year": year,
        "years": [y for y in found.years if y <= year],
        "generated": dt.datetime.now().replace(microsecond=0),
        "found": found,
        "rows": _rows(found, year),
        "sections": catalogue.SECTIONS,
        "section_names": catalogue.SECTION_NAMES,
        "sources": sources.SOURCES,
        "source_sql": {name: sources.definition(name) for name in sources.SOURCES},
        "rungs": ladder.rungs(),
        "funnel": [r for r in transitions.funnel(files) if r.year == year],
        "tier_counts": {str(k): int(v) for k, v in by_tier},
        "moves": moves,
        "cohort": transitions.cohort(files),
        "incubators": incubation.by_incubator(engine, views, year),
        "incubation_outcomes": incubation.outcomes(views),
        "limits": incubation.limits_on(dt.date(year, 12, 31)),
        "hospitals": _hospitals(engine, year),
        "products": _products(engine, year),
        "target_workdays": TARGET_WORKDAYS,
        "key_label": key_label,
        "tier_label": ladder.tier_label,
    }
