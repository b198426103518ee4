"""Screen a panel with DuckDB: compiled policy queries in, the RESULTS file out.

When no screened policy excludes another, the RESULTS file is written by one `COPY (...) TO`
of the union of the compiled policy queries (`rules.sql.compile_policy`), straight from the
panel scan; the per-outcome counts are then read back from the written file. When exclusions
(不得重复享受) apply, each policy's query runs into a temporary table (a progress step each) and
the exclusions are resolved over them before the COPY. The compiler gets the numeric bounds of
the Parquet footer, so most arithmetic stays in 64 bits. DuckDB streams the panel and spills
to a temporary directory past `memory_limit` (KECHUANG_DUCKDB_MEMORY; by default 3500MB, or
two fifths of the memory available if less), so memory stays bounded for any population;
`progress(fraction)` is called while a long statement runs. Every file is written under a
temporary name, synced and renamed at the end (engines.durable): a failed run leaves no output
behind, and a finished one survives a power loss.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import duckdb

# Re-exported: this module's callers read them here (the other engines import engines.common).
from kechuang.engines.common import OUTCOMES as OUTCOMES
from kechuang.engines.common import OutputError as OutputError
from kechuang.engines.common import PolicySummary as PolicySummary
from kechuang.engines.common import ScreenResult as ScreenResult
from kechuang.engines.common import output_format as output_format
from kechuang.engines.common import totals_file as totals_file
from kechuang.engines.compiled import pack_text
from kechuang.engines.durable import Sync, place_results
from kechuang.engines.exclusions import apply_exclusions, exclusion_pairs
from kechuang.engines.panel import (
    FORMATS,
    PanelError,
    PanelSource,
    ParquetFooter,
    duplicate_key_error,
    open_panel,
    read_footer,
)
from kechuang.engines.sqltext import string_literal
from kechuang.rules.columns import DUPLICATE_KEY, RESULT_COLUMNS
from kechuang.rules.ir import Value
from kechuang.rules.policy import Policy


def _default_memory() -> str:
    """3500MB, or two fifths of the memory this process may use if that is less.

    At 10M enterprises the years join's hash tables need about 3 GB: under 1500MB they
    spilled, for 1.6x the CPU time of the whole run (the process peaked at 3 GB with 3500MB).
    """
    limits = []
    with contextlib.suppress(ValueError, OSError):
        limits.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    with contextlib.suppress(ValueError, OSError):
        # A container's own limit (cgroup v2), when it has one ("max" when it has none).
        limits.append(int(Path("/sys/fs/cgroup/memory.max").read_text().strip()))
    if not limits:
        return "1500MB"
    return f"{min(3500, min(limits) * 2 // 5 // 2**20)}MB"


MEMORY_LIMIT = os.environ.get("KECHUANG_DUCKDB_MEMORY") or _default_memory()
THREADS = int(os.environ.get("KECHUANG_DUCKDB_THREADS", "2"))
# At most this many rows of the evaluation year for its read to be held in memory (see
# _materialize): the joined years take about 0.8 KB a row (+80 MB RSS at 100k).
MATERIALIZE_ROWS = 262_144
# Above this many RESULTS rows the totals are grouped and sorted in two statements (see
# _write_totals).
SPLIT_TOTALS_ROWS = 2_000_000
Progress = Callable[[float], None]


def connect(temp_dir: str) -> duckdb.DuckDBPyConnection:
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": MEMORY_LIMIT,
        "temp_directory": temp_dir,
        "threads": THREADS,
    }
    con = duckdb.connect(config=config)
    # Output order is by enterprise within policy anyway; insertion order costs memory.
    con.execute("SET preserve_insertion_order = false")
    # A screening binds the panel's Parquet footer about ten times (read_footer's queries,
    # the views, the checks, the query) and the RESULTS file's twice: parsed once each.
    con.execute("SET parquet_metadata_cache = true")
    return con


def _copy_options(fmt: str) -> str:
    if fmt == "parquet":
        # The same values, written with less work: ZSTD level 1 (0.4% bigger than the default
        # level 3; writer CPU 1.85 s -> 1.74 s over the 9M rows of a 1M screening, DuckDB
        # 1.5.6). The bloom filters stay (about 10% of the file): a reader looking up one
        # enterprise in RESULTS skips the row groups that cannot hold it.
        return "(FORMAT PARQUET, COMPRESSION ZSTD, COMPRESSION_LEVEL 1)"
    return "(FORMAT CSV, HEADER TRUE)"


def screen(
    data: Path,
    year: int,
    policies: Sequence[Policy],
    out: Path,
    overrides: Mapping[str, Mapping[str, Value]] | None = None,
    totals: bool = False,
    explain_columns: bool = False,
    step: Callable[[str], None] | None = None,
    check: bool = True,
    facts: Path | None = None,
    progress: Progress | None = None,
) -> ScreenResult:
    """Screen `data` for `year` with `policies` (in pack order) into `out`.

    `overrides` maps a policy id to its parameter overrides. With `totals`, also writes
    `<out stem>.totals.csv`. `step(policy_id)` is called as each policy finishes. `facts` is
    the sourced-facts file joined into the panel (engines.sourced), if the policies read any.
    """
    fmt = output_format(out)
    overrides = overrides or {}
    with tempfile.TemporaryDirectory(prefix="kechuang-screen-", dir=out.parent) as work:
        con = connect(work)
        try:
            # Compile first: a policy that cannot be compiled stops the run before any data is
            # read (the Parquet footer's statistics only narrow the integer types).
            parquet = FORMATS.get(data.suffix.lower()) == "parquet" and data.is_file()
            footer = read_footer(data, con) if parquet else None
            bounds = footer.bounds if footer is not None else {}
            # Unless the footer vouches for unique (uscc, year), the screening's own GROUP BY
            # checks them: no second pass over the panel.
            in_scan = check and not (footer is not None and footer.unique_keys)
            pack = pack_text(
                policies,
                year,
                overrides,
                explain_columns,
                bounds=bounds,
                check_keys=in_scan,
                materialize=_materialize(footer, year, in_scan),
            )
            query = pack.sql
            for statement in pack.setup:  # the types the query names (rules.pack.PackSQL)
                con.execute(statement)
            source = open_panel(con, data, check=check, facts=facts, keys=False, footer=footer)
            with_exclusions = bool(exclusion_pairs(policies))
            staged = Path(work) / f"results{out.suffix}"
            if with_exclusions:
                # One pass into a table; the exclusions are then resolved over it.
                _checked(con, f"CREATE TEMP TABLE screened AS {query}", progress, source)
                relation = _final_relation(con, policies, with_exclusions)
                columns = [*RESULT_COLUMNS, "excluded_by", *pack.status_names]
                select = f"SELECT {_select_list(columns, fmt)} FROM {relation}"
            else:
                # One statement: the panel scan streams straight into the RESULTS file.
                select = f"SELECT {_select_list(pack.output_columns, fmt)} FROM ({query})"
            _checked(
                con,
                f"COPY ({select}) TO {string_literal(str(staged))} {_copy_options(fmt)}",
                progress,
                source,
            )
            # On disk while it is read back for the counts and totals (engines.durable).
            synced = Sync(staged)
            if step is not None:
                for policy in policies:
                    step(policy.id)
            if not with_exclusions:
                relation = _read_back(staged, fmt, pack.output_columns)
            summaries = _summaries(con, relation, policies, with_exclusions)
            rows = sum(sum(s.counts.values()) for s in summaries)
            staged_totals = None
            if totals:
                staged_totals = Path(work) / "totals.csv"
                _write_totals(con, relation, year, staged_totals, rows > SPLIT_TOTALS_ROWS)
        finally:
            con.close()
        # Everything succeeded: move the files into place.
        totals_path = place_results(staged, out, synced, staged_totals)
    return ScreenResult(out, year, summaries, rows, totals_path, with_exclusions)


def _materialize(footer: ParquetFooter | None, year: int, check_keys: bool) -> bool:
    """Whether the years read should be a materialized layer (rules.pack.pack_sql): when
    the evaluation year's rows are in fewer row groups than there are threads, the scan of
    that year, which drives every layer above it, would leave a thread idle. Only where the
    years are joined side by side (one row per enterprise, at most MATERIALIZE_ROWS), that
    is without the in-scan key check (whose first layer is a GROUP BY: not measured)."""
    if footer is None or check_keys:
        return False
    found = footer.groups_of_year(year)
    if found is None:
        return False
    groups, rows = found
    return 0 < groups < THREADS and rows <= MATERIALIZE_ROWS


def _select_list(columns: Sequence[str], fmt: str) -> str:
    return ", ".join(
        "NULLIF(unmet, '') AS unmet" if c == "unmet" and fmt == "csv" else c for c in columns
    )


def _read_back(staged: Path, fmt: str, columns: Sequence[str]) -> str:
    """A relation over the written RESULTS file, for the counts and totals.

    The CSV is read as DuckDB wrote it, with its columns named: no sniffing pass over it.
    Counting in the write's own pass was measured and did not pay (1M enterprises, DuckDB
    1.5.6): COPY from an Arrow stream counted batch by batch loses the COPY's parallelism
    (+0.4 s); a temporary table, narrow or one row per enterprise, costs what this read costs;
    RETURN_STATS is Parquet's only; an Arrow UDF counting in the projection received empty
    arrays and wrote empty outcomes; recounting from the panel costs more than this read.
    """
    if fmt == "parquet":
        return f"read_parquet({string_literal(str(staged))})"
    typed = {"benefit_yuan": "DECIMAL(18,2)"}
    spec = ", ".join(
        f"{string_literal(c)}: {string_literal(typed.get(c, 'VARCHAR'))}" for c in columns
    )
    return (
        f"read_csv({string_literal(str(staged))}, header = true, auto_detect = false, "
        f"delim = ',', quote = '\"', escape = '\"', columns = {{{spec}}})"
    )


def _checked(
    con: duckdb.DuckDBPyConnection, sql: str, progress: Progress | None, source: PanelSource
) -> None:
    """`_run`, turning the in-scan key check's failure into the PanelError naming the key."""
    try:
        _run(con, sql, progress)
    except duckdb.Error as exc:
        if DUPLICATE_KEY not in str(exc):
            raise
        found = duplicate_key_error(con, source)
        raise found or PanelError(f"{source.path}: {exc}") from None


def _run(con: duckdb.DuckDBPyConnection, sql: str, progress: Progress | None) -> None:
    """Execute `sql`, calling `progress(fraction)` about twice a second while it runs."""
    if progress is None:
        con.execute(sql)
        return
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.5):
            try:
                fraction = con.query_progress()
            except duckdb.Error:
                continue
            if fraction is not None and fraction >= 0:
                progress(min(fraction / 100.0, 1.0))

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        con.execute(sql)
    finally:
        done.set()
        watcher.join()
    progress(1.0)


def _final_relation(
    con: duckdb.DuckDBPyConnection, policies: Sequence[Policy], with_exclusions: bool
) -> str:
    """The name of the relation holding the rows to write (exclusions applied)."""
    if not with_exclusions:
        con.execute("CREATE TEMP VIEW final AS SELECT * FROM screened")
        return "final"
    excluded = apply_exclusions(con, "screened", policies)
    con.execute(
        f"""
        CREATE TEMP VIEW final AS
        SELECT s.* REPLACE (
                   CASE WHEN x.excluded_by IS NULL THEN s.benefit_yuan END AS benefit_yuan),
               x.excluded_by
        FROM screened s LEFT JOIN {excluded} x USING (uscc, policy_id)
        """
    )
    return "final"


def _write_totals(
    con: duckdb.DuckDBPyConnection, relation: str, year: int, path: Path, split: bool
) -> None:
    """`<out stem>.totals.csv` at `path`: one row per enterprise of `relation`, by uscc.

    With `split`, grouped into a temporary table, then sorted as it is written: at 1M
    enterprises (9M RESULTS rows, DuckDB 1.5.6) the two statements take 0.84-0.95 CPU s
    (0.46 s wall) where one `GROUP BY uscc ORDER BY uscc` took 1.1-1.3 (0.58 s; alternating
    runs, the same bytes). At 100k the CPU is the same and the second statement costs 6 ms
    of wall time, so small runs keep the one statement (SPLIT_TOTALS_ROWS). Totals
    straight from the pack's wide rows (one per enterprise, materialized once, then
    unpivoted into RESULTS) were measured too: the materialized rows cost what the
    read-back saves (1M: about 12.0 against 11.6 CPU s for the whole run) and double the
    peak memory (0.56 -> 1.0 GB).
    """
    source = _totals_sql(relation, year)
    if split:
        con.execute(f"CREATE TEMP TABLE totals AS {source}")
        source = "SELECT * FROM totals"
    try:
        con.execute(
            f"COPY ({source} ORDER BY uscc) TO {string_literal(str(path))} "
            "(FORMAT CSV, HEADER TRUE)"
        )
    finally:
        if split:
            con.execute("DROP TABLE totals")


def _totals_sql(relation: str, year: int) -> str:
    """Each enterprise's totals over `relation`, unordered (`_write_totals` sorts them)."""
    return (
        "SELECT uscc, CAST(" + str(int(year)) + " AS INTEGER) AS year, "
        "count(*) FILTER (WHERE outcome = 'eligible') AS policies_eligible, "
        "CAST(coalesce(sum(benefit_yuan), 0) AS DECIMAL(18, 2)) AS total_benefit_yuan "
        f"FROM {relation} GROUP BY uscc"
    )


def _summaries(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    policies: Sequence[Policy],
    with_exclusions: bool,
) -> list[PolicySummary]:
    by_id = {p.id: PolicySummary(p.id, p.version, p.content_hash) for p in policies}
    excluded = "count(excluded_by)" if with_exclusions else "0"
    rows = con.sql(
        f"SELECT policy_id, outcome, count(*), sum(benefit_yuan), {excluded} "
        f"FROM {relation} GROUP BY policy_id, outcome"
    ).fetchall()
    for policy_id, outcome, count, benefit, n_excluded in rows:
        summary = by_id[policy_id]
        summary.counts[outcome] = int(count)
        summary.total_benefit_yuan += Decimal(benefit or 0)
        summary.excluded += int(n_excluded)
    return [by_id[p.id] for p in policies]
