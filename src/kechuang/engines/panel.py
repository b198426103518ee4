"""Open a panel file in DuckDB as the relation `panel`, with the contract's columns and types.

Screening reads Parquet (the snapshot and the generator write the contract's schema) or CSV
(UTF-8 with a header). The view `panel` casts every contract column to its SQL type
(`domain.panel.SQL_TYPES`), so the compiled queries see exactly the types they were compiled
for whatever the file's own types are; optional columns missing from the file are NULL.

`check_panel` refuses what would make a screening wrong rather than slow: a missing file or
column, a value that is not of its column's type (counted in SQL: TRY_CAST fails where the raw
value is present), a missing key, and a (uscc, year) that occurs twice. Row-level business
rules (check digits, bounds between columns) are the importer's job (`--validate` reuses it).

Two checks are answered from the Parquet footer instead of a scan: a column the file declares
REQUIRED with the contract's type has no missing or mistyped value, and a file whose key-value
metadata `kechuang.unique_keys` names (uscc, year) for exactly its number of rows (written by
Kechuang's generator and snapshot) has no duplicate key. Otherwise the DuckDB screening counts
each enterprise's rows and years in its own GROUP BY (`rules.pack`, check_keys) instead of a
second pass, and only a failing run pays for the GROUP BY that names the duplicate. The
footer's min/max statistics give `numeric bounds` that let the compiler keep arithmetic in 64 bits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from kechuang.domain.panel import BY_NAME, FIELDS, SOURCED_FIELDS, Field, Kind
from kechuang.engines.common import PanelError as PanelError  # re-exported
from kechuang.engines.sqltext import string_literal

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}
TRUE_TEXT = ("true", "1", "是", "t", "yes")
FALSE_TEXT = ("false", "0", "否", "f", "no")
UNIQUE_KEYS_METADATA = b"kechuang.unique_keys"  # a BLOB key, as DuckDB returns it
_SCALE = {Kind.YUAN: 100, Kind.RATIO: 10**6, Kind.NUMBER: 10**6, Kind.COUNT: 1, Kind.YEAR: 1}


@dataclass(frozen=True)
class PanelSource:
    path: Path
    format: str
    columns: tuple[str, ...]  # the file's own columns
    footer: ParquetFooter | None = None


@dataclass(frozen=True)
class ParquetFooter:
    """What a Parquet file's footer says (no data read)."""

    rows: int
    row_groups: int
    required: frozenset[str]  # columns declared REQUIRED, or with a null count of 0 everywhere
    unique_keys: bool  # written by Kechuang with unique (uscc, year) for exactly `rows` rows
    bounds: dict[str, int] = field(default_factory=dict)  # max |numerator| per numeric fact
    # Per row group, its rows and the least and greatest year, where the statistics say.
    years: tuple[tuple[int, int, int], ...] | None = None

    def groups_of_year(self, year: int) -> tuple[int, int] | None:
        """How many row groups may hold rows of `year`, and their rows (None: unknown)."""
        if self.years is None:
            return None
        holding = [rows for rows, low, high in self.years if low <= year <= high]
        return len(holding), sum(holding)


def read_footer(path: Path, con: duckdb.DuckDBPyConnection | None = None) -> ParquetFooter | None:
    """The footer facts of a Parquet panel, or None if the footer cannot be read.

    Read with DuckDB's Parquet metadata functions (no pyarrow: `screen` does not pay for
    importing it), on `con` if given.
    """
    own = con is None
    con = con or duckdb.connect()
    try:
        file = string_literal(str(path))
        counts = con.execute(
            f"SELECT num_rows, num_row_groups FROM parquet_file_metadata({file})"
        ).fetchone()
        schema = con.execute(f"SELECT name, repetition_type FROM parquet_schema({file})").fetchall()
        kv = dict(con.execute(f"SELECT key, value FROM parquet_kv_metadata({file})").fetchall())
        types = {
            row[0]: str(row[1]).upper().replace(" ", "")
            for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet({file})").fetchall()
        }
        stats = con.execute(
            "SELECT path_in_schema, row_group_num_rows, stats_null_count, stats_min_value, "
            f"stats_max_value FROM parquet_metadata({file})"
        ).fetchall()
    except duckdb.Error:
        return None
    finally:
        if own:
            con.close()
    if counts is None:
        return None
    rows, row_groups = int(counts[0]), int(counts[1])
    by_column: dict[str, list[tuple[int, int | None, str | None, str | None]]] = {}
    for name, group_rows, nulls, low, high in stats:
        by_column.setdefault(str(name), []).append((int(group_rows), nulls, low, high))
    # Top-level columns only: the schema's root element and nested fields are not columns.
    declared = {str(name): kind for name, kind in schema if name in types}
    required = frozenset(n for n, kind in declared.items() if kind == "REQUIRED")
    required |= _without_nulls(by_column, row_groups)
    unique = False
    flag_text = kv.get(UNIQUE_KEYS_METADATA)
    if flag_text is not None:
        try:
            flag = json.loads(flag_text)
            unique = flag.get("keys") == ["uscc", "year"] and flag.get("rows") == rows
        except (ValueError, AttributeError):
            unique = False
    bounds = _bounds(by_column, types)
    return ParquetFooter(rows, row_groups, required, unique, bounds, _years(by_column, row_groups))


_Stats = dict[str, list[tuple[int, "int | None", "str | None", "str | None"]]]


def _years(by_column: _Stats, row_groups: int) -> tuple[tuple[int, int, int], ...] | None:
    """(rows, least year, greatest year) of each row group, or None if a group has no
    year statistics."""
    groups = by_column.get("year", [])
    if len(groups) != row_groups:
        return None
    found = []
    for group_rows, _nulls, low, high in groups:
        try:
            found.append((group_rows, int(str(low)), int(str(high))))
        except ValueError:
            return None  # no statistics (None) or not a whole number
    return tuple(found)


def _without_nulls(by_column: _Stats, row_groups: int) -> frozenset[str]:
    """Key columns whose statistics give a null count of 0 in every row group."""
    found = set()
    for name in ("uscc", "name", "year"):
        groups = by_column.get(name, [])
        if len(groups) == row_groups and all(nulls == 0 for _, nulls, _, _ in groups):
            found.add(name)
    return frozenset(found)


def _bounds(by_column: _Stats, types: dict[str, str]) -> dict[str, int]:
    """Max |value| in numerator units (fen, millionths, count) of each numeric contract column
    of the contract's file type whose every row group has min/max statistics."""
    bounds: dict[str, int] = {}
    for f in FIELDS:
        scale = _SCALE.get(f.kind)
        if scale is None or types.get(f.name) != f.sql_type.replace(" ", ""):
            continue
        biggest = 0
        for group_rows, nulls, low, high in by_column.get(f.name, []):
            if nulls is not None and nulls == group_rows:
                continue  # all unknown
            if low is None or high is None:
                biggest = -1
                break
            for value in (low, high):
                biggest = max(biggest, abs(int(Decimal(value) * scale)))
        if biggest >= 0 and f.name in by_column:
            bounds[f.name] = biggest
    return bounds


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _source_sql(path: Path, fmt: str) -> str:
    if fmt == "parquet":
        return f"read_parquet({string_literal(str(path))})"
    # Everything as text: the contract's booleans (是/否) and empty cells are read below.
    options = "header = true, all_varchar = true, auto_detect = true"
    return f"read_csv({string_literal(str(path))}, {options})"


def _converted(f: Field, raw: str, fmt: str) -> str:
    """SQL converting the file's column `raw` to the contract type of `f` (NULL if not)."""
    if f.kind == Kind.BOOL and fmt == "csv":
        text = f"lower(trim({raw}))"
        yes = ", ".join(string_literal(t) for t in TRUE_TEXT)
        no = ", ".join(string_literal(t) for t in FALSE_TEXT)
        return f"CASE WHEN {text} IN ({yes}) THEN TRUE WHEN {text} IN ({no}) THEN FALSE END"
    if fmt == "csv" and f.kind in (Kind.TEXT, Kind.CODE):
        return f"NULLIF(trim({raw}), '')"
    if fmt == "csv":
        return f"TRY_CAST(NULLIF(trim({raw}), '') AS {f.sql_type})"
    return f"TRY_CAST({raw} AS {f.sql_type})"


def _present(raw: str, fmt: str) -> str:
    return f"NULLIF(trim({raw}), '') IS NOT NULL" if fmt == "csv" else f"{raw} IS NOT NULL"


def describe(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source_sql: str | None = None,
    footer: ParquetFooter | None = None,
) -> PanelSource:
    """The panel file's format and columns (and its footer facts: `footer` if already read)."""
    if not path.is_file():
        raise PanelError(f"{path}: no such panel file")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise PanelError(f"{path}: a panel is a .parquet or .csv file")
    try:
        columns = [
            row[0]
            for row in con.sql(
                f"DESCRIBE SELECT * FROM {source_sql or _source_sql(path, fmt)}"
            ).fetchall()
        ]
    except duckdb.Error as exc:
        raise PanelError(f"{path}: cannot be read as {fmt}: {exc}") from None
    missing = [f.name for f in FIELDS if not f.optional and f.name not in columns]
    if missing:
        raise PanelError(
            f"{path}: missing column(s) {', '.join(missing)} (see shared/DATA-CONTRACT.md)"
        )
    if fmt != "parquet" or source_sql is not None:
        footer = None
    elif footer is None:
        footer = read_footer(path, con)
    return PanelSource(path, fmt, tuple(columns), footer)


def _absent(f: Field) -> str:
    """What a sourced fact is for an enterprise-year its source has no row for: zero (or false)."""
    return "FALSE" if f.kind == Kind.BOOL else f"CAST(0 AS {f.sql_type})"


def open_panel(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    check: bool = True,
    facts: Path | None = None,
    source_sql: str | None = None,
    keys: bool = True,
    footer: ParquetFooter | None = None,
) -> PanelSource:
    """Create the view `panel` over `path`; with `check`, refuse a panel that is not usable
    (with `keys` False, duplicate keys are left to the caller's own scan).

    The view has the contract's columns and then the sourced facts (domain.panel.SOURCED_FIELDS):
    from `facts` (a Parquet file of uscc, year and those columns, engines.sourced) when given,
    else from the panel file if it has them, else NULL (unknown). `facts` holds those a policy
    reads; the others are then unknown. `footer` is the file's footer if the caller read it.
    """
    source = describe(con, path, source_sql, footer)
    # `source_sql` (engines.lookup) reads a part of the file's rows with the file's columns.
    raw = source_sql or _source_sql(path, source.format)
    con.execute(f"CREATE OR REPLACE VIEW panel_raw AS SELECT * FROM {raw}")
    items = []
    # The facts file holds the sourced facts its policy reads; the others are unknown.
    written = set()
    if facts is not None:
        described = con.sql(f"DESCRIBE SELECT * FROM read_parquet({string_literal(str(facts))})")
        written = {row[0] for row in described.fetchall()}
    # A Parquet column already of its contract type is read as it is (no per-value cast).
    exact = _typed_as_contract(con, source)
    for f in (*FIELDS, *SOURCED_FIELDS):
        if f.name in written and f.source is not None:
            converted = f"TRY_CAST(facts.{_quote(f.name)} AS {f.sql_type})"
            items.append(f"coalesce({converted}, {_absent(f)}) AS {_quote(f.name)}")
        elif f.name in exact:
            items.append(f"panel_raw.{_quote(f.name)} AS {_quote(f.name)}")
        elif f.name in source.columns:
            raw = "panel_raw." + _quote(f.name)
            items.append(f"{_converted(f, raw, source.format)} AS {_quote(f.name)}")
        else:
            items.append(f"CAST(NULL AS {f.sql_type}) AS {_quote(f.name)}")
    joined = "panel_raw"
    if facts is not None:
        # The key columns of the file are converted the same way as the view's own.
        uscc, year = BY_NAME["uscc"], BY_NAME["year"]
        joined = (
            f"panel_raw LEFT JOIN read_parquet({string_literal(str(facts))}) facts "
            f"ON facts.uscc = {_converted(uscc, 'panel_raw.uscc', source.format)} "
            f"AND facts.year = {_converted(year, 'panel_raw.year', source.format)}"
        )
    con.execute(f"CREATE OR REPLACE VIEW panel AS SELECT {', '.join(items)} FROM {joined}")
    if check:
        check_panel(con, source, keys)
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


def check_panel(con: duckdb.DuckDBPyConnection, source: PanelSource, keys: bool = True) -> None:
    """Raise PanelError for bad types, missing keys or (with `keys`) duplicate (uscc, year)
    rows."""
    exact = _typed_as_contract(con, source)
    required = source.footer.required if source.footer is not None else frozenset()
    probes = []
    names = []
    for f in FIELDS:
        if f.name not in source.columns or (f.name in exact and not f.required):
            continue
        if f.name in exact and f.name in required:
            continue  # REQUIRED in the file and of the contract's type: present and typed
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
    if not keys or (source.footer is not None and source.footer.unique_keys):
        # The writer vouches for unique keys, for exactly this many rows, or the caller checks
        # them in its own scan (engines.duckdb: the screening's GROUP BY counts them).
        return
    duplicate = duplicate_key_error(con, source)
    if duplicate is not None:
        raise duplicate


def duplicate_key_error(con: duckdb.DuckDBPyConnection, source: PanelSource) -> PanelError | None:
    """The error naming a (uscc, year) that occurs twice, or None (a full GROUP BY)."""
    duplicate = con.sql(
        "SELECT uscc, year, count(*) AS n FROM panel "
        "GROUP BY uscc, year HAVING count(*) > 1 LIMIT 1"
    ).fetchone()
    if duplicate is None:
        return None
    return PanelError(
        f"{source.path}: enterprise {duplicate[0]} has {duplicate[2]} rows "
        f"for year {duplicate[1]}"
        " (one row per enterprise per year)"
    )
