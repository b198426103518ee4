"""不得重复享受: the larger benefit is kept (ties: pack order), the other row is emptied."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from kechuang.engines.duckdb import screen
from kechuang.enterprises.snapshot import panel_arrow_schema
from kechuang.rules.load import load_policy_text
from tests.engines.sqlkit import row


def policy(pid: str, amount: str, excludes: str) -> str:
    return f"""\
id: {pid}
version: "1"
title: {{zh: t, en: t}}
issuer: x
document_number: x
source_url: https://example.org
effective: {{from: 2016-01-01, to: null}}
mode: automatic
exclusions: [{excludes}]
conditions:
  - id: ok
    label: {{zh: a, en: a}}
    clause: x
    expr: revenue > 0
benefit:
  label: {{zh: a, en: a}}
  clause: x
  amount: {amount}
  once: per_year
"""


def test_exclusions_and_totals(tmp_path: Path) -> None:
    rows = [row("E1", 2024, revenue=Decimal(100)), row("E2", 2024, revenue=Decimal(1000))]
    schema = panel_arrow_schema()
    table = pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema)
    pq.write_table(table, tmp_path / "p.parquet")
    # a pays 150 flat; b pays revenue: E1 keeps a (150 > 100), E2 keeps b (1000 > 150).
    # c pays 150 flat and excludes a: ties with a, so a (earlier) wins over c for E1.
    a = load_policy_text(policy("a", "150", "b"), "a.yaml")
    b = load_policy_text(policy("b", "revenue", ""), "b.yaml")
    c = load_policy_text(policy("c", "150", "a"), "c.yaml")
    out = tmp_path / "r.csv"
    result = screen(tmp_path / "p.parquet", 2024, [a, b, c], out, totals=True)
    with out.open(encoding="utf-8") as handle:
        got = {(r["uscc"], r["policy_id"]): r for r in csv.DictReader(handle)}
    assert got[("E1", "a")]["excluded_by"] == "" and got[("E1", "a")]["benefit_yuan"] == "150.00"
    assert got[("E1", "b")]["excluded_by"] == "a" and got[("E1", "b")]["benefit_yuan"] == ""
    assert got[("E1", "c")]["excluded_by"] == "a"
    assert got[("E2", "b")]["excluded_by"] == ""
    assert got[("E2", "a")]["excluded_by"] == "b"
    # a lost to b for E2, so c (excluded only by a) keeps its benefit.
    assert got[("E2", "c")]["excluded_by"] == "" and got[("E2", "c")]["benefit_yuan"] == "150.00"
    assert result.totals is not None
    with result.totals.open(encoding="utf-8") as handle:
        totals = {r["uscc"]: r for r in csv.DictReader(handle)}
    assert totals["E1"]["total_benefit_yuan"] == "150.00"
    assert totals["E2"]["total_benefit_yuan"] == "1150.00"
    assert totals["E2"]["policies_eligible"] == "3"
