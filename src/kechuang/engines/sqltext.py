"""Text pieces of SQL built by hand where SQLGlot's builders are not used (paths, table names)."""

from __future__ import annotations


def string_literal(text: str) -> str:
    """A single-quoted SQL literal for `text`, quotes doubled as standard SQL escapes them."""
    return "'" + text.replace("'", "''") + "'"
