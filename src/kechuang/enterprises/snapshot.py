"""The Parquet snapshot of the stored panel that screening reads (var/panel.parquet).

Its schema is derived from domain.panel.FIELDS: exactly the contract's columns, in order, with
the types of `Field.sql_type`. The generator writes files with the same schema.

`write_snapshot` rebuilds the file from the database. After an import, `merge_snapshot` builds
the same file faster from the previous snapshot and the import's staged rows in DuckDB, but
only when the previous snapshot is known to show the database as it was before the import:
each snapshot records the last import batch and the row count it reflects, and the merge
checks both before (and the database's state again after) writing. Otherwise it rebuilds.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine, Select, func, select

from kechuang.domain.panel import FIELDS, Field, Kind
from kechuang.enterprises.tables import ImportBatch, annual_facts, column_name, enterprises
from kechuang.enterprises.validation import fen_to_decimal
from kechuang.store import config

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

SNAPSHOT_NAME = "panel.parquet"
SNAPSHOT_BATCH_ROWS = 50_000
MERGE_CHUNK_ROWS = 1_500_000  # rows of both files per USCC range
MERGE_SAMPLE_ROWS = 100_000
ROW_GROUP_ROWS = 131_072  # Parquet row group size (rows)

_ARROW_TYPES: dict[Kind, pa.DataType] = {
    Kind.TEXT: pa.string(),
    Kind.CODE: pa.string(),
    Kind.YEAR: pa.int32(),
    Kind.DATE: pa.date32(),
    Kind.BOOL: pa.bool_(),
    Kind.COUNT: pa.int64(),
    Kind.YUAN: pa.decimal128(18, 2),
    Kind.RATIO: pa.decimal128(9, 6),
    Kind.NUMBER: pa.decimal128(9, 6),
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


# The database state a snapshot shows: the last import batch in it and its row count.
STATE_KEY = "kechuang.snapshot"


@dataclass(frozen=True)
class StoreState:
    last_batch: int | None
    rows: int


def store_state(connection: Connection) -> StoreState:
    last = connection.execute(select(func.max(ImportBatch.id))).scalar_one()
    rows = connection.execute(select(func.count()).select_from(annual_facts)).scalar_one()
    return StoreState(None if last is None else int(last), int(rows))


def snapshot_state(path: Path) -> StoreState | None:
    """The state recorded in the snapshot at path; None if missing, unreadable or unrecorded."""
    try:
        metadata = pq.read_metadata(path).metadata or {}
        recorded = json.loads(metadata[STATE_KEY.encode()])
        return StoreState(recorded["last_batch"], int(recorded["rows"]))
    except (OSError, KeyError, ValueError, TypeError, pa.ArrowException):
        return None


def _writer(partial: Path, schema: pa.Schema) -> pq.ParquetWriter:
    return pq.ParquetWriter(partial, schema, compression="zstd", store_decimal_as_integer=True)


def by_year(rows: pa.RecordBatch | pa.Table) -> Iterator[pa.RecordBatch | pa.Table]:
    """The rows for each of their years in turn (year ascending, order within a year kept)."""
    years = rows.column("year")
    for year in pc.unique(years).sort().to_pylist():
        yield rows.filter(pc.equal(years, year))


class _YearGroups:
    """Row groups in key order, each of one year: every run of ROW_GROUP_ROWS rows of the
    key-ordered stream is written year by year. A screening reads each year on its own, and the
    row groups' `year` statistics let it skip the other years' groups instead of decoding them;
    a lookup of one enterprise still reads about one group per year (engines.lookup). Runs are
    cut by row count, not by the batches that arrive, so a merge and a rebuild write the same
    file."""

    def __init__(self, writer: pq.ParquetWriter) -> None:
        self.writer = writer
        self.pending: list[pa.RecordBatch] = []
        self.rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        self.pending.append(batch)
        self.rows += batch.num_rows
        while self.rows >= ROW_GROUP_ROWS:
            table = pa.Table.from_batches(self.pending)
            self._run(table.slice(0, ROW_GROUP_ROWS))
            rest = table.slice(ROW_GROUP_ROWS)
            self.pending, self.rows = rest.to_batches(), rest.num_rows

    def flush(self) -> None:
        if self.rows:
            self._run(pa.Table.from_batches(self.pending))
        self.pending, self.rows = [], 0

    def _run(self, run: pa.Table) -> None:
        for part in by_year(run):
            self.writer.write_table(part, row_group_size=ROW_GROUP_ROWS)


def _finish(writer: pq.ParquetWriter, written: int, state: StoreState | None) -> None:
    # (uscc, year) is the stored table's primary key: screening may skip its duplicate scan.
    flag = json.dumps({"keys": ["uscc", "year"], "rows": written})
    metadata = {"kechuang.unique_keys": flag}
    if state is not None:
        metadata[STATE_KEY] = json.dumps({"last_batch": state.last_batch, "rows": state.rows})
    writer.add_key_value_metadata(metadata)


# A snapshot this process has just written for a state of the database; write_snapshot with
# the same path and state then has nothing to do (the import command writes it in the import).
_fresh: tuple[Path, StoreState, int] | None = None


def _is_fresh(engine: Engine, path: Path) -> bool:
    global _fresh
    fresh, _fresh = _fresh, None
    if fresh is None or fresh[0] != path.resolve() or not path.exists():
        return False
    if path.stat().st_mtime_ns != fresh[2]:
        return False
    with engine.connect() as connection:
        return store_state(connection) == fresh[1]


def _mark_fresh(path: Path, state: StoreState) -> None:
    global _fresh
    _fresh = (path.resolve(), state, path.stat().st_mtime_ns)


def write_snapshot(
    engine: Engine,
    path: Path | None = None,
    advance: Callable[[int], None] = lambda _n: None,
) -> tuple[Path, int]:
    """Write every stored (enterprise, year) to path (default var/panel.parquet) in key order,
    each run of enterprises year by year (`_YearGroups`).

    Streams from the database in batches; the file is replaced atomically when complete.
    Returns the path and the number of rows written. If this process has just written the
    snapshot at path for the database as it still is (an import does), it is kept as is.
    """
    path = path or snapshot_path()
    if _is_fresh(engine, path):
        rows = snapshot_state(path)
        written = rows.rows if rows else pq.read_metadata(path).num_rows
        advance(written)
        return path, written
    schema = panel_arrow_schema()
    partial = path.with_name(path.name + ".partial")
    written = 0
    with engine.connect() as connection, _writer(partial, schema) as writer:
        before = store_state(connection)
        groups = _YearGroups(writer)
        result = connection.execution_options(yield_per=SNAPSHOT_BATCH_ROWS).execute(_select())
        for rows in result.partitions():
            groups.write(_arrow_batch(rows, schema))
            written += len(rows)
            advance(len(rows))
        groups.flush()
        after = store_state(connection)
        # Record the state only if nothing was imported while the rows streamed out.
        state = after if before == after and after.rows == written else None
        _finish(writer, written, state)
    os.replace(partial, path)
    return path, written


def merge_snapshot(
    engine: Engine,
    con: duckdb.DuckDBPyConnection,
    staged: str,
    before: StoreState,
    batch_id: int,
    path: Path | None = None,
    advance: Callable[[int], None] = lambda _n: None,
) -> tuple[Path, int]:
    """The snapshot after import batch_id, from the previous one and the staged rows.

    `before` is the database's state just before the import (read in its transaction); `staged`
    holds the import's validated rows (yuan as fen). Falls back to write_snapshot whenever the
    previous snapshot does not show exactly that state, or the database has moved on since.
    """
    path = path or snapshot_path()
    if before.rows and snapshot_state(path) != before:
        return write_snapshot(engine, path, advance)
    schema = panel_arrow_schema()
    partial = path.with_name(path.name + ".partial")
    written = 0
    query = _merge_sql(previous=bool(before.rows))
    files = {"staged": staged, **({"previous": str(path)} if before.rows else {})}
    with _writer(partial, schema) as writer:
        groups = _YearGroups(writer)
        try:
            for low, high in _ranges(con, list(files.values())):
                params = {**files, "low": low, "high": high}
                reader = con.execute(query, params).to_arrow_reader(SNAPSHOT_BATCH_ROWS)
                for batch in _batches(reader):
                    groups.write(batch.cast(schema))
                    written += batch.num_rows
                    advance(batch.num_rows)
            groups.flush()
        except duckdb_error() as exc:  # the import is stored: rebuild rather than fail
            log.warning("merging the snapshot failed (%s); rebuilding it", exc)
            writer.close()
            partial.unlink()
            return write_snapshot(engine, path, advance)
        with engine.connect() as connection:
            after = store_state(connection)
        if after != StoreState(batch_id, written):
            writer.close()
            partial.unlink()
            return write_snapshot(engine, path, advance)
        _finish(writer, written, after)
    os.replace(partial, path)
    _mark_fresh(path, after)
    return path, written


def duckdb_error() -> type[Exception]:
    import duckdb

    return duckdb.Error


def _ranges(con: duckdb.DuckDBPyConnection, files: list[str]) -> list[tuple[str, str]]:
    """Ranges of uscc [low, high) of about MERGE_CHUNK_ROWS rows, in order: merged and sorted
    one at a time, they keep DuckDB within its memory limit. USCCs are [0-9A-Z] text."""
    scans = " UNION ALL ".join(
        f"SELECT uscc FROM read_parquet(${i + 1})" for i in range(len(files))
    )
    (rows,) = con.execute(f"SELECT count(*) FROM ({scans})", files).fetchone() or (0,)
    chunks = -(-int(rows) // MERGE_CHUNK_ROWS)
    cuts: list[str] = []
    if chunks > 1:
        fractions = [i / chunks for i in range(1, chunks)]
        (found,) = con.execute(
            f"SELECT quantile_disc(uscc, {fractions}) FROM "
            f"(SELECT uscc FROM ({scans}) USING SAMPLE {MERGE_SAMPLE_ROWS} ROWS)",
            files,
        ).fetchone() or ([],)
        cuts = sorted(set(found or []))
    bounds = ["", *cuts, "~"]
    return list(itertools.pairwise(bounds))


def _batches(reader: Iterable[pa.RecordBatch]) -> Iterable[pa.RecordBatch]:
    for batch in reader:
        if batch.num_rows:
            yield batch


def _merge_sql(previous: bool) -> str:
    """DuckDB over $staged (the staged Parquet) and $previous (the previous snapshot, if
    `previous`), for the enterprises with $low <= uscc < $high.

    Facts: the staged rows, and the previous rows of every (uscc, year) the import did not
    carry. Static attributes, as the enterprises upsert keeps them: for an enterprise in the
    import, those of the latest year's row of either file (the import's on a tie: a stored
    enterprise's attributes year is the latest year of its stored facts); for any other, as
    they were.
    """
    static = [f for f in FIELDS if f.static and f.name != "uscc"]
    facts = [f for f in FIELDS if not f.static and f.name not in ("uscc", "year")]
    statics = ", ".join(f.name for f in static)

    def staged(f: Field) -> str:
        if f.kind is Kind.YUAN:  # int64 fen -> DECIMAL(18,2) yuan, exactly
            return f"CAST(CAST({f.name} AS DECIMAL(38,0)) * 0.01::DECIMAL(3,2) AS DECIMAL(18,2))"
        return f.name

    unknown = ", ".join(f"NULL::{f.sql_type} AS {f.name}" for f in static)
    rows = f"""SELECT uscc, year, {unknown}, {", ".join(f"{staged(f)} AS {f.name}" for f in facts)}
        FROM n"""
    candidates = f"SELECT uscc, {statics}, year AS latest, 1 AS mine FROM n"
    if previous:
        rows += f"""
        UNION ALL
        SELECT uscc, year, {statics}, {", ".join(f.name for f in facts)} FROM p
        ANTI JOIN (SELECT uscc, year FROM n) USING (uscc, year)"""
        candidates += f"""
        UNION ALL
        SELECT uscc, {statics}, year AS latest, 0 AS mine FROM p
        SEMI JOIN (SELECT uscc FROM n) USING (uscc)"""
    chosen = ", ".join(
        f"CASE WHEN s.uscc IS NULL THEN r.{f.name} ELSE s.a.{f.name} END AS {f.name}"
        for f in static
    )
    pack = ", ".join(f"{f.name} := {f.name}" for f in static)
    # An aggregate rather than a window: DuckDB spills it to disk under its memory limit.
    within = "uscc >= $low AND uscc < $high"
    scans = f"n AS (SELECT * FROM read_parquet($staged) WHERE {within})"
    if previous:
        scans += f", p AS (SELECT * FROM read_parquet($previous) WHERE {within})"
    return f"""
        WITH {scans},
        s AS (
            SELECT uscc, arg_max(struct_pack({pack}), latest * 2 + mine) AS a
            FROM ({candidates}) GROUP BY uscc
        ), r AS ({rows})
        SELECT {", ".join(f.name for f in FIELDS)} FROM (
            SELECT r.uscc, r.year, {chosen}, {", ".join(f"r.{f.name}" for f in facts)}
            FROM r LEFT JOIN s USING (uscc)
        ) ORDER BY uscc, year"""


def stored_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(annual_facts)).scalar_one())
