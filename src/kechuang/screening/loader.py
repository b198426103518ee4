"""Bulk-load a run's RESULTS file into `screening_results`, in chunks, resumably.

The file is read in USCC order (DuckDB sorts it), so "the first N rows" means the same rows on
every attempt. Each chunk is stored in its own transaction together with the run's marker
`loaded_rows`; a crash loses at most the chunk in flight, and a resume starts after the marker.
The (run_id, uscc) primary key backs this up: no enterprise can be stored twice in a run.
PostgreSQL gets the rows by COPY (psycopg's cursor.copy), SQLite by one executemany per chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
from sqlalchemy import Connection, Engine, update

from kechuang.engines.sqltext import string_literal
from kechuang.screening.tables import ScreeningRun

CHUNK_ROWS = 100_000
COLUMNS = ("run_id", "uscc", "outcome", "score", "benefit_fen", "unmet")


def results_query(results: Path, offset: int) -> str:
    """The stored columns of a RESULTS file in key order, from row `offset`."""
    return (
        "SELECT uscc, outcome, CAST(score AS VARCHAR) AS score, "
        # benefit_yuan is DECIMAL(…, 2): times 100 is an exact whole number of fen.
        "CAST(benefit_yuan * 100 AS BIGINT) AS benefit_fen, NULLIF(unmet, '') AS unmet "
        f"FROM read_parquet({string_literal(str(results))}) ORDER BY uscc OFFSET {int(offset)}"
    )


def _copy(connection: Connection, run_id: int, batch: pa.RecordBatch) -> None:
    raw = connection.connection.dbapi_connection
    # Only PostgreSQL comes here, and its driver is psycopg 3 (cursor.copy).
    assert isinstance(raw, psycopg.Connection)
    columns = batch.to_pydict()
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY screening_results ({', '.join(COLUMNS)}) FROM STDIN") as copy,
    ):
        for row in zip(
            columns["uscc"],
            columns["outcome"],
            columns["score"],
            columns["benefit_fen"],
            columns["unmet"],
            strict=True,
        ):
            copy.write_row((run_id, *row))


def _executemany(connection: Connection, run_id: int, batch: pa.RecordBatch) -> None:
    columns = batch.to_pydict()
    rows = list(
        zip(
            [run_id] * batch.num_rows,
            columns["uscc"],
            columns["outcome"],
            columns["score"],
            columns["benefit_fen"],
            columns["unmet"],
            strict=True,
        )
    )
    connection.exec_driver_sql(
        f"INSERT INTO screening_results ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)", rows
    )


def load_results(
    engine: Engine,
    run_id: int,
    results: Path,
    already: int,
    advance: Callable[[int], None] = lambda _n: None,
    stop_after_chunks: int | None = None,
) -> int:
    """Store the rows of `results` after the first `already`; the number of rows now stored.

    `stop_after_chunks` stops early (the tests use it to stand for a crash).
    """
    writer = _copy if engine.dialect.name == "postgresql" else _executemany
    loaded = already
    con = duckdb.connect()
    try:
        reader = con.execute(results_query(results, already)).to_arrow_reader(CHUNK_ROWS)
        for chunks, batch in enumerate(reader):
            if stop_after_chunks is not None and chunks >= stop_after_chunks:
                break
            if batch.num_rows == 0:
                continue
            with engine.begin() as connection:
                writer(connection, run_id, batch)
                loaded += batch.num_rows
                connection.execute(
                    update(ScreeningRun).where(ScreeningRun.id == run_id).values(loaded_rows=loaded)
                )
            advance(batch.num_rows)
    finally:
        con.close()
    return loaded
