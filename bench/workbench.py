"""Policy workbench benchmark: validating an expression while typing (server time), simulating a
draft against the version in force on N enterprises × 3 years, and publication to first run.

A fresh SQLite store and var/ directory: `kechuang import` of a generated panel (N enterprises,
2022-2024, seed 7; not measured), `kechuang policies seed`, then in this process:
- check: the live check of first-above-scale-reward's text with one keystroke changed, the median
  of 50 (the server's time per keystroke, the page adds the network), and the form's check of
  one condition field in the context of that text (median of 50);
- simulate: a draft copying first-above-scale-reward with a higher threshold, screened against
  the version in force for 2024 on the whole population (both screenings and the comparison);
- publish-to-run: approval by a second officer, publication, and the start of a run of the new
  version (the run's plan: the published pack rebuilt and the version resolved).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.harness import Measurement, kechuang, self_peak_mb

TITLE = "workbench"
YEARS = "2022-2024"


def run(size: int) -> list[Measurement]:
    import subprocess

    with tempfile.TemporaryDirectory(prefix="bench-workbench-") as tmp:
        work = Path(tmp)
        env = {"KECHUANG_DATABASE_URL": f"sqlite:///{work / 'kc.db'}",
               "KECHUANG_VAR_DIR": str(work / "var")}  # fmt: skip
        os.environ.update(env)
        panel = work / "panel.parquet"
        for argv in (
            kechuang("generate", "--enterprises", str(size), "--years", YEARS, "--seed", "7",
                     "--out", str(panel)),
            kechuang("import", str(panel)),
            kechuang("policies", "seed"),
        ):  # fmt: skip
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env={**os.environ})
        return _measure(size)


def _measure(size: int) -> list[Measurement]:
    from kechuang.accounts.service import create_account
    from kechuang.policies import service, simulation
    from kechuang.policies.authoring import check_field
    from kechuang.policies.workbench import check_text
    from kechuang.screening.runs import plan_start
    from kechuang.store.engine import make_engine, make_sessionmaker

    engine = make_engine()
    session = make_sessionmaker(engine)()
    for name in ("bench1", "bench2"):
        create_account(session, name, "bench-pass-1", "officer")
    session.commit()
    shipped = service.find(session, "first-above-scale-reward", "2026.2")
    assert shipped is not None

    times = []
    for n in range(50):
        text = shipped.source.replace("revenue >= threshold", f"revenue >= threshold + {n}")
        times.append(check_text(text).server_ms)
    check_ms = statistics.median(times)
    field_ms = statistics.median(
        check_field(shipped.source, f"revenue >= threshold + {n}", "condition").server_ms
        for n in range(50)
    )

    draft = service.copy_version(session, "bench1", shipped, "2027.1")
    text = draft.source.replace("effective: {from: 2024-01-01", "effective: {from: 2027-01-01")
    text = text.replace("value: 10000000}", "value: 12000000}")
    service.edit(session, "bench1", draft, text, draft.revision)
    session.commit()
    started = time.perf_counter()
    summary = simulation.simulate(engine, session, draft, 2024)
    simulate_s = time.perf_counter() - started

    service.submit(session, "bench1", draft)
    session.commit()
    started = time.perf_counter()
    service.approve(session, "bench2", draft, "")
    service.publish(session, "bench2", draft)
    session.commit()
    plan_start(session, "first-above-scale-reward", 2026, "bench1")
    publish_s = time.perf_counter() - started
    session.close()
    engine.dispose()
    peak = self_peak_mb()
    return [
        Measurement("check (median keystroke)", check_ms / 1000, peak, "goal < 0.050 s"),
        Measurement("form field check (median)", field_ms / 1000, peak, "goal < 0.050 s"),
        Measurement(
            f"simulate {size:,} × 3 years",
            simulate_s,
            peak,
            f"goal < 5 s; {len(summary.changes):,} changed",
        ),
        Measurement("approve + publish + start a run", publish_s, peak, "goal < 1 s"),
    ]
