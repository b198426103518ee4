"""Names shared by the compiled queries and the engines that run them (no SQL builder needed)."""

from __future__ import annotations

# The RESULTS columns of shared/DATA-CONTRACT.md, in order.
RESULT_COLUMNS = ("uscc", "policy_id", "year", "outcome", "score", "benefit_yuan", "unmet")
# With --explain-columns, one `c_<condition id>` status column per condition follows them.
STATUS_COLUMN_PREFIX = "c_"
# The message a pack query with the in-scan key check fails with (then the enterprise's code).
DUPLICATE_KEY = "kechuang: duplicate (uscc, year) for enterprise "


def outcome_code(outcome: str) -> str:
    """The one-letter code an outcome travels as in PostgreSQL's one row per enterprise
    (rules.pack._code_outcomes): its first letter, distinct among the four outcomes."""
    return outcome[:1]
