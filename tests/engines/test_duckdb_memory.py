"""engines.duckdb: the default memory_limit is 3500MB, or two fifths of the machine's memory
when that is less, and the screening connection runs under it."""

from __future__ import annotations

import os
from pathlib import Path

from kechuang.engines import duckdb as engine


def test_the_default_memory_limit_fits_the_machine() -> None:
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    default = engine._default_memory()
    assert default.endswith("MB")
    assert (
        int(default[:-2]) == min(3500, physical * 2 // 5 // 2**20)
        or Path("/sys/fs/cgroup/memory.max").is_file()
    )  # a container's own limit may be lower still
    assert 0 < int(default[:-2]) <= 3500


def test_the_screening_connection_runs_under_the_limit(tmp_path: Path) -> None:
    con = engine.connect(str(tmp_path))
    try:
        setting = con.sql("SELECT current_setting('memory_limit')").fetchone()
    finally:
        con.close()
    assert setting is not None
    # DuckDB reports the limit rounded down in its own units (3500MB is "3.2 GiB").
    value, unit = str(setting[0]).split(" ")
    reported = float(value) * {"MiB": 2**20, "GiB": 2**30}[unit] / 10**6
    assert 0.95 < reported / int(engine.MEMORY_LIMIT[:-2]) <= 1
