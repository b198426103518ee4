"""bench.openfisca_peer.compare: how the peer's verdicts are counted against Kechuang's CSV.

Needs no OpenFisca: it reads two CSV files shaped like `kechuang screen --out R.csv`.
"""

from __future__ import annotations

import csv
from pathlib import Path

from bench.openfisca_peer.compare import compare, describe

HEADER = ["uscc", "policy_id", "year", "outcome", "score"]


def write(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for uscc, policy, outcome in rows:
            out.writerow([uscc, policy, 2024, outcome, ""])
    return path


def test_counts_differences_unknowns_and_missing_rows_apart(tmp_path: Path) -> None:
    ours = write(tmp_path / "k.csv", [
        ("A", "tsme-2017", "eligible"),
        ("A", "above-scale-2019", "ineligible"),
        ("B", "tsme-2017", "ineligible"),  # the peer says eligible: differs
        ("B", "above-scale-2019", "manual_review"),
        ("C", "tsme-2017", "unknown"),  # the peer decides: counted apart
        ("C", "above-scale-2019", "unknown"),
        ("D", "tsme-2017", "eligible"),  # absent from the peer
    ])  # fmt: skip
    theirs = write(tmp_path / "p.csv", [
        ("A", "tsme-2017", "eligible"),
        ("A", "above-scale-2019", "ineligible"),
        ("B", "tsme-2017", "eligible"),
        ("B", "above-scale-2019", "manual_review"),
        ("C", "tsme-2017", "ineligible"),
        ("C", "above-scale-2019", "ineligible"),
    ])  # fmt: skip
    result = compare(ours, theirs)
    assert (result.compared, result.differ, result.missing) == (4, 1, 1)
    assert result.differ_by_policy == {"tsme-2017": 1}
    assert result.unknown_in_kechuang == {"ineligible": 2}
    assert describe(result) == (
        "1 of 4 verdicts differ from Kechuang (tsme-2017 1); where Kechuang says unknown the "
        "peer says ineligible 2; 1 rows in only one file"
    )


def test_identical_files_differ_nowhere(tmp_path: Path) -> None:
    rows = [("A", "tsme-2017", "eligible"), ("A", "above-scale-2019", "ineligible")]
    result = compare(write(tmp_path / "k.csv", rows), write(tmp_path / "p.csv", rows))
    assert (result.compared, result.differ, result.missing) == (2, 0, 0)
    assert describe(result) == "0 of 2 verdicts differ from Kechuang"
