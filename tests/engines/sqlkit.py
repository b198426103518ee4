"""Test helpers: a panel table built from Python rows, and results of a compiled policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import duckdb

from kechuang.domain.panel import FIELDS
from kechuang.rules.ir import Value
from kechuang.rules.policy import Policy
from kechuang.rules.sql import compile_policy, to_sql

BASE_ROW: dict[str, Any] = {
    "name": "测试企业",
    "district": "310115",
    "industry_code": "M7320",
    "founded_on": dt.date(2015, 6, 1),
    "mainland_resident": True,
    "employees": 100,
    "st_staff": 20,
    "rd_staff": 10,
    "revenue": Decimal("10000000.00"),
}


def panel_connection(rows: Iterable[Mapping[str, Any]]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose table `panel` has the contract's columns and types."""
    con = duckdb.connect()
    columns = ", ".join(f'"{f.name}" {f.sql_type}' for f in FIELDS)
    con.execute(f"CREATE TABLE panel ({columns})")
    names = [f.name for f in FIELDS]
    placeholders = ", ".join("?" for _ in names)
    data = [[_cell(row.get(n)) for n in names] for row in rows]
    if data:
        con.executemany(f"INSERT INTO panel VALUES ({placeholders})", data)
    return con


def _cell(value: object) -> object:
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return value


def run_sql(
    policy: Policy,
    year: int,
    rows: Iterable[Mapping[str, Any]],
    overrides: Mapping[str, Value] | None = None,
    explain: bool = False,
    bounds: Mapping[str, int] | None = None,
) -> dict[str, dict[str, Any]]:
    """{uscc: result row as a dict} of the compiled policy over `rows` (`bounds`: the value
    bounds the compiler may assume, as `compile_policy` takes them)."""
    rows = list(rows)
    con = panel_connection(rows)
    query = compile_policy(policy, year, overrides, explain_columns=explain, bounds=bounds)
    sql = to_sql(query, "duckdb")
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return {r[0]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}


def row(uscc: str, year: int, **facts: Any) -> dict[str, Any]:
    return {**BASE_ROW, "uscc": uscc, "year": year, **facts}


_SCALE = {"yuan": 100, "ratio": 10**6, "number": 10**6, "count": 1, "year": 1}


def tight_bounds(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """The smallest bounds the data respects: max |numerator| of each numeric column."""
    bounds: dict[str, int] = {}
    for f in FIELDS:
        scale = _SCALE.get(f.kind.value)
        if scale is None:
            continue
        values = [abs(Fraction(str(r[f.name])) * scale) for r in rows if r.get(f.name) is not None]
        bounds[f.name] = int(max(values, default=0))
    return bounds
