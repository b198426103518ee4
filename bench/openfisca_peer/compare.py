"""Count the verdicts of the peer's CSV that differ from Kechuang's, row by (uscc, policy_id).

Kechuang's outcome is the exact reference. A row where Kechuang says `unknown` has no
counterpart in the peer (numpy has no unknown: a missing input is its default value), so
those rows are counted apart, with what the peer said; every other row (eligible,
ineligible, manual_review) is a verdict the peer must match, and `differ` counts the rows
where it does not. A row present in only one file is counted as missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Comparison:
    compared: int = 0
    differ: int = 0
    differ_by_policy: dict[str, int] = field(default_factory=dict)
    unknown_in_kechuang: dict[str, int] = field(default_factory=dict)  # peer outcome -> rows
    missing: int = 0


def compare(kechuang_csv: Path, peer_csv: Path) -> Comparison:
    import duckdb

    con = duckdb.connect()
    con.execute(
        "CREATE TEMP TABLE k AS SELECT uscc::VARCHAR AS uscc, policy_id::VARCHAR AS policy_id, "
        "outcome::VARCHAR AS outcome FROM read_csv(?, all_varchar = true)",
        [str(kechuang_csv)],
    )
    con.execute(
        "CREATE TEMP TABLE p AS SELECT uscc::VARCHAR AS uscc, policy_id::VARCHAR AS policy_id, "
        "outcome::VARCHAR AS outcome FROM read_csv(?, all_varchar = true)",
        [str(peer_csv)],
    )
    joined = """
        SELECT k.policy_id AS policy, k.outcome AS ours, p.outcome AS theirs
        FROM k FULL JOIN p USING (uscc, policy_id)
    """
    result = Comparison()
    rows = con.execute(f"SELECT policy, ours, theirs, count(*) FROM ({joined}) GROUP BY ALL")
    for policy, ours, theirs, n in rows.fetchall():
        if ours is None or theirs is None:
            result.missing += n
        elif ours == "unknown":
            result.unknown_in_kechuang[theirs] = result.unknown_in_kechuang.get(theirs, 0) + n
        else:
            result.compared += n
            if ours != theirs:
                result.differ += n
                result.differ_by_policy[policy] = result.differ_by_policy.get(policy, 0) + n
    con.close()
    return result


def describe(c: Comparison) -> str:
    """One line for a benchmark note."""
    by = ", ".join(f"{p} {n:,}" for p, n in sorted(c.differ_by_policy.items()))
    unknown = ", ".join(f"{o} {n:,}" for o, n in sorted(c.unknown_in_kechuang.items()))
    text = f"{c.differ:,} of {c.compared:,} verdicts differ from Kechuang"
    if by:
        text += f" ({by})"
    if unknown:
        text += f"; where Kechuang says unknown the peer says {unknown}"
    if c.missing:
        text += f"; {c.missing:,} rows in only one file"
    return text
