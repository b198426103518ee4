"""The same generated panel and the whole pack give identical RESULTS on every engine.

DuckDB (over the Parquet panel), PostgreSQL (the panel imported, screened in the database),
Spark (local[2], over the same Parquet) and the scalar evaluator (enterprise by enterprise)
must write the same CSV rows, byte for byte once sorted (no engine promises a row order), and
the same per-enterprise totals file. PostgreSQL needs KECHUANG_TEST_POSTGRES_URL and Spark needs
pyspark and Java; each part skips with the reason when they are missing (CI has both).

Two evaluation years: 2024 (the 2022 SME ladder, whose alternative routes read the data
contract's version 2 columns) and 2026 (the 2026 ladder, in force from 2026-04-01, which reads
the development score and the titles held).
"""

from __future__ import annotations

import csv
import os
import secrets
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from kechuang.cli import app
from kechuang.enterprises.generator import write_panel
from kechuang.rules.scalar import evaluate
from kechuang.screening.inputs import load_policies

ENTERPRISES = 400
runner = CliRunner()


@pytest.fixture(scope="module", params=[2024, 2026])
def year(request: pytest.FixtureRequest) -> int:
    value: int = request.param
    return value


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("panel") / "panel.parquet"
    write_panel(path, ENTERPRISES, list(range(2021, 2027)), seed=7)
    return path


@pytest.fixture(scope="module")
def duckdb_result(panel: Path, year: int, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp(f"duckdb{year}") / "results.csv"
    _screen(["--data", str(panel)], out, year)
    return out


def _screen(args: list[str], out: Path, year: int, engine: str = "duckdb") -> None:
    result = runner.invoke(
        app,
        ["screen", *args, "--year", str(year), "--policy", "all", "--out", str(out),
         "--engine", engine],
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def _sorted_rows(path: Path) -> tuple[str, list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[0], sorted(lines[1:])


def _same(a: Path, b: Path) -> None:
    header_a, rows_a = _sorted_rows(a)
    header_b, rows_b = _sorted_rows(b)
    assert header_a == header_b
    assert len(rows_a) == len(rows_b)
    different = [(x, y) for x, y in zip(rows_a, rows_b, strict=True) if x != y]
    assert not different, different[:5]
    totals_a, totals_b = (p.with_name(f"{p.stem}.totals.csv") for p in (a, b))
    assert totals_a.read_text(encoding="utf-8") == totals_b.read_text(encoding="utf-8")


def _same_parquet(theirs: Path, ours: Path) -> Any:
    """DuckDB's Parquet RESULTS (`theirs`) and ours hold the same rows once sorted, with the
    same schema, and their totals files are the same bytes; returns ours, read."""
    import pyarrow.parquet as pq

    a, b = pq.read_table(theirs), pq.read_table(ours)
    assert a.schema == b.schema
    key = [("uscc", "ascending"), ("policy_id", "ascending")]
    assert a.sort_by(key).to_pylist() == b.sort_by(key).to_pylist()
    totals_a, totals_b = (p.with_name(f"{p.stem}.totals.csv") for p in (theirs, ours))
    assert totals_a.read_text(encoding="utf-8") == totals_b.read_text(encoding="utf-8")
    return b


def _together_in_pack_order(table: Any, ids: list[str]) -> None:
    """Each enterprise's rows come together, its policies in pack order."""
    codes, pids = table.column("uscc").to_pylist(), table.column("policy_id").to_pylist()
    for start in range(0, len(codes), len(ids)):
        assert len(set(codes[start : start + len(ids)])) == 1
        assert pids[start : start + len(ids)] == ids


def _decimal2(value: Fraction) -> str:
    fen = (value * 100 + Fraction(1, 2)).__floor__()
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def test_scalar_evaluator_agrees_with_duckdb(panel: Path, year: int, duckdb_result: Path) -> None:
    import duckdb

    from kechuang.domain.panel import BY_NAME
    from kechuang.engines.panel import open_panel

    policies = load_policies(["all"], year)
    history_years = max(p.history_years for p in policies)
    con = duckdb.connect()
    open_panel(con, panel)
    cursor = con.execute(
        "SELECT * FROM panel WHERE year BETWEEN ? AND ?", [year - history_years, year]
    )
    names = list(BY_NAME)
    histories: dict[str, dict[int, dict[str, object]]] = {}
    for values in cursor.fetchall():
        record = dict(zip(names, values, strict=True))
        histories.setdefault(str(record["uscc"]), {})[int(str(record["year"]))] = record
    lines = ["uscc,policy_id,year,outcome,score,benefit_yuan,unmet"]
    for uscc, history in histories.items():
        if year not in history:
            continue
        for policy in policies:
            verdict = evaluate(policy, history, year, gaps=False)
            score = "" if verdict.score is None else _decimal2(verdict.score)
            benefit = (
                "" if verdict.benefit_fen is None else _decimal2(Fraction(verdict.benefit_fen, 100))
            )
            unmet = ";".join(verdict.unmet)
            lines.append(
                f"{uscc},{policy.id},{year},{verdict.outcome.value},{score},{benefit},{unmet}"
            )
    scalar = duckdb_result.with_name("scalar.csv")
    scalar.write_text("\n".join(lines) + "\n", encoding="utf-8")
    header_a, rows_a = _sorted_rows(duckdb_result)
    header_b, rows_b = _sorted_rows(scalar)
    assert header_a == header_b
    assert rows_a == rows_b
    # The contract's CSV really was read by csv readers as written.
    with duckdb_result.open(encoding="utf-8") as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == len(rows_a)


@pytest.fixture
def postgres_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, panel: Path) -> Iterator[Path]:
    base = os.environ.get("KECHUANG_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("PostgreSQL part: KECHUANG_TEST_POSTGRES_URL not set")
    schema = f"kc_engine_{secrets.token_hex(4)}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    monkeypatch.setenv("KECHUANG_DATABASE_URL", url.render_as_string(hide_password=False))
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    try:
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        imported = runner.invoke(app, ["import", str(panel)])
        assert imported.exit_code == 0, imported.output
        yield tmp_path
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()


@pytest.mark.postgres
def test_postgres_in_database_agrees_with_duckdb(
    postgres_env: Path, year: int, duckdb_result: Path
) -> None:
    out = postgres_env / "results.csv"
    _screen([], out, year, engine="postgres")
    _same(duckdb_result, out)
    # The engine's staging rows are gone once exported.
    engine = create_engine(os.environ["KECHUANG_DATABASE_URL"])
    with engine.connect() as connection:
        left = connection.exec_driver_sql("SELECT count(*) FROM screening_engine_results")
        assert left.scalar_one() == 0
    engine.dispose()


def test_postgres_refuses_data_and_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KECHUANG_DATABASE_URL", f"sqlite:///{tmp_path / 'k.db'}")
    out = tmp_path / "r.csv"
    result = runner.invoke(
        app, ["screen", "--engine", "postgres", "--year", "2024", "--policy", "tsme-2017",
              "--out", str(out), "--data", str(tmp_path / "p.parquet")],
    )  # fmt: skip
    assert result.exit_code == 2 and "leave out --data" in result.output
    result = runner.invoke(
        app, ["screen", "--engine", "postgres", "--year", "2024", "--policy", "tsme-2017",
              "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 2 and "PostgreSQL" in result.output
    assert not out.exists()


def test_spark_agrees_with_duckdb(
    panel: Path, year: int, duckdb_result: Path, tmp_path: Path
) -> None:
    from kechuang.engines import spark

    reason = spark.available()
    if reason is not None:
        pytest.skip(f"Spark part: {reason}")
    out = tmp_path / "results.csv"
    _screen(["--data", str(panel)], out, year, engine="spark")
    _same(duckdb_result, out)


@pytest.mark.postgres
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_postgres_exclusions_agree_with_duckdb(
    postgres_env: Path, panel: Path, suffix: str
) -> None:
    """不得重复享受 in the database: the staged walk of each session's share of the
    enterprises gives DuckDB's rows, counts and totals (CSV and Parquet)."""
    from kechuang.engines import duckdb as duckdb_engine
    from kechuang.engines import postgres as postgres_engine
    from kechuang.rules.load import load_policy_text
    from tests.engines.test_exclusions import policy

    policies = [
        load_policy_text(policy("a", "150", "b"), "a.yaml"),
        load_policy_text(policy("b", "revenue", ""), "b.yaml"),
        load_policy_text(policy("c", "150", "a"), "c.yaml"),
    ]
    ours = postgres_env / f"pg{suffix}"
    theirs = postgres_env / f"duck{suffix}"
    url = os.environ["KECHUANG_DATABASE_URL"]
    got = postgres_engine.screen(url, 2024, policies, ours, totals=True)
    want = duckdb_engine.screen(panel, 2024, policies, theirs, totals=True)
    assert [(s.counts, s.total_benefit_yuan, s.excluded) for s in got.policies] == [
        (s.counts, s.total_benefit_yuan, s.excluded) for s in want.policies
    ]
    assert sum(s.excluded for s in got.policies) > 0
    if suffix == ".csv":
        _same(theirs, ours)
        return
    _same_parquet(theirs, ours)


@pytest.mark.postgres
@pytest.mark.parametrize("explain", [False, True])
def test_postgres_parquet_agrees_with_duckdb(
    postgres_env: Path, panel: Path, year: int, explain: bool
) -> None:
    """Parquet without exclusions: the server sends one row per enterprise and the client
    unpivots it. The rows (with and without the status columns), the counts and the totals
    are DuckDB's, and each enterprise's rows come together in pack order."""
    from kechuang.engines import duckdb as duckdb_engine
    from kechuang.engines import postgres as postgres_engine

    policies = load_policies(["all"], year)
    ours, theirs = postgres_env / "pg.parquet", postgres_env / "duck.parquet"
    url = os.environ["KECHUANG_DATABASE_URL"]
    got = postgres_engine.screen(url, year, policies, ours, totals=True, explain_columns=explain)
    want = duckdb_engine.screen(panel, year, policies, theirs, totals=True, explain_columns=explain)
    assert [(s.policy_id, s.counts, s.total_benefit_yuan) for s in got.policies] == [
        (s.policy_id, s.counts, s.total_benefit_yuan) for s in want.policies
    ]
    b = _same_parquet(theirs, ours)
    assert any(name.startswith("c_") for name in b.schema.names) == explain
    _together_in_pack_order(b, [p.id for p in policies])


@pytest.mark.postgres
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_postgres_rows_in_small_blocks_agree_with_duckdb(
    postgres_env: Path, panel: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    """The sessions' rows parsed in many small blocks as they arrive (an enterprise's rows cut
    across blocks, the two sessions' blocks interleaved in the file) still give DuckDB's rows,
    counts and totals; each Parquet row group is one block, an enterprise's rows together."""
    import pyarrow.parquet as pq

    from kechuang.engines import duckdb as duckdb_engine
    from kechuang.engines import postgres as postgres_engine
    from kechuang.engines import postgres_results

    monkeypatch.setattr(postgres_results, "ROW_GROUP_ROWS", 50)
    policies = load_policies(["all"], 2024)
    ours, theirs = postgres_env / f"pg{suffix}", postgres_env / f"duck{suffix}"
    url = os.environ["KECHUANG_DATABASE_URL"]
    got = postgres_engine.screen(url, 2024, policies, ours, totals=True)
    want = duckdb_engine.screen(panel, 2024, policies, theirs, totals=True)
    assert [(s.policy_id, s.counts, s.total_benefit_yuan) for s in got.policies] == [
        (s.policy_id, s.counts, s.total_benefit_yuan) for s in want.policies
    ]
    if suffix == ".csv":
        _same(theirs, ours)
        return
    b = _same_parquet(theirs, ours)
    metadata = pq.ParquetFile(ours).metadata
    sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
    per_block = 50 // len(policies) * len(policies)  # whole enterprises per block
    assert len(sizes) > 2 and max(sizes) == per_block and sum(sizes) == b.num_rows
    _together_in_pack_order(b, [p.id for p in policies])


@pytest.mark.postgres
def test_a_share_failing_mid_stream_reports_its_own_error(
    postgres_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block that cannot be taken while its session's COPY still runs: the COPY is
    cancelled and the block's error, not the cleanup's, reaches the caller; no file is left."""
    from kechuang.engines import postgres as postgres_engine
    from kechuang.engines import postgres_results

    monkeypatch.setattr(postgres_results, "ROW_GROUP_ROWS", 50)
    taken = postgres_results.Assembly._add
    calls: list[int] = []

    def failing(self: postgres_results.Assembly, block: bytearray) -> None:
        calls.append(len(block))
        if len(calls) == 2:
            raise ValueError("this block cannot be taken")
        taken(self, block)

    monkeypatch.setattr(postgres_results.Assembly, "_add", failing)
    out = postgres_env / "out" / "pg.parquet"
    out.parent.mkdir()
    url = os.environ["KECHUANG_DATABASE_URL"]
    with pytest.raises(ValueError, match="this block cannot be taken"):
        postgres_engine.screen(url, 2024, load_policies(["all"], 2024), out, totals=True)
    assert list(out.parent.iterdir()) == []


@pytest.mark.postgres
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("merged", [True, False], ids=["merge-joined", "hash-joined"])
def test_postgres_years_joined_either_way_agree_with_duckdb(
    postgres_env: Path,
    panel: Path,
    year: int,
    suffix: str,
    merged: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The import analyzes the tables, and their statistics say annual_facts is stored in key
    order (the import writes it so): the years are merge-joined from the primary key. A table
    out of key order keeps the hash joins. Either way the whole pack and the exclusions' walk
    (its own joins planned as usual again) give DuckDB's rows, counts and totals."""
    import psycopg

    from kechuang.engines import duckdb as duckdb_engine
    from kechuang.engines import postgres as postgres_engine
    from kechuang.rules.load import load_policy_text
    from kechuang.store.config import libpq_uri
    from tests.engines.test_exclusions import policy

    url = os.environ["KECHUANG_DATABASE_URL"]
    if not merged:
        # No correlation reaches this: as for a table written out of key order.
        monkeypatch.setattr(postgres_engine, "KEY_ORDER_MIN", 2.0)
    with psycopg.connect(str(libpq_uri(url)), autocommit=True) as conn, conn.cursor() as cur:
        assert postgres_engine.key_ordered(cur) is merged
    excluding = [
        load_policy_text(policy("a", "150", "b"), "a.yaml"),
        load_policy_text(policy("b", "revenue", ""), "b.yaml"),
        load_policy_text(policy("c", "150", "a"), "c.yaml"),
    ]
    for name, policies in (("pack", load_policies(["all"], year)), ("excl", excluding)):
        ours, theirs = postgres_env / f"pg-{name}{suffix}", postgres_env / f"duck-{name}{suffix}"
        got = postgres_engine.screen(url, year, policies, ours, totals=True)
        want = duckdb_engine.screen(panel, year, policies, theirs, totals=True)
        assert [(s.counts, s.total_benefit_yuan, s.excluded) for s in got.policies] == [
            (s.counts, s.total_benefit_yuan, s.excluded) for s in want.policies
        ]
        if suffix == ".csv":
            _same(theirs, ours)
        else:
            _same_parquet(theirs, ours)


def _bounds_now(url: str) -> tuple[dict[str, int], tuple[int, str] | None, dict[str, int]]:
    """The cached path's bounds and key, and a fresh scan, in one snapshot of the store."""
    import psycopg

    from kechuang.engines import postgres as postgres_engine
    from kechuang.store.config import libpq_uri

    with psycopg.connect(str(libpq_uri(url))) as conn, conn.cursor() as cur:
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cur.execute(postgres_engine.panel_view_sql())
        bounds, key = postgres_engine.cached_bounds(cur)
        return bounds, key, postgres_engine.fact_bounds(cur)


@pytest.mark.postgres
def test_postgres_bounds_cache_is_renewed_by_any_write_of_the_panel(
    postgres_env: Path, panel: Path
) -> None:
    """The bounds are scanned once per state of the panel: kept by a screening, read back by
    the next, and scanned again after an import, an UPDATE outside the importer or a
    DELETE; a bound the data exceed is never read from the cache."""
    from kechuang.engines import postgres as postgres_engine

    url = os.environ["KECHUANG_DATABASE_URL"]
    policies = load_policies(["tsme-2017"], 2024)
    bounds, key, scanned = _bounds_now(url)
    assert key is not None and bounds == scanned  # nothing kept yet: scanned
    postgres_engine.screen(url, 2024, policies, postgres_env / "a.parquet")
    bounds, key, scanned = _bounds_now(url)
    assert key is None and bounds == scanned  # kept by the screening, read back
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE annual_facts SET revenue_fen = revenue_fen + 1000000000000000 "
                "WHERE uscc = (SELECT min(uscc) FROM annual_facts)"
            )
        bounds, key, scanned = _bounds_now(url)
        assert key is not None and bounds == scanned
        assert bounds["revenue"] > 1000000000000000
        postgres_engine.screen(url, 2024, policies, postgres_env / "b.parquet")
        assert _bounds_now(url)[:2] == (bounds, None)
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "DELETE FROM annual_facts WHERE revenue_fen >= 1000000000000000"
            )
        bounds, key, scanned = _bounds_now(url)
        assert key is not None and bounds == scanned and bounds["revenue"] < 1000000000000000
        postgres_engine.screen(url, 2024, policies, postgres_env / "c.parquet")
        assert _bounds_now(url)[1] is None
        # A new import (the same file: its rows upserted) is a new state too.
        imported = runner.invoke(app, ["import", str(panel)])
        assert imported.exit_code == 0, imported.output
        assert _bounds_now(url)[1] is not None
        with engine.connect() as connection:
            kept = connection.exec_driver_sql("SELECT count(*) FROM panel_bounds").scalar()
        assert kept == 3
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_share_cuts_from_statistics_balance_the_enterprises(
    postgres_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import's ANALYZE gives the codes' histogram, whose middle bound cuts the enterprises
    in two about equal shares; without a fine enough histogram the index cuts them exactly."""
    import psycopg

    from kechuang.engines import postgres as postgres_engine
    from kechuang.store.config import libpq_uri

    dsn = libpq_uri(os.environ["KECHUANG_DATABASE_URL"])
    assert dsn is not None
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT uscc FROM enterprises ORDER BY uscc")
        codes = [str(row[0]) for row in cur.fetchall()]
        (cut,) = postgres_engine.share_cuts(cur, 2)
        below = sum(code < cut for code in codes)
        assert abs(below - len(codes) / 2) <= 0.05 * len(codes)
        monkeypatch.setattr(postgres_engine, "MIN_BUCKETS", 10**6)  # no usable histogram
        (exact,) = postgres_engine.share_cuts(cur, 2)
        assert exact == codes[len(codes) // 2]


@pytest.mark.postgres
def test_copy_messages_give_every_row_then_the_servers_error() -> None:
    """The COPY's rows taken from libpq's buffer come whole and in order, and the COPY's end
    is read: the connection runs the next statement; a COPY the server fails part way raises
    the server's own error, after the rows sent before it."""
    import psycopg

    from kechuang.engines.postgres import copy_messages
    from kechuang.store.config import libpq_uri

    base = os.environ.get("KECHUANG_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("KECHUANG_TEST_POSTGRES_URL not set")
    dsn = libpq_uri(base)
    assert dsn is not None
    rows = 200_000  # more than one socket read: both the buffered and the waiting path
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        statement = (
            f"COPY (SELECT g, repeat('x', g % 50) FROM generate_series(1, {rows}) g) TO STDOUT"
        )
        with cur.copy(statement) as copy:
            got = [bytes(m) for m in copy_messages(copy, conn)]
        assert got == [f"{g}\t{'x' * (g % 50)}\n".encode() for g in range(1, rows + 1)]
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)
        failing = f"COPY (SELECT 1 / ({rows} - g) FROM generate_series(1, {rows}) g) TO STDOUT"
        seen = 0
        with pytest.raises(psycopg.errors.DivisionByZero), cur.copy(failing) as copy:
            for _ in copy_messages(copy, conn):
                seen += 1
        assert seen < rows
        conn.rollback()
        cur.execute("SELECT 2")
        assert cur.fetchone() == (2,)


def test_the_postgres_engine_does_not_load_duckdb() -> None:
    """A screening in PostgreSQL imports neither DuckDB nor the DuckDB engine (about 80 ms)."""
    import subprocess
    import sys

    code = (
        "import sys, kechuang.screening.commands, kechuang.engines.postgres; "
        "sys.exit('duckdb' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
