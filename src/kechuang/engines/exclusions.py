"""不得重复享受: an enterprise eligible for two policies that exclude each other keeps one.

The rule, applied per enterprise over its eligible rows: rank them by benefit (larger first,
no benefit counts as 0) and then by the policy's position in the pack (earlier first); walk the
ranks in order, keeping a policy unless a policy already kept excludes it. A policy excludes
another if either lists the other in `exclusions`. The excluded row keeps its outcome but its
benefit is emptied and `excluded_by` names the kept policy that excluded it.

The walk is done in SQL over a table of candidate rows, one UPDATE per rank (a pack has a
handful of policies), so it runs inside DuckDB however large the population is.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from kechuang.rules.policy import Policy

if TYPE_CHECKING:  # a type only: the PostgreSQL engine imports this module without DuckDB
    import duckdb


def exclusion_pairs(policies: Sequence[Policy]) -> list[tuple[str, str]]:
    """Ordered pairs (a, b) of screened policies that exclude each other (both directions)."""
    ids = {p.id for p in policies}
    pairs: set[tuple[str, str]] = set()
    for p in policies:
        for other in p.exclusions:
            if other in ids and other != p.id:
                pairs.add((p.id, other))
                pairs.add((other, p.id))
    return sorted(pairs)


def apply_exclusions(
    con: duckdb.DuckDBPyConnection, results: str, policies: Sequence[Policy]
) -> str:
    """Create the table `excluded (uscc, policy_id, excluded_by)` for the rows of the relation
    `results` that lose to an exclusive policy; returns its name."""
    pairs = exclusion_pairs(policies)
    con.execute("CREATE OR REPLACE TEMP TABLE exclusion_pairs (a VARCHAR, b VARCHAR)")
    if pairs:
        con.executemany("INSERT INTO exclusion_pairs VALUES (?, ?)", pairs)
    order = [(p.id, i) for i, p in enumerate(policies)]
    con.execute("CREATE OR REPLACE TEMP TABLE policy_order (policy_id VARCHAR, ord INTEGER)")
    con.executemany("INSERT INTO policy_order VALUES (?, ?)", order)
    exclusive = sorted({a for a, _ in pairs})
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE exclusion_candidates AS
        WITH eligible AS (
            SELECT r.uscc, r.policy_id, coalesce(r.benefit_yuan, 0) AS benefit, o.ord
            FROM {results} r JOIN policy_order o USING (policy_id)
            WHERE r.outcome = 'eligible' AND r.policy_id IN (SELECT a FROM exclusion_pairs)
        ),
        contested AS (SELECT uscc FROM eligible GROUP BY uscc HAVING count(*) > 1)
        SELECT e.uscc, e.policy_id,
               row_number() OVER (PARTITION BY e.uscc ORDER BY e.benefit DESC, e.ord) AS rank,
               CAST(NULL AS VARCHAR) AS excluded_by
        FROM eligible e SEMI JOIN contested c ON e.uscc = c.uscc
        """
    )
    for rank in range(1, len(exclusive)):
        con.execute(
            """
            UPDATE exclusion_candidates AS loser SET excluded_by = winner.policy_id
            FROM exclusion_candidates AS winner, exclusion_pairs AS x
            WHERE winner.uscc = loser.uscc AND winner.rank = ? AND winner.excluded_by IS NULL
              AND loser.rank > ? AND loser.excluded_by IS NULL
              AND x.a = winner.policy_id AND x.b = loser.policy_id
            """,
            [rank, rank],
        )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE excluded AS SELECT uscc, policy_id, excluded_by "
        "FROM exclusion_candidates WHERE excluded_by IS NOT NULL"
    )
    return "excluded"


def exclusion_walk_sql(
    table: str, run_id: str, policies: Sequence[Policy]
) -> list[tuple[str, list[object]]]:
    """The same walk as `apply_exclusions` as portable statements (PostgreSQL, `%s` parameters)
    over the rows of `run_id` in `table`, which has `excluded_by` and `benefit_yuan` columns:
    losing rows get `excluded_by` set and their benefit emptied."""
    pairs = exclusion_pairs(policies)
    exclusive = sorted({a for a, _ in pairs})
    statements: list[tuple[str, list[object]]] = [
        ("DROP TABLE IF EXISTS exclusion_pairs, policy_order, exclusion_candidates", []),
        ("CREATE TEMP TABLE exclusion_pairs (a VARCHAR, b VARCHAR)", []),
        ("CREATE TEMP TABLE policy_order (policy_id VARCHAR, ord INTEGER)", []),
    ]
    for a, b in pairs:
        statements.append(("INSERT INTO exclusion_pairs VALUES (%s, %s)", [a, b]))
    for i, p in enumerate(policies):
        statements.append(("INSERT INTO policy_order VALUES (%s, %s)", [p.id, i]))
    statements.append(
        (
            f"""
            CREATE TEMP TABLE exclusion_candidates AS
            WITH eligible AS (
                SELECT r.uscc, r.policy_id, coalesce(r.benefit_yuan, 0) AS benefit, o.ord
                FROM {table} r JOIN policy_order o ON o.policy_id = r.policy_id
                WHERE r.run_id = %s AND r.outcome = 'eligible'
                  AND r.policy_id IN (SELECT a FROM exclusion_pairs)
            ),
            contested AS (SELECT uscc FROM eligible GROUP BY uscc HAVING count(*) > 1)
            SELECT e.uscc, e.policy_id,
                   row_number() OVER (PARTITION BY e.uscc ORDER BY e.benefit DESC, e.ord) AS rank,
                   CAST(NULL AS VARCHAR) AS excluded_by
            FROM eligible e WHERE e.uscc IN (SELECT uscc FROM contested)
            """,
            [run_id],
        )
    )
    for rank in range(1, len(exclusive)):
        statements.append(
            (
                """
                UPDATE exclusion_candidates AS loser SET excluded_by = winner.policy_id
                FROM exclusion_candidates AS winner, exclusion_pairs AS x
                WHERE winner.uscc = loser.uscc AND winner.rank = %s
                  AND winner.excluded_by IS NULL
                  AND loser.rank > %s AND loser.excluded_by IS NULL
                  AND x.a = winner.policy_id AND x.b = loser.policy_id
                """,
                [rank, rank],
            )
        )
    statements.append(
        (
            f"""
            UPDATE {table} AS r SET excluded_by = c.excluded_by, benefit_yuan = NULL
            FROM exclusion_candidates c
            WHERE r.run_id = %s AND r.uscc = c.uscc AND r.policy_id = c.policy_id
              AND c.excluded_by IS NOT NULL
            """,
            [run_id],
        )
    )
    return statements


def resolve_exclusions(
    rows: Sequence[tuple[str, str, object]], policies: Sequence[Policy]
) -> list[tuple[str, str, str]]:
    """The walk in Python over the contested eligible rows (uscc, policy_id, benefit or None):
    (uscc, policy_id, excluded_by) of each losing row. Used where SQL UPDATE is unavailable
    (Spark); only enterprises eligible for two exclusive policies are passed in."""
    pairs = set(exclusion_pairs(policies))
    order = {p.id: i for i, p in enumerate(policies)}
    by_uscc: dict[str, list[tuple[str, object]]] = {}
    for uscc, policy_id, benefit in rows:
        by_uscc.setdefault(uscc, []).append((policy_id, benefit))
    losers: list[tuple[str, str, str]] = []
    for uscc, items in by_uscc.items():
        ranked = sorted(items, key=lambda item: (-_number(item[1]), order[item[0]]))
        kept: list[str] = []
        for policy_id, _ in ranked:
            winner = next((k for k in kept if (k, policy_id) in pairs), None)
            if winner is None:
                kept.append(policy_id)
            else:
                losers.append((uscc, policy_id, winner))
    return losers


def _number(value: object) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)
