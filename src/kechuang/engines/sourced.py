"""Sourced facts for a screening: the store's fact views written to Parquet, joined into the panel.

A sourced fact (domain.panel.SOURCED_FIELDS) is derived per (uscc, year) by the package that
keeps the records, as a store view named by the field's `source`. A policy that reads one is
screened over the panel LEFT JOIN this file (engines.panel.open_panel `facts`), so the panel
files and the snapshot keep exactly the contract's columns. A windowed sourced fact's view has a
row per record (uscc, day, value); the file holds its sum over the policy's window, under the
evaluation year.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine, text

from kechuang.domain.panel import SOURCED_FIELDS, WINDOW_PARAMETERS, Field, Kind
from kechuang.rules.ir import Fact, PeriodAggregate, Value
from kechuang.rules.policy import Policy
from kechuang.rules.walk import walk

Window = tuple[dt.date, dt.date]

_ARROW: dict[Kind, pa.DataType] = {
    Kind.YUAN: pa.decimal128(18, 2),
    Kind.COUNT: pa.int64(),
    Kind.BOOL: pa.bool_(),
    Kind.RATIO: pa.decimal128(9, 6),
    Kind.NUMBER: pa.decimal128(9, 6),
}


def sourced_fields_read(policy: Policy) -> list[Field]:
    """The sourced facts the policy's expressions read, in catalogue order."""
    names: set[str] = set()
    exprs = [
        *(d.expr for d in policy.definitions),
        *(s.expr for s in policy.scores),
        *(c.expr for c in policy.conditions),
    ]
    if policy.benefit is not None:
        exprs += [policy.benefit.amount, policy.benefit.cap]
    for expr in exprs:
        if expr is None:
            continue
        for node in walk(expr):
            if isinstance(node, Fact):
                names.add(node.name)
            elif isinstance(node, PeriodAggregate):
                names.add(node.fact)
    return [f for f in SOURCED_FIELDS if f.name in names]


def policy_window(
    policy: Policy, year: int, overrides: Mapping[str, Value] | None = None
) -> Window | None:
    """The window [window_from, window_to] of `policy` for evaluation year `year` (overrides
    applied), or None if it has none (the loader requires one where a windowed fact is read)."""
    values = policy.parameter_values(year, dict(overrides or {}))
    start, end = (values.get(name) for name in WINDOW_PARAMETERS)
    if isinstance(start, dt.date) and isinstance(end, dt.date):
        return start, end
    return None


def _column(f: Field) -> str:
    return f"{f.name}_fen" if f.kind is Kind.YUAN else f.name


def window_sums(
    connection: Connection, fields: list[Field], window: Window, uscc: str | None = None
) -> dict[str, dict[str, object]]:
    """{uscc: {fact: sum}} of windowed `fields` over the records with window[0] <= day <=
    window[1] (one enterprise if `uscc` is given). Enterprises without records are absent."""
    out: dict[str, dict[str, object]] = {}
    by_source: dict[str, list[Field]] = {}
    for f in fields:
        assert f.source is not None and f.windowed
        by_source.setdefault(f.source, []).append(f)
    for source, wanted in by_source.items():
        sums = ", ".join(f"SUM({_column(f)})" for f in wanted)
        where = "day >= :start AND day <= :end" + (" AND uscc = :uscc" if uscc else "")
        # The view name comes from the catalogue, never from input.
        query = text(f"SELECT uscc, {sums} FROM {source} WHERE {where} GROUP BY uscc")
        params = {"start": window[0], "end": window[1], "uscc": uscc}
        for row in connection.execute(query, params):
            record = out.setdefault(str(row[0]), {})
            for f, value in zip(wanted, row[1:], strict=True):
                record[f.name] = value
    return out


def write_sourced_facts(
    engine: Engine,
    fields: list[Field],
    path: Path,
    year: int | None = None,
    window: Window | None = None,
) -> Path:
    """Write uscc, year and `fields` (every field of them) from their store views to `path`.

    Windowed fields are summed over `window` and written under `year` (both required then)."""
    by_source: dict[str, list[Field]] = {}
    windowed = [f for f in fields if f.windowed]
    for f in fields:
        assert f.source is not None
        if not f.windowed:
            by_source.setdefault(f.source, []).append(f)
    columns: dict[tuple[str, int], dict[str, object]] = {}
    with engine.connect() as connection:
        for source, wanted in by_source.items():
            select = ", ".join(["uscc", "year", *(_column(f) for f in wanted)])
            # The view name comes from the catalogue, never from input.
            for row in connection.execute(text(f"SELECT {select} FROM {source}")):
                record = columns.setdefault((str(row[0]), int(row[1])), {})
                for f, value in zip(wanted, row[2:], strict=True):
                    record[f.name] = value
        if windowed:
            if year is None or window is None:
                raise ValueError("windowed sourced facts need the evaluation year and a window")
            for uscc, sums in window_sums(connection, windowed, window).items():
                columns.setdefault((uscc, year), {}).update(sums)
    keys = sorted(columns)
    arrays: dict[str, pa.Array] = {
        "uscc": pa.array([k[0] for k in keys], pa.string()),
        "year": pa.array([k[1] for k in keys], pa.int32()),
    }
    for f in fields:
        values = [columns[k].get(f.name) for k in keys]
        if f.kind is Kind.YUAN:
            # Stored in whole fen: the exact yuan is the same integer scaled by 10^-2.
            arrays[f.name] = pa.array(
                [None if v is None else Decimal(int(str(v))).scaleb(-2) for v in values],
                _ARROW[Kind.YUAN],
            )
        elif f.kind is Kind.BOOL:
            arrays[f.name] = pa.array([None if v is None else bool(v) for v in values], pa.bool_())
        else:
            arrays[f.name] = pa.array(values, _ARROW[f.kind])
    partial = path.with_name(path.name + ".partial")
    pq.write_table(pa.table(arrays), partial)
    os.replace(partial, path)
    return path
