"""Writes a validated, staged panel into the enterprise tables with dialect upserts.

Rows go in as executemany of one `INSERT ... ON CONFLICT DO UPDATE` per table and batch, the
form SQLite and PostgreSQL share: re-importing an (uscc, year) updates it, never duplicates it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from kechuang.domain.panel import Kind
from kechuang.enterprises.tables import (
    FACT_FIELDS,
    STATIC_FIELDS,
    annual_facts,
    column_name,
    enterprises,
)
from kechuang.enterprises.validation import EXTRA

Rows = list[dict[str, Any]]


def _insert(connection: Connection, table: Table) -> Any:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return sqlite.insert(table)
    if dialect == "postgresql":
        return postgresql.insert(table)
    raise ValueError(f"importing needs SQLite or PostgreSQL, not {dialect}")


def enterprise_upsert(connection: Connection) -> Any:
    """Static attributes: the row of the latest year wins, also against earlier imports."""
    stmt = _insert(connection, enterprises)
    updated = [column_name(f) for f in STATIC_FIELDS] + ["attributes_year", "batch_id"]
    return stmt.on_conflict_do_update(
        index_elements=["uscc"],
        set_={name: stmt.excluded[name] for name in updated},
        where=enterprises.c.attributes_year <= stmt.excluded.attributes_year,
    )


def fact_upsert(connection: Connection) -> Any:
    stmt = _insert(connection, annual_facts)
    updated = [column_name(f) for f in FACT_FIELDS] + [EXTRA, "batch_id"]
    return stmt.on_conflict_do_update(
        index_elements=["uscc", "year"],
        set_={name: stmt.excluded[name] for name in updated},
    )


def _rename(batch: pa.RecordBatch) -> pa.RecordBatch:
    names = []
    for name in batch.schema.names:
        kind = next((f.kind for f in (*STATIC_FIELDS, *FACT_FIELDS) if f.name == name), None)
        names.append(f"{name}_fen" if kind is Kind.YUAN else name)
    return batch.rename_columns(names)


def _rows(batch: pa.RecordBatch, batch_id: int) -> Rows:
    rows: Rows = _rename(batch).to_pylist()
    for row in rows:
        row["batch_id"] = batch_id
        if EXTRA in row and row[EXTRA] is not None:
            # The JSON type serialises itself; hand it the object, not the text.
            row[EXTRA] = json.loads(row[EXTRA])
    return rows


def write(
    connection: Connection,
    statement: Any,
    batches: Iterator[pa.RecordBatch],
    batch_id: int,
    advance: Callable[[int], None] = lambda _n: None,
) -> int:
    """Execute statement for every row of batches; returns the number of rows written."""
    written = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        connection.execute(statement, _rows(batch, batch_id))
        written += batch.num_rows
        advance(batch.num_rows)
    return written
