"""Rows of the relational store as Arrow tables, for DuckDB to join with the panel snapshot.

Reporting reads the store read-only: a SQLAlchemy select is fetched once and handed to DuckDB
as an Arrow table with explicit types (an empty result still has its columns and types).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine, Select


def fetch(engine: Engine, query: Select[Any], types: Mapping[str, pa.DataType]) -> pa.Table:
    """The rows of `query` with columns named and typed by `types` (in that order)."""
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in types]
    arrays = [
        pa.array(list(values), type=kind)
        for values, kind in zip(columns, types.values(), strict=True)
    ]
    return pa.Table.from_arrays(arrays, names=list(types))
