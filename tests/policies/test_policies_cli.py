"""`kechuang policies validate | list | show` through the real command."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kechuang.cli import app
from kechuang.policies.pack import load_pack

runner = CliRunner()
GOOD = Path(__file__).parents[2] / "src" / "kechuang" / "policies" / "tsme-2017.yaml"


def test_validate_says_ok_per_file() -> None:
    result = runner.invoke(app, ["policies", "validate", str(GOOD)])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"{GOOD}: ok"


def test_validate_reports_file_line_column_and_exits_2(tmp_path: Path) -> None:
    # A path longer than a terminal line: the diagnostic must still be one parseable line.
    folder = tmp_path / ("a-folder-with-a-long-name-" * 4)
    folder.mkdir()
    bad = folder / "bad.yaml"
    text = GOOD.read_text(encoding="utf-8").replace("expr: employees <=", "expr: employes <=", 1)
    bad.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["policies", "validate", str(GOOD), str(bad)])
    assert result.exit_code == 2
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "employes <=" in t)
    assert f"{bad}:{line}:" in result.output
    assert "unknown name 'employes' (did you mean 'employees'?)" in result.output


def test_list_json_has_every_version() -> None:
    result = runner.invoke(app, ["policies", "list", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    pack = load_pack()
    assert {r["id"] for r in rows} == set(pack.ids())
    assert all(r["document_number"] for r in rows)


def test_show_prints_conditions_with_clauses() -> None:
    result = runner.invoke(app, ["policies", "show", "tsme-2017", "--year", "2024", "--lang", "en"])
    assert result.exit_code == 0
    assert "Conditions:" in result.stdout and "第六条" in result.stdout


def test_show_unknown_policy_exits_2() -> None:
    result = runner.invoke(app, ["policies", "show", "nope"])
    assert result.exit_code == 2
    assert "unknown policy 'nope'" in result.output
