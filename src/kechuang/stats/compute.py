"""Compute every indicator of the catalogue in DuckDB: by year, and by year and breakdown.

For each indicator and breakdown one query aggregates the source's rows by year (and key); the
value is measure / divisor, or measure / denominator × multiplier / divisor, in exact Decimal
(DuckDB returns integers and DECIMALs exactly; no float touches an amount). Growth is the
year-over-year change of the value; 可比增长 (comparable growth) compares the measure over the
same enterprises only: those with a panel row in both years, each year's measure restricted
to them, so entrants and leavers do not count as growth.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from kechuang.stats.catalogue import BREAKDOWNS, Indicator

HUNDRED = Decimal(100)
TOTAL = "total"


@dataclass(frozen=True)
class Value:
    indicator: str
    dimension: str  # "total" or a breakdown
    key: str | None  # the breakdown's value (None for the total, or an unknown district)
    year: int
    value: Decimal | None
    growth: Decimal | None  # percent, against the previous year's value
    comparable_growth: Decimal | None  # percent, over the enterprises present in both years


def _number(raw: Any) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, int):
        return Decimal(raw)
    raise TypeError(f"an indicator's measure must be exact (integer or decimal), got {raw!r}")


def _value(indicator: Indicator, measure: Any, denominator: Any) -> Decimal | None:
    m = _number(measure)
    if m is None:
        return None
    if indicator.denominator is not None:
        d = _number(denominator)
        if not d:
            return None
        m = m / d * indicator.multiplier
    return m / indicator.divisor


def _growth(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    if now is None or not before:
        return None
    return (now / before - 1) * HUNDRED


def _query(indicator: Indicator, dimension: str | None) -> str:
    key = BREAKDOWNS[dimension] if dimension else "NULL"
    denominator = indicator.denominator or "NULL"
    where = f"WHERE {indicator.where}" if indicator.where else ""
    return (
        f"SELECT year, CAST({key} AS VARCHAR) AS key, {indicator.measure} AS m, "
        f"{denominator} AS d FROM {indicator.source} {where} GROUP BY ALL"
    )


def _comparable(
    con: duckdb.DuckDBPyConnection, indicator: Indicator, dimension: str | None
) -> dict[tuple[int, str | None], tuple[Any, Any]]:
    """(year, key) -> (measure in the year, measure in the year before), same enterprises."""
    key = BREAKDOWNS[dimension] if dimension else "NULL"
    where = f"WHERE {indicator.where}" if indicator.where else ""
    base = f"SELECT *, CAST({key} AS VARCHAR) AS key_ FROM {indicator.source} {where}"
    present = "present"  # sources.connect: DISTINCT (uscc, year) of the panel
    now = con.sql(
        f"SELECT b.year, b.key_, {indicator.measure} FROM ({base}) b SEMI JOIN {present} p "
        "ON p.uscc = b.uscc AND p.year = b.year - 1 GROUP BY ALL"
    ).fetchall()
    before = con.sql(
        f"SELECT b.year + 1, b.key_, {indicator.measure} FROM ({base}) b SEMI JOIN {present} p "
        "ON p.uscc = b.uscc AND p.year = b.year + 1 GROUP BY ALL"
    ).fetchall()
    pairs: dict[tuple[int, str | None], list[Any]] = {}
    for year, k, m in now:
        pairs.setdefault((int(year), k), [None, None])[0] = m
    for year, k, m in before:
        pairs.setdefault((int(year), k), [None, None])[1] = m
    return {k: (v[0], v[1]) for k, v in pairs.items()}


def compute(
    con: duckdb.DuckDBPyConnection, indicators: Iterable[Indicator], years: Iterable[int]
) -> list[Value]:
    """Every indicator for `years`, as a total and by each of its breakdowns."""
    wanted = set(years)
    out: list[Value] = []
    for indicator in indicators:
        for dimension in (None, *indicator.breakdowns):
            rows = con.sql(_query(indicator, dimension)).fetchall()
            values = {
                (int(year), key): _value(indicator, m, d)
                for year, key, m, d in rows
                if year is not None
            }
            if dimension is None and indicator.additive:
                # No rows in a year means none counted, not an unknown figure.
                for year in wanted:
                    values.setdefault((year, None), Decimal(0))
            comparable = _comparable(con, indicator, dimension) if indicator.comparable else {}
            for (year, key), value in sorted(
                values.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))
            ):
                if year not in wanted:
                    continue
                now, before = comparable.get((year, key), (None, None))
                out.append(
                    Value(
                        indicator.id,
                        dimension or TOTAL,
                        key,
                        year,
                        value,
                        _growth(value, values.get((year - 1, key))),
                        _growth(_number(now), _number(before)) if indicator.comparable else None,
                    )
                )
    return out
