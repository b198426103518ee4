"""`kechuang` starts at once: the command table is read without importing the features.

`kechuang --help` must not import the database stack (alembic, SQLAlchemy), pyarrow, the web
stack or the policy loader; `kechuang screen --help` must not import them nor DuckDB; a repeated
`kechuang screen` (pack and query cached) imports no store, loader, compiler or pyarrow. Each is
checked in a fresh interpreter (sys.modules after the command ran). The table
in `kechuang.cli` must list exactly what the modules' `register` functions declare, with the
same help line, so the lazy listing never drifts from the commands that run. Nor does a repeated
screening import pydantic (typer's option validation from 0.29 would: 60 ms a run).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kechuang.cli import BY_NAME, COMMAND_MODULES, COMMANDS, declared

PROBE = """
import json, sys
sys.argv = ["kechuang", *json.loads(sys.argv[1])]
from kechuang.cli import app
try:
    app()
except SystemExit:
    pass
sys.__stdout__.write("\\n" + json.dumps(sorted(sys.modules)))
"""

HEAVY = ("alembic", "sqlalchemy", "pyarrow", "fastapi", "starlette", "duckdb", "sqlglot")
FEATURES = ("kechuang.rules.load", "kechuang.policies.pack", "kechuang.store", "kechuang.web")


def _modules_after(*args: str, env: dict[str, str] | None = None) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=env,
    )
    modules: list[str] = json.loads(done.stdout.rstrip().rsplit("\n", 1)[-1])
    return set(modules)


def _loaded(modules: set[str], roots: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == r or m.startswith(r + ".") for r in roots))


def test_help_imports_no_database_arrow_web_or_policy_loader() -> None:
    modules = _modules_after("--help")
    assert "kechuang.cli" in modules  # the probe really ran the command
    assert _loaded(modules, HEAVY + FEATURES) == []


def test_screen_help_imports_no_database_or_web_stack() -> None:
    modules = _modules_after("screen", "--help")
    assert "kechuang.screening.commands" in modules
    assert _loaded(modules, (*HEAVY, "kechuang.rules.load", "kechuang.web")) == []


def test_a_repeated_screen_imports_no_store_loader_compiler_or_arrow(tmp_path: Path) -> None:
    # The second run reads its pack and its query from var/cache (policies.cached,
    # engines.compiled) and the Parquet footer with DuckDB: only DuckDB is left to import.
    from kechuang.enterprises.generator import write_panel

    panel = tmp_path / "panel.parquet"
    write_panel(panel, 50, [2023, 2024], seed=3)
    env = {k: v for k, v in os.environ.items() if k not in ("KECHUANG_NO_COMPILE_CACHE",)}
    env.pop("KECHUANG_DATABASE_URL", None)
    env["KECHUANG_VAR_DIR"] = str(tmp_path / "var")
    args = ["screen", "--data", str(panel), "--year", "2024", "--policy", "tsme-2017",
            "--policy", "above-scale-2019", "--out", str(tmp_path / "r.csv")]  # fmt: skip
    cold = _modules_after(*args, env=env)
    assert "sqlglot" in cold and (tmp_path / "r.csv").is_file()  # the first run compiled
    warm = _modules_after(*args, env=env)
    assert "kechuang.engines.duckdb" in warm
    assert _loaded(warm, ("alembic", "sqlalchemy", "pyarrow", "sqlglot", "fastapi")) == []
    # typer from 0.29 validates each option with a pydantic TypeAdapter (pyproject pins below).
    assert _loaded(warm, ("pydantic", "pydantic_core")) == []
    assert _loaded(warm, ("kechuang.rules.load", "kechuang.policies.source", "kechuang.web")) == []


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_table_lists_what_each_module_declares(module: str) -> None:
    found = declared(module)
    listed = [e.name for e in COMMANDS if e.module == module]
    assert sorted(found) == sorted(listed)
    for name, command in found.items():
        first = (command.help or "").strip().split("\n\n")[0]
        assert BY_NAME[name].help == " ".join(first.split()), name
