"""engines.compiled: the pack query is cached on disk by content and never served stale."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kechuang.engines import compiled
from kechuang.screening.inputs import load_policies

POLICIES = ["tsme-2017", "above-scale-2019"]


@pytest.fixture
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv(compiled.ENV_NO_CACHE, raising=False)
    return tmp_path / "var" / "cache" / "compiled"


def test_a_second_compile_reads_the_cache(var: Path) -> None:
    from kechuang.rules.pack import compile_pack, pack_sql

    policies = load_policies(POLICIES, 2024)
    first = compiled.pack_text(policies, 2024, bounds={"revenue": 10**12})
    (entry,) = var.iterdir()
    again = compiled.pack_text(policies, 2024, bounds={"revenue": 10**12})
    assert again == first
    # It is the compiler's query, with its output columns.
    pack = compile_pack(policies, 2024, bounds={"revenue": 10**12}, join_years=True)
    statements = pack_sql(pack, "duckdb")
    assert (first.sql, first.setup) == (statements.query, statements.setup)
    assert list(first.output_columns) == pack.output_columns
    # What is read is the file: a changed entry is what comes back (so the key must change
    # whenever the query would).
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["sql"] = "SELECT 1"
    entry.write_text(json.dumps(data), encoding="utf-8")
    assert compiled.pack_text(policies, 2024, bounds={"revenue": 10**12}).sql == "SELECT 1"


@pytest.mark.parametrize(
    "change",
    [
        {"year": 2023},
        {"bounds": {"revenue": 10**13}},
        {"overrides": {"tsme-2017": {"max_employees": 400}}},
        {"explain_columns": True},
        {"check_keys": True},
        {"dialect": "postgres"},
        {"yuan_as_fen": True},
    ],
)
def test_anything_the_query_depends_on_changes_the_key(
    var: Path, change: dict[str, object]
) -> None:
    policies = load_policies(POLICIES, 2024)
    base: dict[str, object] = {
        "year": 2024, "overrides": {}, "explain_columns": False,
        "bounds": {"revenue": 10**12}, "check_keys": False, "dialect": "duckdb",
        "yuan_as_fen": False,
    }  # fmt: skip
    changed = {**base, **change}
    assert compiled.cache_key(policies, **base) != compiled.cache_key(policies, **changed)  # type: ignore[arg-type]


def test_an_unreadable_entry_is_recompiled(var: Path) -> None:
    policies = load_policies(POLICIES, 2024)
    first = compiled.pack_text(policies, 2024)
    (entry,) = var.iterdir()
    entry.write_text("{not json", encoding="utf-8")
    assert compiled.pack_text(policies, 2024) == first
    assert json.loads(entry.read_text(encoding="utf-8"))["sql"] == first.sql


def test_a_cache_hit_does_not_import_the_compiler(var: Path) -> None:
    policies = load_policies(POLICIES, 2024)
    compiled.pack_text(policies, 2024)
    probe = (
        "import sys; from kechuang.engines.compiled import pack_text; "
        "from kechuang.screening.inputs import load_policies; "
        f"pack_text(load_policies({POLICIES!r}, 2024), 2024); "
        "print(sorted(m for m in sys.modules if m.startswith(('sqlglot', 'kechuang.rules.sql'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
