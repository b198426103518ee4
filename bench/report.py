"""Annual-report benchmark: the demo data set, then `kechuang report` cold and warm, and the PDF.

With a fresh SQLite database and var/ directory: generate and import N enterprises × 2022-2024
(seed 2024, the `make run` demo at N = 20,000), load the cultivation and biomedicine demo data
(measured, not part of the report), then time whole processes of
`kechuang report --year 2024 --out report.html` twice: cold (tiers screened and indicators
computed from the stored data) and warm (the tiers read back from var/cultivation), and once
more with `--pdf` (Chromium's print through Playwright).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.harness import Measurement, kechuang, measure

TITLE = "report"
YEARS = "2022-2024"


def run(size: int) -> list[Measurement]:
    results: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="kechuang-bench-report-") as work:
        root = Path(work)
        env = {
            "KECHUANG_VAR_DIR": str(root / "var"),
            "KECHUANG_DATABASE_URL": f"sqlite:///{root / 'bench.db'}",
        }
        panel = root / "panel.parquet"
        measure("db upgrade", kechuang("db", "upgrade"), env=env)
        generate = ["generate", "--enterprises", str(size), "--years", YEARS, "--seed", "2024"]
        measure("generate", kechuang(*generate, "--out", str(panel)), env=env)
        results.append(
            measure(f"import {size:,} × 3 years", kechuang("import", str(panel)), env=env)
        )
        results.append(measure("cultivation demo", kechuang("cultivation", "demo"), env=env))
        results.append(measure("stats demo", kechuang("stats", "demo"), env=env))
        html = str(root / "report.html")
        report = ["report", "--year", "2024", "--out", html]
        results.append(measure("report (cold: tiers + indicators)", kechuang(*report), env=env))
        results.append(measure("report (warm: tiers cached)", kechuang(*report), env=env))
        pdf = str(root / "report.pdf")
        results.append(measure("report + PDF (warm)", kechuang(*report, "--pdf", pdf), env=env))
        for m in results:
            m.extra["enterprises"] = size
        size_kib = Path(html).stat().st_size // 1024
        results[-3].note = f"{size_kib} KiB self-contained HTML"
    return results
