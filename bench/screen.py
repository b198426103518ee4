"""Screening benchmark: `kechuang screen` over a generated panel, against a per-record baseline.

Measures, in one run and on one machine:
- the whole process `kechuang screen --data P --year 2024 --policy tsme-2017
  --policy above-scale-2019 --out R.parquet` (wall time and peak RSS of the process);
- the same with `--explain-columns` (a status column per condition);
- the baseline: the scalar evaluator looping over enterprises one by one, timed on a slice
  and extrapolated to the whole panel (labelled as such);
- explaining one enterprise in-process (read its rows with DuckDB, evaluate, render): the
  first explain of a large unsorted panel builds its index (engines.lookup), measured apart,
  then the median of later explains.
Beside Kechuang, in the same run: the DuckDB I/O floor (bench.peers) on the same panel and,
where openfisca-core is installed, the OpenFisca peer of the two policies (bench.openfisca_peer)
with the count of its verdicts that differ from Kechuang's CSV (else a row saying why it is
skipped). Screen figures are the median of KECHUANG_BENCH_RUNS runs (default 3), progress
after each run; the screen and its two peers are run in turn (screen, floor, OpenFisca, and
again), so a drift in the machine's speed falls on all three alike.
Each screen figure also gives the process's CPU time and the machine's load average (the
machine is shared: wall time under load overstates what the process needs).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import duckdb

from bench.harness import Measurement, kechuang, measure, self_peak_mb
from bench.peers import (
    Job,
    floor_argv,
    medians_of,
    openfisca_argv,
    openfisca_skip_reason,
    ratio_note,
)
from bench.scale import measure_full

TITLE = "screen"
YEAR = 2024
POLICIES = ("tsme-2017", "above-scale-2019")
BASELINE_SLICE = 5_000
OPENFISCA = "peer: OpenFisca, 2 policies"


def run(size: int) -> list[Measurement]:
    work = Path(tempfile.mkdtemp(prefix="kechuang-bench-screen-"))
    panel = work / "panel.parquet"
    measure(
        "generate",
        kechuang("generate", "--enterprises", str(size), "--years", "2022-2024", "--seed", "1",
                 "--out", str(panel)),
    )  # fmt: skip
    args = ["screen", "--data", str(panel), "--year", str(YEAR)]
    for p in POLICIES:
        args += ["--policy", p]
    rows: list[Measurement] = []
    jobs: list[Job] = [
        (f"screen {size:,} × 3 years, 2 policies", kechuang(*args, "--out", str(work / "r.csv")),
         None),
        (f"peer: DuckDB I/O floor, {size:,} × 2 policies",
         floor_argv(panel, YEAR, len(POLICIES), work / "floor.csv"), None),
    ]  # fmt: skip
    skipped = openfisca_skip_reason()
    if skipped is None:
        jobs.append((OPENFISCA, openfisca_argv(panel, YEAR, work / "openfisca.csv"), None))
    # Taken in turn (bench.peers.medians_of): the ratios compare runs of the same minutes.
    screen, floor, *peer = medians_of(jobs)
    rows += [screen, floor]
    screen.note += f"; {ratio_note(screen, floor)}"
    rows.append(openfisca_peer(screen, peer[0] if peer else None, skipped, work))
    rows.append(
        measure_full(
            f"screen {size:,} with explain columns",
            kechuang(*args, "--out", str(work / "rx.parquet"), "--explain-columns"),
        )
    )
    baseline = per_record_baseline(panel, size)
    speedup = baseline.seconds / screen.seconds if screen.seconds else 0.0
    baseline.note += f"; screen is {speedup:,.0f}× faster"
    rows.append(baseline)
    rows.extend(explain_one(panel))
    return rows


def openfisca_peer(
    screen: Measurement, peer: Measurement | None, skipped: str | None, work: Path
) -> Measurement:
    """The OpenFisca peer's row (measured beside the screen, or why it was skipped), with how
    many of its verdicts differ from ours."""
    if peer is None:
        return Measurement(OPENFISCA, 0.0, 0.0, f"skipped: {skipped}")
    from bench.openfisca_peer.compare import compare, describe

    peer.note += f"; {describe(compare(work / 'r.csv', work / 'openfisca.csv'))}"
    screen.note += f"; {ratio_note(screen, peer)}"
    return peer


def per_record_baseline(panel: Path, size: int) -> Measurement:
    """The scalar evaluator over a slice of enterprises, extrapolated to `size`."""
    from kechuang.policies.pack import load_pack
    from kechuang.rules.scalar import evaluate

    policies = load_pack().resolve(list(POLICIES), YEAR)
    history_years = max(p.history_years for p in policies)
    con = duckdb.connect()
    cursor = con.execute(
        "WITH chosen AS (SELECT uscc FROM read_parquet(?) WHERE year = ? LIMIT ?) "
        "SELECT p.* FROM read_parquet(?) p SEMI JOIN chosen USING (uscc) "
        "WHERE p.year BETWEEN ? AND ?",
        [str(panel), YEAR, BASELINE_SLICE, str(panel), YEAR - history_years, YEAR],
    )
    names = [d[0] for d in cursor.description]
    histories: dict[str, dict[int, dict[str, object]]] = {}
    for values in cursor.fetchall():
        record = dict(zip(names, values, strict=True))
        histories.setdefault(str(record["uscc"]), {})[int(str(record["year"]))] = record
    started = time.perf_counter()
    for history in histories.values():
        for policy in policies:
            evaluate(policy, history, YEAR, gaps=False)
    seconds = time.perf_counter() - started
    per_enterprise = seconds / max(len(histories), 1)
    return Measurement(
        f"baseline: scalar per record, {size:,} (extrapolated)",
        per_enterprise * size,
        self_peak_mb(),
        f"measured {seconds:.2f} s on {len(histories):,} enterprises (evaluation only)",
    )


def explain_one(panel: Path) -> list[Measurement]:
    import os
    import statistics

    from kechuang.engines.lookup import build_index
    from kechuang.policies.pack import load_pack
    from kechuang.rules.explain import render_text
    from kechuang.rules.scalar import evaluate
    from kechuang.screening.inputs import read_history

    os.environ.setdefault("KECHUANG_VAR_DIR", str(panel.parent / "var"))
    policy = load_pack().get("tsme-2017", YEAR)
    codes = duckdb.sql(
        # Eleven of the year's enterprises, the same each run (a SAMPLE clause samples the scan
        # before the WHERE, so it can return fewer).
        f"SELECT uscc FROM read_parquet('{panel}') WHERE year = {YEAR} ORDER BY hash(uscc) LIMIT 11"
    ).fetchall()
    started = time.perf_counter()
    build_index(panel)
    built = Measurement("explain: index of the panel (once per panel file)",
                        time.perf_counter() - started, self_peak_mb(),
                        "partitioned copy under var/cache/panel-index")  # fmt: skip
    times = []
    for (uscc,) in codes:
        started = time.perf_counter()
        history = read_history(panel, str(uscc), YEAR, policy.history_years)
        render_text(evaluate(policy, history, YEAR), policy, "zh")
        times.append(time.perf_counter() - started)
    return [built, Measurement(
        "explain one enterprise (in process)", statistics.median(times[1:]), self_peak_mb(),
        f"median of {len(times) - 1} (first {times[0]:.3f} s); read rows + evaluate with gaps "
        "+ render",
    )]  # fmt: skip
