"""Measure a command as a user runs it: wall time and peak resident memory of the whole process.

Each benchmark module exposes `run(args) -> list[Measurement]`; results are printed as a rich
table and appended as JSON lines to bench/out/results.jsonl with the machine description.
"""

from __future__ import annotations

import compileall
import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

OUT = Path(__file__).resolve().parent / "out"
console = Console()


@dataclass
class Measurement:
    name: str
    seconds: float
    peak_mb: float
    note: str = ""
    extra: dict[str, object] = field(default_factory=dict)


def machine() -> str:
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    python = platform.python_version()
    return f"{platform.machine()}, {os.cpu_count()} cores, {mem_gb:.0f} GiB, Python {python}"


def measure(
    name: str, argv: list[str], note: str = "", env: dict[str, str] | None = None
) -> Measurement:
    """Run argv in a fresh process (via /usr/bin/time-like wait4) and measure it whole."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"benchmark command failed ({code}): {' '.join(argv)}")
    # ru_maxrss is in KiB on Linux.
    return Measurement(name, seconds, usage.ru_maxrss / 1024, note)


def compile_sources() -> None:
    """Write bytecode for the kechuang package before anything is timed.

    A deployed install runs from bytecode (pip compiles site-packages, so the OpenFisca peer
    does), but an editable install under PYTHONDONTWRITEBYTECODE=1 never writes any, and every
    timed run would otherwise pay for compiling the CLI's modules from source.
    """
    import kechuang

    compileall.compile_dir(Path(kechuang.__file__).parent, quiet=1, workers=0)


def kechuang(*args: str) -> list[str]:
    """argv for the kechuang CLI in this interpreter's environment."""
    return [sys.executable, "-m", "kechuang.cli", *args]


def report(title: str, rows: list[Measurement]) -> None:
    table = Table(title=f"{title} — {machine()}")
    for column in ("benchmark", "seconds", "peak MB", "note"):
        table.add_column(column)
    for row in rows:
        table.add_row(row.name, f"{row.seconds:.2f}", f"{row.peak_mb:.0f}", row.note)
    console.print(table)
    OUT.mkdir(exist_ok=True)
    with (OUT / "results.jsonl").open("a", encoding="utf-8") as handle:
        for row in rows:
            record = {"suite": title, "machine": machine(), "at": time.time(), **asdict(row)}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def self_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
