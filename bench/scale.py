"""Scale benchmark: the whole pack on 1M and 10M enterprises (DuckDB), 1M on PostgreSQL and Spark.

Measures `kechuang screen --policy all` as a user runs it (wall time, CPU time and peak RSS of
the whole process and its children), and reports the load average of the (shared) machine
next to each figure:
- DuckDB over a generated 1M × 3-year Parquet panel, then over a 10M panel;
- PostgreSQL: the 1M panel imported into a fresh schema of KECHUANG_BENCH_POSTGRES_URL
  (default: KECHUANG_TEST_POSTGRES_URL), screened in the database (`--engine postgres`);
- Spark local[2] (`--engine spark`, KECHUANG_SPARK_MASTER to change) over the 1M panel;
and how the DuckDB time grows from 1M to 10M. Beside them, in the same run: the DuckDB I/O
floor (bench.peers: one GROUP BY, one row per enterprise per policy, one COPY) on the same
panel and on its rows in key order (the layout that suits that GROUP BY; the faster of the two
is the peer), and DuckDB's figure for PostgreSQL and Spark. Every figure is the median of
KECHUANG_BENCH_RUNS runs (default 3), with progress after each run. A figure and its peer are
run in turn (bench.peers.medians_of): DuckDB's whole pack with the two floors, and PostgreSQL
with DuckDB's whole pack again (its own row, the peer of PostgreSQL's ratio), so a drift in
the machine's speed falls on both sides of a ratio alike.

The generator makes at most 7M distinct enterprises, so the 10M panel is the 1M population
ten times over with distinct codes (the first character of the code is the copy number: the
check digit no longer holds, which screening does not read), written by DuckDB with the same
row groups (most of one year, as the generator's are) and the unique-keys flag. Panels live
under a temporary directory (KECHUANG_BENCH_DIR, default /tmp) and are deleted at the end.
`--size` sets the small panel (default 1M); the large one is ten times it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from bench.harness import Measurement, kechuang
from bench.peers import Job, floor_argv, keyed_copy, median_of, medians_of, ratio_note
from kechuang.policies.pack import load_pack

TITLE = "scale"
YEAR = 2024
COPIES = 10
T = TypeVar("T")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}/{fifteen:.1f}"


def _tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and all its descendants (from /proc), in MB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(entry.name)] = int(line.split()[1])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / 1024


def measure_full(
    name: str, argv: list[str], env: dict[str, str] | None = None, note: str = ""
) -> Measurement:
    """Wall and CPU time (user + system, children included) and peak RSS of argv."""
    before = load()
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    # The process tree's memory is polled in a thread; the wall time ends at the blocking wait,
    # not at the next poll (a poll loop's sleep would round every figure up to its period).
    peak_tree = [0.0]
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.5):
            peak_tree[0] = max(peak_tree[0], _tree_rss_mb(proc.pid))

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    done.set()
    poller.join()
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"benchmark command failed ({code}): {' '.join(argv)}\n{stderr[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    # Spark's JVM is a child of the Python driver and is not waited for, so ru_maxrss misses
    # it: the peak is the larger of ru_maxrss and the polled RSS of the whole process tree.
    peak = max(usage.ru_maxrss / 1024, peak_tree[0])
    text = f"cpu {cpu:.1f} s; {before} → {load()}"
    return Measurement(name, seconds, peak, f"{text}; {note}" if note else text,
                       {"cpu_seconds": cpu, "load_before": before})  # fmt: skip


def in_child(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in a fresh (spawned) process: DuckDB's memory for preparing a file stays
    out of this process, whose RSS every measured command would otherwise inherit at its fork."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def replicate(panel: Path, target: Path, copies: int) -> int:
    """`copies` copies of the panel with distinct codes, one Parquet file; returns its rows."""
    import duckdb

    con = duckdb.connect(config={"threads": 2, "memory_limit": "2GB"})
    # Insertion order kept: each chunk of the panel is followed by its copies, so the row groups
    # hold one year each as the generator's do (a screening skips the other years' groups).
    con.execute("SET enable_progress_bar = false")
    columns = [r[0] for r in con.sql(f"DESCRIBE SELECT * FROM '{panel}'").fetchall()]
    items = ", ".join(
        "CAST(k AS VARCHAR) || substr(uscc, 2) AS uscc" if c == "uscc" else f'"{c}"'
        for c in columns
    )
    rows = int(con.sql(f"SELECT count(*) FROM '{panel}'").fetchone()[0]) * copies  # type: ignore[index]
    flag = json.dumps({"keys": ["uscc", "year"], "rows": rows}).replace("'", "''")
    con.execute(
        f"COPY (SELECT {items} FROM range({copies}) AS r(k), read_parquet('{panel}')) "
        f"TO '{target}' (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 131072, "
        f"KV_METADATA {{'kechuang.unique_keys': '{flag}'}})"
    )
    con.close()
    return rows


def _screen_argv(panel: Path | None, out: Path, engine: str) -> list[str]:
    args = ["screen", "--year", str(YEAR), "--policy", "all", "--out", str(out),
            "--engine", engine]  # fmt: skip
    if panel is not None:
        args += ["--data", str(panel)]
    return kechuang(*args)


def _screen(panel: Path | None, out: Path, engine: str, label: str) -> Measurement:
    return median_of(label, _screen_argv(panel, out, engine))


def run(size: int) -> list[Measurement]:
    base = Path(os.environ.get("KECHUANG_BENCH_DIR", "/tmp"))
    work = Path(tempfile.mkdtemp(prefix="kechuang-bench-scale-", dir=base))
    rows: list[Measurement] = []
    try:
        panel = work / "panel.parquet"
        subprocess.run(
            kechuang("generate", "--enterprises", str(size), "--years", "2022-2024",
                     "--seed", "1", "--out", str(panel)),
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        policies = len(load_pack().resolve(["all"], YEAR))
        keyed = in_child(keyed_copy, panel, work / "panel-keyed.parquet")
        duckdb_argv = _screen_argv(panel, work / "r-duckdb.parquet", "duckdb")
        duckdb_job: Job = (f"duckdb, whole pack, {size:,} enterprises", duckdb_argv, None)
        floor_jobs: list[Job] = [
            (f"peer: DuckDB I/O floor, {size:,} × {policies} policies{layout}",
             floor_argv(data, YEAR, policies, work / "floor.parquet"), None)
            for data, layout in ((panel, ""), (keyed, ", the panel in key order"))
        ]  # fmt: skip
        # Taken in turn (bench.peers.medians_of): the ratio compares runs of the same minutes.
        small, *floors = medians_of([duckdb_job, *floor_jobs])
        rows.append(small)
        rows.extend(floors)
        floor = min(floors, key=lambda m: m.seconds)  # the peer a user would pick
        small.note += f"; {ratio_note(small, floor)} (goal ≤ 3×)"
        if os.environ.get("KECHUANG_BENCH_SKIP_POSTGRES") != "1":
            rows.extend(_postgres(panel, work, size, duckdb_job))
        if os.environ.get("KECHUANG_BENCH_SKIP_SPARK") != "1":
            from kechuang.engines.spark import available

            reason = available()
            if reason is None:
                label = f"spark local[2], whole pack, {size:,} (cpu: the Python driver only)"
                spark = _screen(panel, work / "r-spark.parquet", "spark", label=label)
                spark.note += f"; {ratio_note(spark, small)}"
                rows.append(spark)
            else:
                rows.append(Measurement(f"spark {size:,}", 0.0, 0.0, f"skipped: {reason}"))
        if os.environ.get("KECHUANG_BENCH_SKIP_LARGE") != "1":
            large = work / "panel-large.parquet"
            total = in_child(replicate, panel, large, COPIES)
            panel.unlink()
            big = _screen(large, work / "r-large.parquet", "duckdb",
                          label=f"duckdb, whole pack, {size * COPIES:,} enterprises "
                                f"({total:,} rows)")  # fmt: skip
            ratio = big.seconds / small.seconds if small.seconds else 0.0
            cpu_small = float(small.extra["cpu_seconds"])  # type: ignore[arg-type]
            cpu_big = float(big.extra["cpu_seconds"])  # type: ignore[arg-type]
            big.note += (
                f"; {ratio:.1f}× the wall time and {cpu_big / cpu_small:.1f}× the CPU time "
                f"of {size:,} for {COPIES}× the enterprises"
            )
            rows.append(big)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def _postgres(panel: Path, work: Path, size: int, duckdb_job: Job) -> list[Measurement]:
    """The import (setup), then the in-database screening taken in turn with DuckDB's
    (`duckdb_job` again), whose runs beside it are the ratio's peer."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = os.environ.get("KECHUANG_BENCH_POSTGRES_URL") or os.environ.get(
        "KECHUANG_TEST_POSTGRES_URL"
    )
    if not base:
        return [Measurement(f"postgres {size:,}", 0.0, 0.0,
                            "skipped: KECHUANG_BENCH_POSTGRES_URL not set")]  # fmt: skip
    schema = f"kc_bench_{secrets.token_hex(4)}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    env = {
        "KECHUANG_DATABASE_URL": url.render_as_string(hide_password=False),
        "KECHUANG_VAR_DIR": str(work / "var"),
    }
    try:
        subprocess.run(kechuang("db", "upgrade"), env={**os.environ, **env}, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        imported = measure_full(f"postgres: import {size:,} (setup, not screening)",
                                kechuang("import", str(panel)), env)  # fmt: skip
        with admin.begin() as connection:
            connection.exec_driver_sql(f"ANALYZE {schema}.annual_facts")
            connection.exec_driver_sql(f"ANALYZE {schema}.enterprises")
        name, argv, _ = duckdb_job
        screened, beside = medians_of([
            (f"postgres in-database, whole pack, {size:,}",
             _screen_argv(None, work / "r-postgres.parquet", "postgres"), env),
            (f"{name}, run beside PostgreSQL", argv, None),
        ])  # fmt: skip
        screened.note += f"; {ratio_note(screened, beside)} (goal ≤ 2×)"
        return [imported, screened, beside]
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()
