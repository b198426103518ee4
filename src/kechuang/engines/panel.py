"""Open a panel file in DuckDB as the relation `panel`, with the contract's columns and types.

Screening reads Parquet (the snapshot and the generator write the contract's schema) or CSV
(UTF-8 with a header). The view `panel` casts every contract column to its SQL type
(`domain.panel.SQL_TYPES`), so the compiled queries see exactly the types they were compiled
for whatever the file's own types are; optional columns missing from the file are NULL.

`check_panel` refuses what would make a screening wrong rather than slow: a missing file or
column, a value that is not of its column's type (counted in SQL: TRY_CAST fails where the raw
value is present), a missing key, and a (uscc, year) that occurs twice. Row-level business
rules (check digits, bounds between columns) are the importer's job (`--validate` reuses it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from kechuang.domain.panel import FIELDS, Field, Kind

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}
TRUE_TEXT = ("true", "1", "是", "t", "yes")
FALSE_TEXT = ("false", "0", "否", "f", "no")


class PanelError(ValueError):
    """The panel cannot be screened; the message says which file, column and value."""


@dataclass(frozen=True)
class PanelSource:
    path: Path
    format: str
    columns: tuple[str, ...]  # the file's own columns


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _source_sql(path: Path, fmt: str) -> str:
    if fmt == "parquet":
        return f"read_parquet({_literal(str(path))})"
    # Everything as text: the contract's booleans (是/否) and empty cells are read below.
    return f"read_csv({_literal(str(path))}, header = true, all_varchar = true, auto_detect = true)"


def _converted(f: Field, raw: str, fmt: str) -> str:
    """SQL converting the file's column `raw` to the contract type of `f` (NULL if not)."""
    if f.kind == Kind.BOOL and fmt == "csv":
        text = f"lower(trim({raw}))"
        yes = ", ".join(_literal(t) for t in TRUE_TEXT)
        no = ", ".join(_literal(t) for t in FALSE_TEXT)
        return f"CASE WHEN {text} IN ({yes}) THEN TRUE WHEN {text} IN ({no}) THEN FALSE END"
    if fmt == "csv" and f.kind in (Kind.TEXT, Kind.CODE):
        return f"NULLIF(trim({raw}), '')"
    if fmt == "csv":
        return f"TRY_CAST(NULLIF(trim({raw}), '') AS {f.sql_type})"
    return f"TRY_CAST({raw} AS {f.sql_type})"


def _present(raw: str, fmt: str) -> str:
    return f"NULLIF(trim({raw}), '') IS NOT NULL" if fmt == "csv" else f"{raw} IS NOT NULL"


def describe(con: duckdb.DuckDBPyConnection, path: Path) -> PanelSource:
    if not path.is_file():
        raise PanelError(f"{path}: no such panel file")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise PanelError(f"{path}: a panel is a .parquet or .csv file")
    try:
        columns = [
            row[0] for row in con.sql(f"DESCRIBE SELECT * FROM {_source_sql(path, fmt)}").fetchall()
        ]
    except duckdb.Error as exc:
        raise PanelError(f"{path}: cannot be read as {fmt}: {exc}") from None
    missing = [f.name for f in FIELDS if not f.optional and f.name not in columns]
    if missing:
        raise PanelError(
            f"{path}: missing column(s) {', '.join(missing)} (see shared/DATA-CONTRACT.md)"
        )
    return PanelSource(path, fmt, tuple(columns))


def open_panel(con: duckdb.DuckDBPyConnection, path: Path, check: bool = True) -> PanelSource:
    """Create the view `panel` over `path`; with `check`, refuse a panel that is not usable."""
    source = describe(con, path)
    con.execute(
        f"CREATE OR REPLACE VIEW panel_raw AS SELECT * FROM {_source_sql(path, source.format)}"
    )
    items = []
    for f in FIELDS:
        if f.name in source.columns:
            items.append(f"{_converted(f, _quote(f.name), source.format)} AS {_quote(f.name)}")
        else:
            items.append(f"CAST(NULL AS {f.sql_type}) AS {_quote(f.name)}")
    con.execute(f"CREATE OR REPLACE VIEW panel AS SELECT {', '.join(items)} FROM panel_raw")
    if check:
        check_panel(con, source)
    return source


def _typed_as_contract(con: duckdb.DuckDBPyConnection, source: PanelSource) -> set[str]:
    """Columns whose file type already is the contract type (nothing to check value by value)."""
    if source.format != "parquet":
        return set()
    described = con.sql("DESCRIBE SELECT * FROM panel_raw").fetchall()
    types = {row[0]: str(row[1]).upper().replace(" ", "") for row in described}
    same = set()
    for f in FIELDS:
        wanted = f.sql_type.upper().replace(" ", "")
        if types.get(f.name) == wanted or (wanted == "INTEGER" and types.get(f.name) == "INTEGER"):
            same.add(f.name)
    return same


def check_panel(con: duckdb.DuckDBPyConnection, source: PanelSource) -> None:
    """Raise PanelError for bad types, missing keys or duplicate (uscc, year) rows."""
    exact = _typed_as_contract(con, source)
    probes = []
    names = []
    for f in FIELDS:
        if f.name not in source.columns or (f.name in exact and not f.required):
            continue
        raw = _quote(f.name)
        converted = _converted(f, raw, source.format)
        if f.required:
            # A key must be present and of its type.
            bad = f"({converted}) IS NULL"
        else:
            bad = f"{_present(raw, source.format)} AND ({converted}) IS NULL"
        probes.append(f"count(*) FILTER (WHERE {bad})")
        probes.append(f"min(CAST({raw} AS VARCHAR)) FILTER (WHERE {bad})")
        names.append(f)
    if probes:
        row = con.sql(f"SELECT {', '.join(probes)} FROM panel_raw").fetchone()
        assert row is not None
        problems = []
        for i, f in enumerate(names):
            count, example = row[2 * i], row[2 * i + 1]
            if count:
                what = "missing or not" if f.required else "not"
                problems.append(
                    f"column {f.name}: {count} value(s) {what} of type {f.kind} (e.g. {example!r})"
                )
        if problems:
            raise PanelError(f"{source.path}: " + "; ".join(problems))
    duplicate = con.sql(
        "SELECT uscc, year, count(*) AS n FROM panel "
        "GROUP BY uscc, year HAVING count(*) > 1 LIMIT 1"
    ).fetchone()
    if duplicate is not None:
        raise PanelError(
            f"{source.path}: enterprise {duplicate[0]} has {duplicate[2]} rows "
            f"for year {duplicate[1]}"
            " (one row per enterprise per year)"
        )
