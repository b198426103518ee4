"""Find one enterprise's rows in a large Parquet panel without scanning it (for `explain`).

A panel clustered by uscc (the store's snapshot is written in key order, each run of
enterprises year by year) needs nothing: its row-group statistics let DuckDB skip every row
group but the few (about one per year) whose range holds the code. A panel in
any other order (the generator's) gets a small-files index the first time it is explained: a
copy of the panel partitioned by the last two characters of the code (the check digits, close
to uniform: a few hundred files of a few thousand rows for a million enterprises), kept under
`var/cache/panel-index/` and keyed by the panel's path, size and modification time, so a
changed panel is never answered from a stale copy. Explaining then reads one small file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from kechuang.engines.sqltext import string_literal
from kechuang.store import config

INDEX_MIN_ROWS = 200_000  # below this a scan is as fast as the index
USCC_LENGTH = 18


def _bucket(uscc: str) -> str:
    return uscc[USCC_LENGTH - 2 :]


def _clustered_by_uscc(path: Path) -> bool:
    """True if a lookup of one code reads about one row group per year: no code lies within the
    uscc range (min/max statistics) of more than two groups per year of the file. A file in key
    order qualifies, and so does the store's snapshot, whose runs of enterprises are written
    year by year (one group per year over the same range; a run's edge may split an
    enterprise's years). A file in any other order has groups spanning most codes."""
    import pyarrow.parquet as pq

    meta = pq.read_metadata(path)
    names = meta.schema.to_arrow_schema().names
    if "uscc" not in names or "year" not in names:
        return False
    column, year = names.index("uscc"), names.index("year")
    # A sweep over the ranges' ends: +1 where a range starts, -1 after it ends (starts first
    # on a tie, as ranges are closed); the running sum is the number of groups at that code.
    events: list[tuple[str, int]] = []
    years: set[int] = set()
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        stats, year_stats = group.column(column).statistics, group.column(year).statistics
        if stats is None or not stats.has_min_max:
            return False
        if year_stats is not None and year_stats.has_min_max:
            years.update(range(int(year_stats.min), int(year_stats.max) + 1))
        events += [(str(stats.min), 0), (str(stats.max), 1)]
    most = 2 * max(len(years), 1)
    depth = 0
    for _code, end in sorted(events):
        depth += -1 if end else 1
        if depth > most:
            return False
    return True


def index_dir(path: Path) -> Path:
    stat = path.stat()
    identity = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    key = hashlib.sha256(identity.encode()).hexdigest()[:24]
    return config.var_dir() / "cache" / "panel-index" / key


def build_index(path: Path) -> Path:
    """The partitioned copy of `path` (built once; atomic rename when complete)."""
    import duckdb

    target = index_dir(path)
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + f".partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    con = duckdb.connect(config={"threads": 2, "memory_limit": "1GB"})
    con.execute("SET enable_progress_bar = false")
    try:
        con.execute(
            f"COPY (SELECT *, substr(uscc, {USCC_LENGTH - 1}, 2) AS kc_bucket "
            f"FROM read_parquet({string_literal(str(path))})) TO {string_literal(str(partial))} "
            "(FORMAT PARQUET, PARTITION_BY (kc_bucket), COMPRESSION ZSTD)"
        )
    finally:
        con.close()
    try:
        partial.rename(target)
    except OSError:  # built concurrently by another process: theirs is as good
        shutil.rmtree(partial, ignore_errors=True)
    return target


def source_for(path: Path, uscc: str) -> str:
    """A DuckDB table expression holding at least `uscc`'s rows of the panel at `path`,
    with the panel file's own columns (so the panel view's conversions apply unchanged)."""
    whole = f"read_parquet({string_literal(str(path))})"
    if path.suffix.lower() not in (".parquet", ".pq") or len(uscc) != USCC_LENGTH:
        return whole
    import pyarrow.parquet as pq

    try:
        if pq.read_metadata(path).num_rows < INDEX_MIN_ROWS or _clustered_by_uscc(path):
            return whole
        index = build_index(path)
    except (OSError, ValueError):
        return whole
    files = sorted((index / f"kc_bucket={_bucket(uscc)}").glob("*.parquet"))
    if not files:
        # No enterprise has these check digits: an empty relation of the panel's columns.
        return f"(SELECT * FROM {whole} LIMIT 0)"
    listed = ", ".join(string_literal(str(f)) for f in files)
    return f"read_parquet([{listed}], hive_partitioning = false)"
