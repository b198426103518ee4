"""`kechuang screen` / `explain`: exit codes, no output on bad input, contract outputs, --set."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.engines.sqlkit import row
from typer.testing import CliRunner

from kechuang.cli import app
from kechuang.enterprises.snapshot import panel_arrow_schema
from kechuang.rules.sql import RESULT_COLUMNS

POLICY = """\
id: cli-test
version: "1"
title: {zh: 测试, en: Test}
issuer: x
document_number: x
source_url: https://example.org
effective: {from: 2016-01-01, to: null}
mode: automatic
parameters:
  amount:
    label: {zh: 金额, en: Amount}
    unit: yuan
    values:
      - {from: 2016-01-01, value: 200000}
conditions:
  - id: big
    label: {zh: a, en: a}
    clause: x
    expr: revenue >= 20000000
benefit:
  label: {zh: a, en: a}
  clause: x
  amount: amount
"""
runner = CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    rows = [
        row("913101150000000001", 2024, revenue=Decimal("20000000")),
        row("913101150000000002", 2024, revenue=Decimal("19999999.99")),
        row("913101150000000003", 2024, revenue=None),
    ]
    schema = panel_arrow_schema()
    table = pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema)
    panel = tmp_path / "panel.parquet"
    pq.write_table(table, panel)
    policy = tmp_path / "cli-test.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    return {"panel": panel, "policy": policy, "dir": tmp_path}


def screen(files: dict[str, Path], out: Path, *extra: str) -> object:
    args = ["screen", "--data", str(files["panel"]), "--year", "2024"]
    return runner.invoke(app, [*args, "--policy", str(files["policy"]), "--out", str(out), *extra])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_outputs_follow_the_contract(files: dict[str, Path], suffix: str) -> None:
    out = files["dir"] / f"results{suffix}"
    result = screen(files, out)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    if suffix == ".csv":
        with out.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert list(rows[0]) == list(RESULT_COLUMNS)
    else:
        rows = pq.read_table(out).to_pylist()
        assert list(rows[0]) == list(RESULT_COLUMNS)
    by = {r["uscc"][-1]: r for r in rows}
    assert [by[k]["outcome"] for k in "123"] == ["eligible", "ineligible", "unknown"]
    assert str(by["1"]["benefit_yuan"]) == "200000.00"
    assert by["2"]["benefit_yuan"] in ("", None) and by["2"]["unmet"] == "big"
    assert by["1"]["unmet"] in ("", None) and by["1"]["score"] in ("", None)


def test_set_changes_the_result_and_is_recorded(files: dict[str, Path]) -> None:
    out = files["dir"] / "r.csv"
    result = screen(files, out, "--set", "cli-test.amount=300000")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "300000.00" in out.read_text(encoding="utf-8")
    meta = json.loads((files["dir"] / "r.csv.meta.json").read_text(encoding="utf-8"))
    assert meta["overrides"] == {"cli-test": {"amount": "300000"}}
    assert meta["policies"][0]["counts"]["eligible"] == 1


@pytest.mark.parametrize(
    "mutate",
    ["missing_panel", "missing_column", "bad_policy", "bad_set", "unknown_policy", "bad_out"],
)
def test_bad_input_exits_2_without_output(files: dict[str, Path], mutate: str) -> None:
    out = files["dir"] / "r.csv"
    extra: list[str] = []
    if mutate == "missing_panel":
        files["panel"] = files["dir"] / "nope.parquet"
    elif mutate == "missing_column":
        table = pq.read_table(files["panel"]).drop(["revenue"])
        pq.write_table(table, files["panel"])
    elif mutate == "bad_policy":
        files["policy"].write_text(POLICY.replace("revenue >=", "revenu >="), encoding="utf-8")
    elif mutate == "bad_set":
        extra = ["--set", "cli-test.amount=lots"]
    elif mutate == "unknown_policy":
        files["policy"] = files["dir"] / "missing.yaml"
    else:
        out = files["dir"] / "r.txt"
    result = screen(files, out, *extra)
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert not out.exists()
    assert list(files["dir"].glob("r.*")) == []


def test_explain_json(files: dict[str, Path]) -> None:
    args = ["explain", "--data", str(files["panel"]), "--year", "2024"]
    args += ["--policy", str(files["policy"]), "--uscc", "913101150000000002", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["outcome"] == "ineligible"


SCALED = POLICY.replace(
    """parameters:
  amount:""",
    """parameters:
  size_bands:
    label: {zh: 规模分档, en: Size bands}
    unit: scale
    values:
      - {from: 2016-01-01, value: [[2, 2], [1, 1]]}
  amount:""",
).replace("expr: revenue >= 20000000", "expr: band(ratio(revenue, 10000000), size_bands) >= 2")


def test_set_moves_a_band_edge_of_a_scale(files: dict[str, Path]) -> None:
    # revenue in units of 10 million: 2 or more scores 2 (20,000,000 yes, 19,999,999.99 no)
    files["policy"].write_text(SCALED, encoding="utf-8")
    out = files["dir"] / "r.csv"
    assert screen(files, out).exit_code == 0  # type: ignore[attr-defined]
    first = {r["uscc"][-1]: r["outcome"] for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert (first["1"], first["2"]) == ("eligible", "ineligible")
    result = screen(files, out, "--set", "cli-test.size_bands=[[1.999999, 2], [1, 1]]")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    moved = {r["uscc"][-1]: r["outcome"] for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert (moved["1"], moved["2"]) == ("eligible", "eligible")
    assert "override applied: cli-test.size_bands = [[1.999999, 2], [1, 1]]" in result.output  # type: ignore[attr-defined]
    meta = json.loads((files["dir"] / "r.csv.meta.json").read_text(encoding="utf-8"))
    assert meta["overrides"] == {"cli-test": {"size_bands": "[[1.999999, 2], [1, 1]]"}}
