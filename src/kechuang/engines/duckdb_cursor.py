"""Short DuckDB reads (a Parquet file's years, an aggregate over tiers) that any thread may run.

`duckdb.sql()` runs on the module's single default connection, and a DuckDB connection is not
safe to share between threads: two web requests using it at once fail with "Attempting to
execute an unsuccessful or closed pending query result". Each read here runs on a cursor of
its own (a cursor is DuckDB's per-thread handle on a shared database and costs well under a
millisecond), closed when the rows are fetched.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import duckdb


@cache
def _database() -> duckdb.DuckDBPyConnection:
    # In memory: the reads name their Parquet files; nothing is stored in it.
    return duckdb.connect()


def fetchall(sql: str, parameters: object = None) -> list[tuple[Any, ...]]:
    """Every row of `sql`."""
    with _database().cursor() as cursor:
        return cursor.execute(sql, parameters).fetchall()


def fetchone(sql: str, parameters: object = None) -> tuple[Any, ...] | None:
    """The first row of `sql`, or None."""
    with _database().cursor() as cursor:
        return cursor.execute(sql, parameters).fetchone()
