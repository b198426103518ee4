"""The Parquet snapshot of the stored panel that screening reads (var/panel.parquet).

Its schema is derived from domain.panel.FIELDS: exactly the contract's columns, in order, with
the types of `Field.sql_type`. The generator writes files with the same schema.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, Select, func, select

from kechuang.domain.panel import FIELDS, Field, Kind
from kechuang.enterprises.tables import annual_facts, column_name, enterprises
from kechuang.enterprises.validation import fen_to_decimal
from kechuang.store import config

SNAPSHOT_NAME = "panel.parquet"
SNAPSHOT_BATCH_ROWS = 50_000

_ARROW_TYPES: dict[Kind, pa.DataType] = {
    Kind.TEXT: pa.string(),
    Kind.CODE: pa.string(),
    Kind.YEAR: pa.int32(),
    Kind.DATE: pa.date32(),
    Kind.BOOL: pa.bool_(),
    Kind.COUNT: pa.int64(),
    Kind.YUAN: pa.decimal128(18, 2),
    Kind.RATIO: pa.decimal128(9, 6),
}


def arrow_type(field: Field) -> pa.DataType:
    """The Arrow type of a panel column (the Parquet image of its `sql_type`)."""
    return _ARROW_TYPES[field.kind]


def panel_arrow_schema() -> pa.Schema:
    """The Arrow schema of a panel file: contract columns in contract order.

    Key columns (uscc, name, year) are not nullable; every other column may be null (unknown).
    """
    return pa.schema([pa.field(f.name, arrow_type(f), nullable=not f.required) for f in FIELDS])


def _select() -> Select[Any]:
    columns = []
    for f in FIELDS:
        if f.name in ("uscc", "year"):
            columns.append(annual_facts.c[f.name])
        elif f.static:
            columns.append(enterprises.c[column_name(f)])
        else:
            columns.append(annual_facts.c[column_name(f)])
    return (
        select(*columns)
        .select_from(annual_facts.join(enterprises, annual_facts.c.uscc == enterprises.c.uscc))
        .order_by(annual_facts.c.uscc, annual_facts.c.year)
    )


def _arrow_batch(rows: Sequence[Sequence[Any]], schema: pa.Schema) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True))
    arrays = []
    for f, values in zip(FIELDS, columns, strict=True):
        if f.kind is Kind.YUAN:
            arrays.append(fen_to_decimal(pa.array(values, pa.int64())))
        else:
            arrays.append(pa.array(values, arrow_type(f)))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def snapshot_path() -> Path:
    return config.var_dir() / SNAPSHOT_NAME


def write_snapshot(
    engine: Engine,
    path: Path | None = None,
    advance: Callable[[int], None] = lambda _n: None,
) -> tuple[Path, int]:
    """Write every stored (enterprise, year) to path (default var/panel.parquet) in key order.

    Streams from the database in batches; the file is replaced atomically when complete.
    Returns the path and the number of rows written.
    """
    path = path or snapshot_path()
    schema = panel_arrow_schema()
    partial = path.with_name(path.name + ".partial")
    written = 0
    with (
        engine.connect() as connection,
        pq.ParquetWriter(partial, schema, compression="zstd") as writer,
    ):
        result = connection.execution_options(yield_per=SNAPSHOT_BATCH_ROWS).execute(_select())
        for rows in result.partitions():
            writer.write_batch(_arrow_batch(rows, schema))
            written += len(rows)
            advance(len(rows))
    os.replace(partial, path)
    return path, written


def stored_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(annual_facts)).scalar_one())
