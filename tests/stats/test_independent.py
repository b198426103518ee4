"""Indicators against the same figures computed independently, in plain Python over the rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from statistics import median_low

import chinese_calendar
import pyarrow.parquet as pq
from sqlalchemy import select

from kechuang.stats.service import results
from kechuang.stats.tables import Admission, Product
from tests.stats.world import World

YI = Decimal(100_000_000)


def _rows(world: World) -> list[dict[str, object]]:
    return pq.read_table(world.panel).to_pylist()


def test_revenue_and_its_comparable_growth(world_env: World) -> None:
    rows = _rows(world_env)
    found = results(world_env.engine)
    totals: dict[int, Decimal] = defaultdict(Decimal)
    by_year: dict[int, dict[str, Decimal | None]] = defaultdict(dict)
    for r in rows:
        by_year[int(r["year"])][str(r["uscc"])] = r["revenue"]  # type: ignore[assignment]
        if r["revenue"] is not None:
            totals[int(r["year"])] += r["revenue"]  # type: ignore[operator]
    for year in (2022, 2023, 2024):
        assert found.total("revenue", year) == totals[year] / YI
    # 可比增长: the same enterprises (rows in both years), each year's sum over them only.
    for year in (2023, 2024):
        both = set(by_year[year]) & set(by_year[year - 1])
        now = sum((by_year[year][u] or Decimal(0)) for u in both)
        before = sum((by_year[year - 1][u] or Decimal(0)) for u in both)
        expected = (now / before - 1) * 100
        value = found.get("revenue", year)
        assert value is not None and value.comparable_growth == expected
        assert value.growth == (totals[year] / totals[year - 1] - 1) * 100


def test_rd_intensity_and_enterprises_by_district(world_env: World) -> None:
    rows = _rows(world_env)
    found = results(world_env.engine)
    rd = sum(
        r["rd_expense"]
        for r in rows
        if r["year"] == 2024 and r["rd_expense"] is not None and r["revenue"] is not None
    )
    revenue = sum(
        r["revenue"]
        for r in rows
        if r["year"] == 2024 and r["rd_expense"] is not None and r["revenue"] is not None
    )
    assert found.total("rd_intensity", 2024) == Decimal(rd) / Decimal(revenue) * 100
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        if r["year"] == 2024:
            counts[str(r["district"])] += 1
    computed = {v.key: v.value for v in found.breakdown("enterprises", "district", 2024)}
    assert computed == {k: Decimal(n) for k, n in counts.items()}


def test_listed_companies_by_park(world_env: World) -> None:
    rows = _rows(world_env)
    found = results(world_env.engine)
    counts: dict[str | None, int] = defaultdict(int)
    for r in rows:
        if r["year"] == 2023 and r["listed_board"] is not None:
            counts[r["park"]] += 1  # type: ignore[index]
    computed = {v.key: v.value for v in found.breakdown("listed_companies", "park", 2023)}
    assert computed == {k: Decimal(n) for k, n in counts.items()}


def _workdays(start: dt.date, end: dt.date) -> int:
    # Counted here straight from chinese_calendar, day by day, not through domain.workdays.
    return sum(
        1
        for n in range(1, (end - start).days + 1)
        if chinese_calendar.is_workday(start + dt.timedelta(days=n))
    )


def test_admission_indicators(world_env: World) -> None:
    found = results(world_env.engine)
    with world_env.engine.connect() as conn:
        rows = conn.execute(
            select(Admission.listed_on, Product.approved_on, Product.national_list_on).join(
                Product, Product.id == Admission.product_id
            )
        ).all()
    days: dict[int, list[int]] = defaultdict(list)
    for listed_on, approved_on, national in rows:
        start = max(approved_on, national) if national else approved_on
        days[listed_on.year].append(_workdays(start, listed_on))
    for year in (2023, 2024):
        sample = days[year]
        assert sample, "the demo has admissions every year"
        assert found.total("admissions", year) == len(sample)
        assert found.total("admission_workdays_mean", year) == Decimal(sum(sample)) / len(sample)
        assert found.total("admission_workdays_median", year) == median_low(sample)
        on_time = Decimal(sum(1 for d in sample if d <= 15)) / len(sample) * 100
        assert found.total("admission_on_time_share", year) == on_time


def test_drugs_and_devices_by_approval_year(world_env: World) -> None:
    found = results(world_env.engine)
    with world_env.engine.connect() as conn:
        rows = conn.execute(select(Product.kind, Product.approved_on)).all()
    for year in (2022, 2023, 2024):
        drugs = sum(1 for kind, day in rows if kind == "drug" and day.year == year)
        devices = sum(1 for kind, day in rows if kind == "device" and day.year == year)
        assert found.total("innovative_drugs", year) == drugs
        assert found.total("innovative_devices", year) == devices
