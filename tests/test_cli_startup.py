"""`kechuang` starts at once: the command table is read without importing the features.

`kechuang --help` must not import the database stack (alembic, SQLAlchemy), pyarrow, the web
stack or the policy loader; `kechuang screen --help` must not import the database or web
stacks. Each is checked in a fresh interpreter (sys.modules after the command ran). The table
in `kechuang.cli` must list exactly what the modules' `register` functions declare, with the
same help line, so the lazy listing never drifts from the commands that run.
"""

from __future__ import annotations

import json
import subprocess
import sys

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


def _modules_after(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
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
    assert _loaded(modules, ("alembic", "sqlalchemy", "fastapi", "starlette", "kechuang.web")) == []


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_table_lists_what_each_module_declares(module: str) -> None:
    found = declared(module)
    listed = [e.name for e in COMMANDS if e.module == module]
    assert sorted(found) == sorted(listed)
    for name, command in found.items():
        first = (command.help or "").strip().split("\n\n")[0]
        assert BY_NAME[name].help == " ".join(first.split()), name
