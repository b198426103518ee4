"""`kechuang import`: validate a whole panel file, then store it atomically as one import batch.

Pass one streams the file batch by batch through the vectorised validator and stages the typed
rows in a Parquet file next to the database; duplicates of (uscc, year) are found over the staged
file with DuckDB, so memory stays bounded. Only a file without a single bad cell reaches pass
two, which upserts the staged rows in one transaction (store_writer: the driver's executemany
on SQLite, COPY and one upsert per table on PostgreSQL); a failure there rolls everything back.
Then the Parquet snapshot is brought up to date by merging the staged rows into the previous
one (snapshot.merge_snapshot), or rebuilt from the database when that is not safe.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import duckdb
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine, insert

from kechuang.domain import cells
from kechuang.domain import text as clean
from kechuang.domain.panel import COLUMNS, FIELDS
from kechuang.enterprises import snapshot as snapshots
from kechuang.enterprises import store_writer
from kechuang.enterprises.readers import PanelFileError, PanelReader, open_panel
from kechuang.enterprises.tables import FACT_FIELDS, STATIC_FIELDS, ImportBatch
from kechuang.enterprises.validation import (
    DUPLICATE_COLUMN,
    EXTRA,
    ROW,
    CellError,
    staged_schema,
    validate_batch,
)
from kechuang.store import config

SHOWN_ERRORS = 200
# Bounded, spilling to the import's temporary directory beyond it; 256MB was too little for the
# snapshot merge of a 1M-enterprise import (it fell back to a full rebuild).
DUCKDB_MEMORY = "1GB"
DUCKDB_THREADS = 2
WRITE_BATCH_ROWS = 50_000


class ImportRefused(Exception):
    """The file has bad rows; nothing was stored. `errors` is the first SHOWN_ERRORS of `count`."""

    def __init__(self, errors: list[CellError], count: int) -> None:
        super().__init__(f"{count} bad cells; nothing was stored")
        self.errors = errors
        self.count = count


@dataclass
class ImportResult:
    batch_id: int
    rows: int
    enterprises: int
    years: list[int]
    extra_columns: list[str] = field(default_factory=list)


class Progress:
    """What the importer tells a progress display; the default tells nobody."""

    def start(self, stage: str, total: int | None) -> None: ...

    def update(self, completed: int) -> None: ...

    def advance(self, amount: int) -> None: ...


def check_header(reader: PanelReader) -> list[str]:
    """The extra (non-contract) columns; raises PanelFileError naming missing required columns."""
    present = set(reader.header)
    missing = [f.name for f in FIELDS if not f.optional and f.name not in present]
    if missing:
        raise PanelFileError(f"{reader.path.name}: missing required columns: {', '.join(missing)}")
    return [name for name in reader.header if name not in COLUMNS]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class _ErrorSink:
    """Keeps the first errors for display and writes all of them to the --errors CSV."""

    def __init__(self, out: IO[str] | None) -> None:
        self.shown: list[CellError] = []
        self.count = 0
        self._writer = csv.writer(out) if out is not None else None
        if self._writer:
            self._writer.writerow(["row", "column", "value", "reason"])

    def add(self, errors: list[CellError]) -> None:
        self.count += len(errors)
        room = SHOWN_ERRORS - len(self.shown)
        if room > 0:
            self.shown.extend(errors[:room])
        if self._writer:
            self._writer.writerows(
                (e.row, e.column, clean.visible(e.value or ""), e.reason) for e in errors
            )


def _duckdb(workdir: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET memory_limit='{DUCKDB_MEMORY}'")
    con.execute("SET temp_directory=?", [str(workdir / "duckdb.tmp")])
    con.execute(f"SET threads={DUCKDB_THREADS}")
    con.execute("SET preserve_insertion_order=false")
    return con


def _duplicates(con: duckdb.DuckDBPyConnection, staged: str) -> list[CellError]:
    rows = con.execute(
        f"""
        SELECT {ROW}, uscc, year, first_row FROM (
            SELECT {ROW}, uscc, year, min({ROW}) OVER (PARTITION BY uscc, year) AS first_row
            FROM read_parquet(?) WHERE uscc IS NOT NULL AND year IS NOT NULL
        ) WHERE {ROW} <> first_row ORDER BY {ROW}
        """,
        [staged],
    ).fetchall()
    return [
        CellError(row, DUPLICATE_COLUMN, f"{uscc} {year}", f"{cells.DUPLICATE} as row {first}")
        for row, uscc, year, first in rows
    ]


def _stage(
    reader: PanelReader, extras: list[str], staged: Path, sink: _ErrorSink, progress: Progress
) -> int:
    rows = 0
    progress.start("validating", reader.total)
    with pq.ParquetWriter(staged, staged_schema()) as writer:
        for batch in reader.batches():
            validated = validate_batch(batch, extras)
            sink.add(validated.errors)
            writer.write_table(validated.table)
            rows += validated.table.num_rows
            progress.update(reader.position())
    return rows


def import_panel(
    path: Path,
    engine: Engine,
    *,
    errors_out: IO[str] | None = None,
    progress: Progress | None = None,
    on_stored: Callable[[], None] | None = None,
    snapshot: bool = True,
) -> ImportResult:
    """Validate path whole and, only if every row is good, store it in one transaction.

    With `snapshot` (the default) the Parquet snapshot (var/panel.parquet) is then brought up to
    date, so that a following write_snapshot of this process has nothing left to do.
    Raises PanelFileError for an unreadable file or header, ImportRefused for bad rows.
    """
    progress = progress or Progress()
    reader = open_panel(path)
    extras = check_header(reader)
    sink = _ErrorSink(errors_out)
    with tempfile.TemporaryDirectory(prefix="import-", dir=config.var_dir()) as tmp:
        workdir = Path(tmp)
        staged = workdir / "staged.parquet"
        row_count = _stage(reader, extras, staged, sink, progress)
        con = _duckdb(workdir)
        try:
            sink.add(_duplicates(con, str(staged)))
            if sink.count:
                sink.shown.sort(key=lambda e: e.row)
                raise ImportRefused(sink.shown, sink.count)
            result, before = _store(
                con, str(staged), path, reader.format, row_count, engine, progress
            )
            if snapshot:
                progress.start("writing snapshot", before.rows + row_count)
                snapshots.merge_snapshot(
                    engine, con, str(staged), before, result.batch_id, advance=progress.advance
                )
        finally:
            con.close()
    result.extra_columns = extras
    if on_stored:
        on_stored()
    return result


def _store(
    con: duckdb.DuckDBPyConnection,
    staged: str,
    path: Path,
    file_format: str,
    row_count: int,
    engine: Engine,
    progress: Progress,
) -> tuple[ImportResult, snapshots.StoreState]:
    """Store the staged rows as one import batch; returns it and the state found before it."""
    years = [
        y
        for (y,) in con.execute(
            "SELECT DISTINCT year FROM read_parquet(?) ORDER BY year", [staged]
        ).fetchall()
    ]
    (enterprise_count,) = con.execute(
        "SELECT count(DISTINCT uscc) FROM read_parquet(?)", [staged]
    ).fetchone() or (0,)
    sha256 = sha256_of(path)
    static = ", ".join(["uscc", *(f.name for f in STATIC_FIELDS)])
    facts = ", ".join(["uscc", "year", *(f.name for f in FACT_FIELDS), EXTRA])
    totals = {"storing enterprises": enterprise_count, "storing facts": row_count}

    def stage(label: str) -> Callable[[int], None]:
        progress.start(label, totals[label])
        return progress.advance

    with engine.begin() as connection:
        before = snapshots.store_state(connection)
        batch_id = _insert_batch(
            connection,
            {
                "file_name": path.name,
                "sha256": sha256,
                "format": file_format,
                "imported_at": dt.datetime.now(dt.UTC),
                "row_count": row_count,
                "enterprise_count": enterprise_count,
                "years": years,
            },
        )
        # In key order, so that the primary-key indexes grow at their ends where they can.
        latest = con.execute(
            f"""
            SELECT {static}, year AS attributes_year FROM read_parquet(?)
            QUALIFY row_number() OVER (PARTITION BY uscc ORDER BY year DESC, {ROW} DESC) = 1
            ORDER BY uscc
            """,
            [staged],
        ).to_arrow_reader(WRITE_BATCH_ROWS)
        store_writer.write(
            connection,
            batch_id,
            latest,
            lambda: con.execute(f"SELECT {facts} FROM read_parquet(?)", [staged]).to_arrow_reader(
                WRITE_BATCH_ROWS
            ),
            stage,
        )
    return ImportResult(batch_id, row_count, enterprise_count, years), before


def _insert_batch(connection: Connection, values: dict[str, object]) -> int:
    return int(
        connection.execute(insert(ImportBatch).returning(ImportBatch.id), values).scalar_one()
    )
