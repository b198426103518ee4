"""What every screening engine shares, without any engine's imports: its errors, the RESULTS
formats, the per-policy summaries and the totals file's name. engines.duckdb and engines.panel
re-export them; the command and the PostgreSQL engine import them from here, so a screening
in PostgreSQL does not load DuckDB (about 80 ms of every run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

OUTPUT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
OUTCOMES = ("eligible", "ineligible", "manual_review", "unknown")


class PanelError(ValueError):
    """The panel cannot be screened; the message says which file, column and value."""


class OutputError(ValueError):
    """The RESULTS path cannot be written (unknown extension, missing directory)."""


@dataclass
class PolicySummary:
    policy_id: str
    version: str
    content_hash: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    total_benefit_yuan: Decimal = Decimal("0.00")
    excluded: int = 0


@dataclass
class ScreenResult:
    out: Path
    year: int
    policies: list[PolicySummary]
    rows: int
    totals: Path | None = None
    excluded_by_column: bool = False


def output_format(path: Path) -> str:
    fmt = OUTPUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise OutputError(f"{path}: RESULTS must end in .csv or .parquet")
    if not path.parent.exists():
        raise OutputError(f"{path.parent}: no such directory")
    return fmt


def totals_file(out: Path) -> Path:
    return out.with_name(f"{out.stem}.totals.csv")
