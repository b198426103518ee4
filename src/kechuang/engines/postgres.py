"""Screen inside PostgreSQL: the compiled policies run over the stored tables, in the database.

The panel is a temporary view over `annual_facts JOIN enterprises` with the contract's columns,
yuan facts kept as their stored integer fen (`<fact>_fen`, BIGINT): the compiler reads them
as numerators directly (`compile_policy(..., yuan_as_fen=True)`), so nothing is converted on
the way. The whole pack is one query (rules.pack, SQLGlot, PostgreSQL dialect; the 128-bit
integers become exact NUMERIC, 64-bit ones stay BIGINT), run by SESSIONS sessions at once,
each over its share of the enterprises (a range of codes cut at the primary key) and in one
exported snapshot: PostgreSQL runs the layers above the GROUP BY on one CPU per statement,
so the shares are what uses the server's cores. Each session COPYs its rows out as CSV
straight from the query; with exclusions (不得重复享受) it first stages them in a temporary
table and resolves them by the same SQL walk as in DuckDB (`engines.exclusions`, portable
statements, per enterprise so per share). Each session's thread hands its rows to the
client's assembly (engines.postgres_results) as they arrive, which writes the RESULTS file
(CSV as is, Parquet through Arrow's CSV reader) and computes the per-outcome counts and the
totals file from the same read, while the other session still runs. For Parquet without
exclusions the server sends one row per enterprise (the pack not unpivoted), each policy's
unmet ids as a mask of its unmet conditions (rules.pack._mask_unmet), its outcome as a
one-letter code (rules.pack._code_outcomes) and its score and benefit as integer hundredths
(rules.pack._hundredths_outputs), and Arrow unpivots it, makes each distinct mask's and
code's text and reads the counts as decimals: a ninth of the rows through COPY, whose client
reads row by row, and no text built nor NUMERIC computed per row on either side. The population
never leaves the database; only the results do. The facts' bounds (integer widths) are one scan
of the whole panel, kept in `panel_bounds` under the panel's write count (`cached_bounds`), so
the next screening of an unchanged panel reads them instead.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import select
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from kechuang.domain.panel import FIELDS, SOURCED_FIELDS, Kind
from kechuang.engines.common import (
    PolicySummary,
    ScreenResult,
    output_format,
)
from kechuang.engines.compiled import pack_text
from kechuang.engines.durable import place_results
from kechuang.engines.exclusions import exclusion_pairs
from kechuang.engines.postgres_results import Assembly, Counts, import_arrow
from kechuang.engines.sqltext import string_literal as sql_text
from kechuang.rules.columns import RESULT_COLUMNS
from kechuang.rules.ir import Value
from kechuang.rules.policy import Policy
from kechuang.store.config import libpq_uri

TABLE = "screening_engine_results"
STAGING = "kc_screened"  # the run's rows: a temporary table of this session
PARALLEL_WORKERS = int(os.environ.get("KECHUANG_PG_PARALLEL_WORKERS", "2"))
# Sessions screening a share of the enterprises each, at the same time (one backend, so one
# CPU, each): PostgreSQL cannot run the pack's layers above the GROUP BY in parallel itself.
SESSIONS = int(os.environ.get("KECHUANG_PG_SESSIONS", "2"))
# The correlation of annual_facts' code with its physical order above which the years are
# merge-joined in key order (`_join_settings`).
KEY_ORDER_MIN = 0.9
# Fen are stored as integers; ratios and numbers count in millionths.
_NUMERATOR_SCALE = {Kind.YUAN: 1, Kind.RATIO: 10**6, Kind.NUMBER: 10**6, Kind.COUNT: 1}


class DatabaseError(ValueError):
    """The database cannot be screened (not PostgreSQL, not migrated, no data)."""


def panel_view_sql(low: str | None = None, high: str | None = None) -> str:
    """The contract's panel over the stored tables (yuan facts as `<fact>_fen`); with `low`
    and/or `high`, only the enterprises whose code is in [low, high)."""
    items = []
    for f in FIELDS:
        if f.name in ("uscc", "year"):
            items.append(f"a.{f.name}")
        elif f.static:
            items.append(f"e.{f.name}")
        elif f.kind == Kind.YUAN:
            items.append(f"a.{f.name}_fen")
        else:
            items.append(f"a.{f.name}")
    for f in SOURCED_FIELDS:
        # Sourced facts (other packages' records) are not joined here: unknown.
        name = f"{f.name}_fen" if f.kind == Kind.YUAN else f.name
        sql_type = "BIGINT" if f.kind == Kind.YUAN else f.sql_type
        items.append(f"CAST(NULL AS {sql_type}) AS {name}")
    return (
        "CREATE TEMP VIEW panel AS SELECT "
        + ", ".join(items)
        # LEFT JOIN on the enterprises' key: the same rows (every fact row has its enterprise,
        # by foreign key), and PostgreSQL drops the join where no attribute is read.
        + " FROM annual_facts a LEFT JOIN enterprises e ON e.uscc = a.uscc"
        # The range on both sides (the same rows: e.uscc = a.uscc), so the enterprises'
        # hash is built over the share only.
        + _code_range("e.uscc", low, high, " AND ")
        + _code_range("a.uscc", low, high, " WHERE ")
    )


def _code_range(column: str, low: str | None, high: str | None, keyword: str) -> str:
    # A range of the key (not a hash of it): the planner estimates it from the column's
    # statistics, so a share is planned as the whole is (hash aggregate, no nested loop).
    terms = []
    if low is not None:
        terms.append(f"{column} >= {sql_text(low)}")
    if high is not None:
        terms.append(f"{column} < {sql_text(high)}")
    return (keyword + " AND ".join(terms)) if terms else ""


def share_cuts(cur: Any, shares: int) -> list[str]:
    """Codes cutting the enterprises into `shares` ranges of about as many enterprises each:
    read from the code's equal-frequency histogram in `pg_stats` when ANALYZE has made one
    (free; its sample puts a cut within about a percent of the population's), else from the
    primary key's index (a count and an offset into it per cut: 0.3 s at 1M). Any codes give
    the same rows; only the balance of the sessions depends on them."""
    if shares < 2:
        return []
    cuts = _histogram_cuts(cur, shares)
    if cuts is not None:
        return cuts
    cur.execute("SELECT count(*) FROM enterprises")
    total = int(cur.fetchone()[0])
    cuts = []
    for k in range(1, shares):
        cur.execute(
            "SELECT uscc FROM enterprises ORDER BY uscc OFFSET %s LIMIT 1", [total * k // shares]
        )
        found = cur.fetchone()
        if found is not None and str(found[0]) not in cuts:
            cuts.append(str(found[0]))
    return cuts


# Histogram buckets per share below which the statistics are too coarse to cut by.
MIN_BUCKETS = 8


def _histogram_cuts(cur: Any, shares: int) -> list[str] | None:
    # The bounds split the sampled codes into buckets of equal counts (the most common values
    # are left out of it, and a key has none), so bound k·n/shares cuts off k shares.
    cur.execute(
        "SELECT s.histogram_bounds::text::text[] FROM pg_stats s "
        "JOIN pg_class c ON c.relname = s.tablename "
        "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname "
        "WHERE c.oid = to_regclass('enterprises') AND s.attname = 'uscc'"
    )
    found = cur.fetchone()
    bounds = found[0] if found is not None else None
    if not bounds or len(bounds) - 1 < MIN_BUCKETS * shares:
        return None
    buckets = len(bounds) - 1
    cuts = [str(bounds[buckets * k // shares]) for k in range(1, shares)]
    return sorted(set(cuts))


def screen(
    url: str,
    year: int,
    policies: Sequence[Policy],
    out: Path,
    overrides: Mapping[str, Mapping[str, Value]] | None = None,
    totals: bool = False,
    explain_columns: bool = False,
    step: Callable[[str], None] | None = None,
) -> ScreenResult:
    """Screen the stored population of the PostgreSQL database at `url` into `out`."""
    import psycopg

    fmt = output_format(out)
    overrides = overrides or {}
    dsn = libpq_uri(url)
    if dsn is None:
        raise DatabaseError(
            f"--engine postgres needs a PostgreSQL KECHUANG_DATABASE_URL, not {url}"
        )
    run_id = str(uuid.uuid4())
    sessions = max(1, SESSIONS)
    # Arrow's modules load while this thread waits for the server (the bounds scan, the
    # shares' first rows); the assembly imports them (again, at no cost) itself.
    preload = threading.Thread(target=import_arrow, daemon=True)
    preload.start()
    with contextlib.ExitStack() as stack:
        conn = stack.enter_context(psycopg.connect(dsn, autocommit=False))
        with conn.cursor() as cur:
            # One snapshot for the bounds and the screening (a concurrent import cannot slip
            # a larger value in between), shared with the other sessions.
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cur.execute("SELECT to_regclass(%s), to_regclass('annual_facts')", [TABLE])
            found = cur.fetchone()
            if found is None or found[0] is None or found[1] is None:
                raise DatabaseError(
                    "the database has no screening_engine_results or annual_facts table: "
                    "run `kechuang db upgrade` (and import a panel) first"
                )
            cur.execute(panel_view_sql())
            ordered = key_ordered(cur)
            cuts = share_cuts(cur, sessions)
            ranges = list(zip([None, *cuts], [*cuts, None], strict=True))
            sessions = len(ranges)  # fewer if there are fewer enterprises
            # The bounds are one scan of the whole panel, before any share runs: its
            # parallel workers use the cores the sessions will use next.
            _session_settings(cur, 1)
            bounds, seen = cached_bounds(cur)
            _parallel_workers(cur, sessions)
            snapshot = None
            if sessions > 1:
                cur.execute("SELECT pg_export_snapshot()")
                snapshot = cur.fetchone()[0]  # type: ignore[index]
        if seen is not None:
            # Kept for the next screening of the same panel (a short transaction of its own:
            # this one lasts the whole run and another screening may write the same key).
            _keep_bounds(dsn, *seen, bounds)
        with_exclusions = bool(exclusion_pairs(policies))
        # Parquet without exclusions: one row per enterprise leaves the server and Arrow
        # unpivots it (`_unpivot`): a ninth of the rows through COPY and the client's
        # per-row read, and no LATERAL VALUES join. A CSV file keeps PostgreSQL's own rows
        # (its bytes are the file), the exclusions' walk updates one row per policy.
        wide = fmt == "parquet" and not with_exclusions
        pack = pack_text(
            policies,
            year,
            overrides,
            explain_columns,
            bounds=bounds,
            dialect="postgres",
            yuan_as_fen=True,
            unpivot=not wide,
        )
        # The other sessions, each in the main session's snapshot, before it commits.
        conns = [conn]
        for _ in range(1, sessions):
            other = stack.enter_context(psycopg.connect(dsn, autocommit=False))
            with other.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cur.execute(f"SET TRANSACTION SNAPSHOT {sql_text(str(snapshot))}")
                _session_settings(cur, sessions)
            conns.append(other)
        status_names = list(pack.status_names)
        try:
            with tempfile.TemporaryDirectory(prefix="kechuang-pg-", dir=out.parent) as temp:
                staged = Path(temp) / f"results{out.suffix}"
                names = [*RESULT_COLUMNS, *(["excluded_by"] if with_exclusions else [])]
                staged_totals = Path(temp) / "totals.csv" if totals else None
                ids = [p.id for p in policies] if wide else None
                # Each session screens its share of the enterprises (a range of codes) and
                # hands its rows to the assembly as they arrive: a policy, its exclusions and
                # an enterprise's totals read only that enterprise's rows, so the shares are
                # independent, and PostgreSQL runs one statement per backend (one CPU each).
                # The sessions send their statements first and take the assembly once their
                # rows come (`ready`): it waits for Arrow's import (a few tenths of a second of
                # this process), which so overlaps the server's first rows, not precedes them.
                ready: Future[Assembly] = Future()
                work = [
                    functools.partial(
                        _share,
                        c,
                        ranges[k],
                        pack.sql,
                        run_id,
                        policies,
                        with_exclusions,
                        status_names,
                        ready,
                        Path(temp) / f"rows.{k}.csv" if fmt == "csv" else None,
                        fmt,
                        wide,
                        ordered,
                    )
                    for k, c in enumerate(conns)
                ]
                with ThreadPoolExecutor(max_workers=sessions) as pool:
                    running = [pool.submit(w) for w in work]
                    assembly = _assembly(ready, preload, fmt, staged, [*names, *status_names],
                                         year, staged_totals, ids, pack.unmet_terms,
                                         pack.hundredths)  # fmt: skip
                    with contextlib.closing(assembly):
                        parts = [f.result() for f in running]
                        if step is not None:
                            for policy in policies:
                                step(policy.id)
                        counts = assembly.finish([part for part in parts if part is not None])
                summaries = _summaries(policies, counts)
                totals_path = place_results(staged, out, assembly.synced, staged_totals)
        finally:
            for c in conns:
                if c.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
                    # A failed share (its COPY cancelled): the error to report is its own.
                    c.rollback()
                with c.cursor() as cur:
                    cur.execute(f"DROP TABLE IF EXISTS {STAGING}")
                c.commit()
    rows = sum(sum(s.counts.values()) for s in summaries)
    return ScreenResult(out, year, summaries, rows, totals_path, with_exclusions)


def _assembly(ready: Future[Assembly], preload: threading.Thread, *args: Any) -> Assembly:
    """The Assembly of `args`, made once Arrow is imported (`preload`) and handed to the
    sessions waiting on `ready` (or the error that made it fail, so they stop too)."""
    try:
        preload.join()
        assembly = Assembly(*args)
    except BaseException as exc:
        ready.set_exception(exc)
        raise
    ready.set_result(assembly)
    return assembly


def _session_settings(cur: Any, sessions: int) -> None:
    # Period aggregates group the population by enterprise: let the hash fit in memory.
    cur.execute("SET LOCAL work_mem = '256MB'")
    # JIT-compiled expressions and tuple deforming, above the default cost (a large panel):
    # about 7% less CPU for a share of 1M (none gained nor lost at 100k). LLVM's
    # optimisation and inlining passes over the pack's large CASE trees cost seconds more
    # than they save (2x), so they stay off.
    cur.execute("SET LOCAL jit = on")
    cur.execute("SET LOCAL jit_optimize_above_cost = -1")
    cur.execute("SET LOCAL jit_inline_above_cost = -1")
    _parallel_workers(cur, sessions)


def key_ordered(cur: Any) -> bool:
    """True when annual_facts is stored in the order of its key (the import writes it so):
    its statistics give the code's physical correlation, near 1 then."""
    cur.execute(
        "SELECT s.correlation FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename "
        "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname "
        "WHERE c.oid = to_regclass('annual_facts') AND s.attname = 'uscc'"
    )
    found = cur.fetchone()
    return found is not None and found[0] is not None and float(found[0]) >= KEY_ORDER_MIN


def _join_settings(cur: Any, ordered: bool, on: bool = False) -> None:
    # The years' rows (and the enterprises') are joined on the code. Stored in key order,
    # they are read in that order from the primary keys' indexes (sequential in the heap)
    # and merged, with no hash table built and probed per year: 15% less CPU per share at
    # 1M. The planner prices the hash joins lower, so the alternatives are switched off; a
    # table out of key order (random heap reads by index) keeps the hash joins. `on`: the
    # defaults again, for the statements after the pack's.
    if ordered:
        value = "on" if on else "off"
        cur.execute(f"SET LOCAL enable_hashjoin = {value}")
        cur.execute(f"SET LOCAL enable_sort = {value}")


def _parallel_workers(cur: Any, sessions: int) -> None:
    # The sessions already use the cores: parallel workers of each would only compete.
    workers = PARALLEL_WORKERS if sessions == 1 else 0
    cur.execute(f"SET LOCAL max_parallel_workers_per_gather = {workers}")


def _share(
    conn: Any,
    codes: tuple[str | None, str | None],
    query: str,
    run_id: str,
    policies: Sequence[Policy],
    with_exclusions: bool,
    statuses: Sequence[str],
    assembly: Future[Assembly],
    part: Path | None,
    fmt: str,
    wide: bool = False,
    ordered: bool = False,
) -> Path | None:
    """Screen the enterprises of `codes` ([low, high)) and stream their rows into `assembly`
    once it is ready (and, for a CSV file, their bytes into `part`, returned); with
    exclusions, through this session's STAGING table; `wide`: the pack's one row per
    enterprise as it is (`query` not unpivoted); `ordered`: annual_facts is stored in key
    order (`key_ordered`)."""
    items = "".join(f", q.{c}" for c in statuses)
    results = "q.uscc, q.policy_id, q.year, q.outcome, q.score, q.benefit_yuan, "
    # As DuckDB writes them: no unmet condition is an empty CSV field, '' in Parquet.
    results += "NULLIF(q.unmet, '') AS unmet" if fmt == "csv" else "q.unmet"
    source = f"{items} FROM ({query}) AS q"
    with conn.cursor() as cur:
        cur.execute(panel_view_sql(*codes).replace("CREATE", "CREATE OR REPLACE", 1))
        _join_settings(cur, ordered)
        if wide:
            select = query
        elif with_exclusions:
            # The walk updates the rows: one statement for the whole pack into a
            # session-local table (no WAL, no index to maintain), then the walk.
            cur.execute(f"DROP TABLE IF EXISTS {STAGING}")
            cur.execute(
                f"CREATE TEMP TABLE {STAGING} AS SELECT {sql_text(run_id)}::text AS run_id, "
                + results
                + ", CAST(NULL AS VARCHAR) AS excluded_by"
                + source
            )
            # The walk's own joins (of the unindexed staging table) plan as usual.
            _join_settings(cur, ordered, on=True)
            _apply_exclusions(cur, run_id, policies)
            select = (
                f"SELECT {_select_columns(with_exclusions, statuses)} FROM {STAGING} "
                f"WHERE run_id = '{run_id}'"
            )
        else:
            # Nothing to update: the pack's rows go straight out (no table written and
            # read back), in the snapshot's transaction.
            select = "SELECT " + results + source
    statement = f"COPY ({select}) TO STDOUT WITH (FORMAT CSV, HEADER FALSE)"
    with contextlib.ExitStack() as files:
        handle = files.enter_context(part.open("wb")) if part is not None else None
        with conn.cursor() as cur, cur.copy(statement) as copy:
            assembly.result().stream(copy_messages(copy, conn), handle)
    conn.commit()
    return part


def copy_messages(copy: Any, conn: Any) -> Iterator[Any]:
    """The CopyData messages of `copy` (a COPY TO under way on `conn`): those libpq already
    holds taken straight from it, one call each, and psycopg's `read` (which waits on the
    socket without holding the GIL) only when none is left. Its iteration waits through
    psycopg's generator machinery for every message: about 0.8 CPU s per million rows,
    where this takes about 0.45. The end of the COPY, once seen here, is finished here too:
    its final result read (an error raised as psycopg would), without blocking the GIL."""
    take = conn.pgconn.get_copy_data
    while True:
        size, data = take(1)
        if size > 0:
            yield data
        elif size == 0:
            # None buffered: psycopg waits for more (and reads the end if that comes next).
            data = copy.read()
            if not data:
                return
            yield data
        else:
            _finish_copy_out(conn)
            return


def _finish_copy_out(conn: Any) -> None:
    # The COPY's final result, then libpq's end of results (ReadyForQuery), each read once the
    # socket has delivered it: a blocking libpq call would hold the GIL the other session's
    # thread needs.
    import psycopg

    pgconn = conn.pgconn
    results = []
    while True:
        while pgconn.is_busy():
            select.select([pgconn.socket], [], [])
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None:
            break
        results.append(result)
    for result in results:
        if result.status != psycopg.pq.ExecStatus.COMMAND_OK:
            raise psycopg.errors.error_from_result(result, encoding=conn.info.encoding)


def cached_bounds(cur: Any) -> tuple[dict[str, int], tuple[int, str] | None]:
    """`fact_bounds` of the panel this transaction sees, from `panel_bounds` when they were
    computed over the same panel, else by the scan; with the cache's key (writes, query
    digest) to keep them under when they were scanned (None: read from the cache, or a
    store without the write log, migration 0110).

    The key is the number of rows of `panel_writes` this snapshot sees: every transaction that
    writes enterprises or annual_facts adds one (statement triggers, in that transaction) and
    none is removed, so the rows seen only grow as transactions commit and the same number
    means the same committed writes, hence the same panel. The digest of the bounds query
    (the panel's fields, their scales) is the other part, so a new field or scale rescans."""
    cur.execute("SELECT to_regclass('panel_writes'), to_regclass('panel_bounds')")
    found = cur.fetchone()
    if found is None or found[0] is None or found[1] is None:
        return fact_bounds(cur), None
    sql = _bounds_query()
    query = hashlib.sha256(sql.encode()).hexdigest()
    cur.execute(
        "SELECT w.n, b.bounds FROM (SELECT count(*) AS n FROM panel_writes) AS w "
        "LEFT JOIN panel_bounds b ON b.writes = w.n AND b.query = %s",
        [query],
    )
    writes, kept = cur.fetchone()
    if kept is not None:
        return {str(k): int(v) for k, v in json.loads(kept).items()}, None
    return fact_bounds(cur, sql), (int(writes), query)


def _keep_bounds(dsn: str, writes: int, query: str, bounds: Mapping[str, int]) -> None:
    import psycopg

    # A cache: a store that cannot take the row (read-only, busy) costs the next run a scan.
    with contextlib.suppress(psycopg.Error), psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO panel_bounds (writes, query, bounds) VALUES (%s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            [writes, query, json.dumps(dict(sorted(bounds.items())))],
        )


def _bounds_query() -> str:
    items = []
    for f in FIELDS:
        scale = _NUMERATOR_SCALE.get(f.kind)
        if scale is None:
            continue
        column = f"{f.name}_fen" if f.kind == Kind.YUAN else f.name
        items.append(f'ceil(CAST(max(abs({column})) AS NUMERIC) * {scale}) AS "{f.name}"')
    return f"SELECT {', '.join(items)} FROM panel"


def fact_bounds(cur: Any, sql: str | None = None) -> dict[str, int]:
    """Max |numerator| (fen, millionths, count) of each numeric fact in the stored panel: one
    aggregate over the panel view (`sql`, the `_bounds_query` if not given), so the compiler
    keeps the arithmetic in BIGINT where the data allow (NUMERIC is several times slower in
    PostgreSQL)."""
    cur.execute(sql or _bounds_query())
    row = cur.fetchone()
    names = [d.name for d in cur.description]
    # No value at all (an empty panel or an all-unknown fact): nothing to bound, 0.
    return {name: int(value or 0) for name, value in zip(names, row, strict=True)}


def _select_columns(with_exclusions: bool, statuses: Sequence[str]) -> str:
    items = [c for c in RESULT_COLUMNS]
    if with_exclusions:
        items.append("excluded_by")
    items += list(statuses)
    return ", ".join(items)


def _summaries(policies: Sequence[Policy], counts: Counts) -> list[PolicySummary]:
    by_id = {p.id: PolicySummary(p.id, p.version, p.content_hash) for p in policies}
    for (policy_id, outcome), (n, benefit, n_excluded) in counts.items():
        summary = by_id[policy_id]
        summary.counts[outcome] = summary.counts.get(outcome, 0) + n
        summary.total_benefit_yuan += benefit
        summary.excluded += n_excluded
    return [by_id[p.id] for p in policies]


def _apply_exclusions(cur: Any, run_id: str, policies: Sequence[Policy]) -> None:
    """The walk of engines.exclusions over this run's rows, in PostgreSQL."""
    from kechuang.engines.exclusions import exclusion_walk_sql

    for statement, params in exclusion_walk_sql(STAGING, run_id, policies):
        cur.execute(statement, params)
