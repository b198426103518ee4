"""Writes a validated, staged panel into the enterprise tables with dialect upserts.

Both stores get `INSERT ... ON CONFLICT DO UPDATE`: re-importing an (uscc, year) updates it,
never duplicates it, and an enterprise's static attributes change only for a year at least as
late as the one that last set them. The rows bypass SQLAlchemy's per-value processing, which
dominated the import, and go to the driver of the same connection (so in the same transaction):

- SQLite: `executemany` of one prepared statement over plain tuples, with a larger page cache
  for the duration of the import (synchronous is left as is; temp_store cannot change inside
  the transaction, and an upsert needs no temporary storage);
- PostgreSQL: `COPY` (CSV written by Arrow) into a temporary staging table that is dropped at
  commit, then one `INSERT ... SELECT ... ON CONFLICT DO UPDATE` per table.

Values are stored exactly as SQLAlchemy's types store them (dates as ISO text and booleans as
0/1 on SQLite, ratios as REAL on SQLite, `extra` as JSON text with a JSON null when empty), so
rows written here and rows written through the ORM cannot be told apart.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy import Connection, Table

from kechuang.domain.panel import Kind
from kechuang.enterprises.tables import (
    FACT_FIELDS,
    STATIC_FIELDS,
    annual_facts,
    column_name,
    enterprises,
)
from kechuang.enterprises.validation import EXTRA

Advance = Callable[[int], None]

# SQLite page cache for the import transaction (KiB, as a negative cache_size): the primary-key
# indexes of a million-row panel then stay in memory instead of spilling to the WAL.
SQLITE_CACHE_KIB = 256 * 1024

ENTERPRISE_COLUMNS = ["uscc", *(column_name(f) for f in STATIC_FIELDS), "attributes_year"]
FACT_COLUMNS = ["uscc", "year", *(column_name(f) for f in FACT_FIELDS), EXTRA]
_KINDS = {column_name(f): f.kind for f in (*STATIC_FIELDS, *FACT_FIELDS)}


def _upsert_sql(table: Table, columns: list[str], key: list[str], where: str | None) -> str:
    names = [*columns, "batch_id"]
    updated = [name for name in names if name not in key]
    sets = ", ".join(f"{name} = excluded.{name}" for name in updated)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}"
    )
    return f"{sql} WHERE {where}" if where else sql


# Static attributes: the row of the latest year wins, also against earlier imports.
_LATER = "enterprises.attributes_year <= excluded.attributes_year"
_ENTERPRISES = (enterprises, ENTERPRISE_COLUMNS, ["uscc"], _LATER)
_FACTS = (annual_facts, FACT_COLUMNS, ["uscc", "year"], None)


def _renamed(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Staged names -> stored names (yuan amounts carry their unit: revenue -> revenue_fen)."""
    names = [
        f"{name}_fen" if _KINDS.get(f"{name}_fen") is Kind.YUAN else name
        for name in batch.schema.names
    ]
    return batch.rename_columns(names)


def _extra_json(column: pa.Array) -> pa.Array:
    """Staged extras (compact JSON text) as SQLAlchemy's JSON type stores them ('null' if none)."""
    if column.null_count == len(column):
        return pa.array(["null"] * len(column), pa.string())
    texts = column.to_pylist()
    return pa.array(["null" if t is None else json.dumps(json.loads(t)) for t in texts])


def _python(column: pa.Array) -> list[Any]:
    """column.to_pylist() for strings, integers, booleans and floats, through NumPy (faster)."""
    if pa.types.is_string(column.type) or not column.null_count:
        return list(column.to_numpy(zero_copy_only=False).tolist())
    zero = pa.scalar(False if pa.types.is_boolean(column.type) else 0, column.type)
    values = list(pc.fill_null(column, zero).to_numpy(zero_copy_only=False).tolist())
    for position in np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False)).tolist():
        values[position] = None
    return values


def _sqlite_column(name: str, column: pa.Array) -> list[Any]:
    kind = column.type
    if name == EXTRA:
        return _python(_extra_json(column))
    if pa.types.is_date(kind):
        return _python(pc.cast(column, pa.string()))  # YYYY-MM-DD, as SQLAlchemy's Date
    if pa.types.is_boolean(kind):
        return _python(pc.cast(column, pa.int8()))
    if pa.types.is_decimal(kind):
        # SQLAlchemy's Numeric binds float(Decimal) on SQLite: the correctly rounded quotient
        # of the unscaled integer (exact in a double below 2**53) by 10**scale.
        assert kind.precision <= 15, kind
        unscaled = pc.cast(pc.multiply(column, _unscale(kind.scale)), pa.int64())
        floats = pc.divide(pc.cast(unscaled, pa.float64()), float(10**kind.scale))
        return _python(floats)
    return _python(column)


def _unscale(scale: int) -> pa.Scalar:
    return pa.scalar(Decimal(10**scale), pa.decimal128(scale + 1, 0))


def _sqlite_rows(batch: pa.RecordBatch, columns: list[str], batch_id: int) -> list[tuple[Any, ...]]:
    batch = _renamed(batch)
    values = [_sqlite_column(name, batch.column(name)) for name in columns]
    values.append([batch_id] * batch.num_rows)
    return list(zip(*values, strict=True))


def _pragma(driver: Any, name: str, value: object | None = None) -> Any:
    if value is None:
        return driver.execute(f"PRAGMA {name}").fetchone()[0]
    driver.execute(f"PRAGMA {name} = {value}")
    return None


def _write_sqlite(
    connection: Connection,
    batch_id: int,
    enterprise_batches: Iterable[pa.RecordBatch],
    fact_batches: Callable[[], Iterable[pa.RecordBatch]],
    stages: Callable[[str], Advance],
) -> None:
    driver = connection.connection.driver_connection
    assert driver is not None
    saved = {name: _pragma(driver, name) for name in ("cache_size",)}
    _pragma(driver, "cache_size", -SQLITE_CACHE_KIB)
    try:
        for label, spec, batches in (
            ("storing enterprises", _ENTERPRISES, enterprise_batches),
            ("storing facts", _FACTS, None),
        ):
            advance = stages(label)
            table, columns, key, where = spec
            sql = _upsert_sql(table, columns, key, where)
            for batch in batches if batches is not None else fact_batches():
                if batch.num_rows:
                    driver.executemany(sql, _sqlite_rows(batch, columns, batch_id))
                    advance(batch.num_rows)
    finally:
        for name, value in saved.items():
            _pragma(driver, name, value)


def _csv_bytes(batch: pa.RecordBatch, columns: list[str], batch_id: int) -> bytes:
    """Batch as PostgreSQL CSV: NULL is an unquoted empty field, every string is quoted."""
    batch = _renamed(batch)
    arrays = [_extra_json(batch.column(n)) if n == EXTRA else batch.column(n) for n in columns]
    arrays.append(pa.array([batch_id] * batch.num_rows, pa.int32()))
    table = pa.Table.from_arrays(arrays, names=[*columns, "batch_id"])
    out = io.BytesIO()
    pcsv.write_csv(table, out, pcsv.WriteOptions(include_header=False, quoting_style="needed"))
    return out.getvalue()


def _write_postgresql(
    connection: Connection,
    batch_id: int,
    enterprise_batches: Iterable[pa.RecordBatch],
    fact_batches: Callable[[], Iterable[pa.RecordBatch]],
    stages: Callable[[str], Advance],
) -> None:
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        for label, spec, batches in (
            ("storing enterprises", _ENTERPRISES, enterprise_batches),
            ("storing facts", _FACTS, None),
        ):
            table, columns, key, where = spec
            names = ", ".join([*columns, "batch_id"])
            stage = f"kc_import_{table.name}"
            cursor.execute(
                f"CREATE TEMPORARY TABLE {stage} (LIKE {table.name} INCLUDING DEFAULTS) "
                "ON COMMIT DROP"
            )
            advance = stages(label)
            with cursor.copy(f"COPY {stage} ({names}) FROM STDIN (FORMAT csv)") as copy:
                for batch in batches if batches is not None else fact_batches():
                    if batch.num_rows:
                        copy.write(_csv_bytes(batch, columns, batch_id))
                        advance(batch.num_rows)
            updated = [n for n in [*columns, "batch_id"] if n not in key]
            sets = ", ".join(f"{n} = excluded.{n}" for n in updated)
            sql = (
                f"INSERT INTO {table.name} ({names}) "
                f"SELECT {names} FROM {stage} ORDER BY {', '.join(key)} "
                f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}"
            )
            cursor.execute(f"{sql} WHERE {where}" if where else sql)
            cursor.execute(f"DROP TABLE {stage}")
        # Fresh statistics with the rows, not when autovacuum comes round: the in-database
        # screening merge-joins the years only where they say the facts lie in key order
        # (engines.postgres.key_ordered), and plans its joins by the row counts they give.
        cursor.execute(f"ANALYZE {_ENTERPRISES[0].name}, {_FACTS[0].name}")


def write(
    connection: Connection,
    batch_id: int,
    enterprise_batches: Iterable[pa.RecordBatch],
    fact_batches: Callable[[], Iterable[pa.RecordBatch]],
    stages: Callable[[str], Advance] = lambda _label: lambda _n: None,
) -> None:
    """Upsert the enterprises (latest row per uscc), then every fact row, in connection's
    transaction. `fact_batches` is called once the enterprises are in (their parent rows);
    `stages(label)` is told when each table begins and returns what to advance per row.
    """
    dialect = connection.dialect.name
    if dialect == "sqlite":
        _write_sqlite(connection, batch_id, enterprise_batches, fact_batches, stages)
    elif dialect == "postgresql":
        _write_postgresql(connection, batch_id, enterprise_batches, fact_batches, stages)
    else:
        raise ValueError(f"importing needs SQLite or PostgreSQL, not {dialect}")
