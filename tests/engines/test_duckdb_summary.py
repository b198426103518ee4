"""A DuckDB screening's summary is the count of the RESULTS file it wrote.

The per-policy counts of each outcome and the benefit totals that `engines.duckdb.screen`
returns (printed by `kechuang screen`, kept in the run record) are checked against the written
file itself, read row by row with the csv module or pyarrow: an oracle that shares nothing with
how the engine obtains them. The generated panel has unknowns (missing values) and benefits, so
a summary that drops a group, counts a row twice or loses an amount fails here.
"""

from __future__ import annotations

import csv
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from kechuang.engines import duckdb as duckdb_engine
from kechuang.engines.duckdb import OUTCOMES, screen
from kechuang.enterprises.generator import write_panel
from kechuang.screening.inputs import load_policies

YEAR = 2024


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("panel") / "panel.parquet"
    write_panel(path, 300, list(range(2021, 2025)), seed=11)
    return path


def _rows(path: Path) -> list[dict[str, object]]:
    """The RESULTS rows, benefit_yuan as a Decimal or None."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            rows: list[dict[str, object]] = []
            for row in csv.DictReader(handle):
                amount = row["benefit_yuan"]
                rows.append({**row, "benefit_yuan": Decimal(amount) if amount else None})
            return rows
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_summary_counts_are_the_counts_of_the_written_file(
    panel: Path, tmp_path: Path, suffix: str
) -> None:
    policies = load_policies(["all"], YEAR)
    result = screen(panel, YEAR, policies, tmp_path / f"results{suffix}")
    rows = _rows(result.out)

    counts: dict[str, Counter[str]] = {p.id: Counter() for p in policies}
    benefits: dict[str, Decimal] = {p.id: Decimal("0.00") for p in policies}
    for row in rows:
        policy_id, outcome = str(row["policy_id"]), str(row["outcome"])
        assert outcome in OUTCOMES
        counts[policy_id][outcome] += 1
        amount = row["benefit_yuan"]
        if amount is not None:
            assert isinstance(amount, Decimal)
            benefits[policy_id] += amount

    assert [s.policy_id for s in result.policies] == [p.id for p in policies]
    for summary in result.policies:
        expected = {o: counts[summary.policy_id][o] for o in OUTCOMES}
        assert summary.counts == expected, summary.policy_id
        assert summary.total_benefit_yuan == benefits[summary.policy_id], summary.policy_id
        assert summary.excluded == 0
    assert result.rows == len(rows) == 300 * len(policies)
    # The panel exercises what the summary must carry: unknowns and amounts.
    assert sum(s.counts["unknown"] for s in result.policies) > 0
    assert sum(s.total_benefit_yuan for s in result.policies) > 0


@pytest.mark.parametrize("split_above", [0, 10**9], ids=["two statements", "one statement"])
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_totals_file_holds_each_enterprise_of_the_written_file_in_uscc_order(
    panel: Path, tmp_path: Path, suffix: str, split_above: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(duckdb_engine, "SPLIT_TOTALS_ROWS", split_above)
    policies = load_policies(["all"], YEAR)
    result = screen(panel, YEAR, policies, tmp_path / f"results{suffix}", totals=True)
    eligible: Counter[str] = Counter()
    benefits: dict[str, Decimal] = {}
    for row in _rows(result.out):
        uscc = str(row["uscc"])
        eligible[uscc] += row["outcome"] == "eligible"
        amount = row["benefit_yuan"]
        benefits[uscc] = benefits.get(uscc, Decimal("0.00")) + (amount or Decimal("0.00"))  # type: ignore[operator]

    assert result.totals is not None
    with result.totals.open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["uscc", "year", "policies_eligible", "total_benefit_yuan"]
    expected = [
        [uscc, str(YEAR), str(eligible[uscc]), f"{benefits[uscc]:.2f}"] for uscc in sorted(benefits)
    ]
    assert lines[1:] == expected
    assert len(expected) == 300 and any(total > 0 for total in benefits.values())
