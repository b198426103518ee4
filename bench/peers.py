"""Peer baselines measured beside Kechuang in the same run, and the median-of-N runner.

- `floor`: the DuckDB I/O floor of a screening, a hand-written query: read the panel's years
  once, one GROUP BY per enterprise over the years (a sum and the evaluation year's values),
  and write one row per enterprise per policy (`python -m bench.peers floor PANEL YEAR N OUT`,
  run as its own process so it is measured whole, like `kechuang screen`); `keyed_copy` writes
  the panel in key order, where that GROUP BY is fastest, so the floor is measured on both
  layouts and the faster is the peer;
- `openfisca_argv(...)`: the OpenFisca (rules-as-code reference engine) peer of tsme-2017 and
  above-scale-2019 (bench/openfisca_peer) as its own process, reading the same panel and
  writing a CSV; `openfisca_skip_reason()` says why it cannot run (None when it can: it needs
  `pip install 'kechuang[bench]'`), so a suite reports a skipped row rather than a made-up figure;
- `medians_of(jobs)`: `runs` whole-process measurements of each job's argv, the jobs taken in
  turn so that a drift in the machine's speed falls on all of them, with progress printed
  after each, each job's median kept (the others in its note); `median_of` for one job.

The machine's load average is in every note (bench.scale.measure_full).
"""

from __future__ import annotations

import os
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.harness import Measurement, console

RUNS = int(os.environ.get("KECHUANG_BENCH_RUNS", "3"))


def floor_argv(panel: Path, year: int, policies: int, out: Path) -> list[str]:
    """argv of the floor query as its own process."""
    return [sys.executable, "-m", "bench.peers", "floor", str(panel), str(year),
            str(policies), str(out)]  # fmt: skip


def floor(panel: Path, year: int, policies: int, out: Path) -> None:
    """One GROUP BY over the years, one row per enterprise per policy, one COPY out."""
    import duckdb

    con = duckdb.connect(config={"threads": 2, "memory_limit": "1500MB"})
    con.execute("SET preserve_insertion_order = false")
    path = "'" + str(panel).replace("'", "''") + "'"
    ids = ", ".join(f"('p{i}')" for i in range(policies))
    fmt = "(FORMAT PARQUET, COMPRESSION ZSTD)" if out.suffix == ".parquet" else "(FORMAT CSV)"
    target = "'" + str(out).replace("'", "''") + "'"
    con.execute(
        f"""
        COPY (
            SELECT a.uscc, p.policy_id, {int(year)} AS year,
                   CASE WHEN a.revenue_3y > a.rd_3y THEN 'eligible' ELSE 'ineligible' END
                       AS outcome,
                   a.employees, a.revenue
            FROM (
                SELECT uscc,
                       sum(revenue) AS revenue_3y, sum(rd_expense) AS rd_3y,
                       max(employees) FILTER (WHERE year = {int(year)}) AS employees,
                       max(revenue) FILTER (WHERE year = {int(year)}) AS revenue,
                       count(*) FILTER (WHERE year = {int(year)}) AS here
                FROM read_parquet({path})
                WHERE year BETWEEN {int(year) - 2} AND {int(year)}
                GROUP BY uscc
            ) a CROSS JOIN (VALUES {ids}) p(policy_id)
            WHERE a.here > 0
        ) TO {target} {fmt}
        """
    )
    con.close()


def keyed_copy(panel: Path, target: Path) -> Path:
    """The panel's rows in key order (uscc, year), the layout on which the floor's GROUP BY is
    fastest; the floor is measured on both and the faster one is the peer (a user would pick it).
    """
    import duckdb

    con = duckdb.connect(config={"threads": 2, "memory_limit": "2GB"})
    con.execute("SET enable_progress_bar = false")
    source = "'" + str(panel).replace("'", "''") + "'"
    out = "'" + str(target).replace("'", "''") + "'"
    con.execute(
        f"COPY (SELECT * FROM read_parquet({source}) ORDER BY uscc, year) TO {out} "
        "(FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 131072)"
    )
    con.close()
    return target


def openfisca_skip_reason() -> str | None:
    """Why the OpenFisca peer cannot be measured in this run (None: it can)."""
    import importlib.util

    if importlib.util.find_spec("openfisca_core") is None:
        return "openfisca-core is not installed (pip install 'kechuang[bench]')"
    return None


def openfisca_argv(panel: Path, year: int, out: Path) -> list[str]:
    """argv of the OpenFisca peer (tsme-2017 and above-scale-2019) as its own process."""
    return [sys.executable, "-m", "bench.openfisca_peer", str(panel), str(year), str(out)]


# A measured command: its name, argv and extra environment (None: none).
Job = tuple[str, list[str], dict[str, str] | None]


def medians_of(jobs: Sequence[Job], runs: int = RUNS) -> list[Measurement]:
    """For each job, the median (by wall time) of `runs` whole-process measurements of its
    argv, the jobs taken in turn (A B C, A B C, ...). A machine whose speed drifts within
    minutes (seen on these VMs: the same command 4.8 s, then 6.2-7.5 s a few minutes later)
    then slows every job alike, where runs taken job after job put the drift between them
    and into their ratio."""
    from bench.scale import measure_full

    done: list[list[Measurement]] = [[] for _ in jobs]
    for i in range(runs):
        for (name, argv, env), measured in zip(jobs, done, strict=True):
            m = measure_full(name, argv, env)
            measured.append(m)
            console.print(f"  [{i + 1}/{runs}] {name}: {m.seconds:.2f} s, {m.peak_mb:.0f} MB")
    return [_median(measured) for measured in done]


def median_of(
    name: str, argv: list[str], env: dict[str, str] | None = None, runs: int = RUNS
) -> Measurement:
    """The median (by wall time) of `runs` whole-process measurements of argv."""
    return medians_of([(name, argv, env)], runs)[0]


def _median(done: list[Measurement]) -> Measurement:
    middle = sorted(done, key=lambda m: m.seconds)[len(done) // 2]
    times = "/".join(f"{m.seconds:.2f}" for m in done)
    middle.note = f"median of {len(done)} ({times} s); {middle.note}"
    middle.extra["runs_seconds"] = [m.seconds for m in done]
    middle.extra["median_seconds"] = statistics.median(m.seconds for m in done)
    return middle


def ratio_note(ours: Measurement, peer: Measurement) -> str:
    if not peer.seconds:
        return ""
    return f"{ours.seconds / peer.seconds:.2f}× {peer.name}"


if __name__ == "__main__":
    if len(sys.argv) != 6 or sys.argv[1] != "floor":
        raise SystemExit("usage: python -m bench.peers floor PANEL YEAR POLICIES OUT")
    floor(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]))
