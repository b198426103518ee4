"""Each enterprise's labels and tier per year, derived in DuckDB from the panel snapshot.

For every stored year Y the rungs' policies (the versions in force in Y) are screened over the
snapshot (engines.duckdb.screen). A label is held in Y when
- its policy is `eligible` in Y (`manual_review` means it passes what the data can decide and
  waits for the experts: it is recorded as pending, not held), or
- the rung's boolean panel fact is true (is_hnte: the enterprise says it holds the certificate), or
- the enterprise is listed (listed_board known), for the `listed` rung, or
- a stored certificate of the label is valid on 31 December of Y.

Two Parquet files come out: `labels` (one row per enterprise, year and rung, with the outcome,
unmet conditions and certificate behind it) and `tiers` (one row per enterprise-year: every
label held and the tier, the highest rung held).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from kechuang.cultivation import ladder
from kechuang.domain.panel import BY_NAME, Kind
from kechuang.engines import duckdb_cursor
from kechuang.engines.duckdb import screen
from kechuang.engines.sqltext import string_literal

CERTIFICATE_TYPES: dict[str, pa.DataType] = {
    "uscc": pa.string(),
    "label": pa.string(),
    "certificate_no": pa.string(),
    "valid_from": pa.date32(),
    "valid_to": pa.date32(),
}


@dataclass(frozen=True)
class TierFiles:
    labels: Path
    tiers: Path
    years: tuple[int, ...]


def _fact_sql(fact: str | None) -> str:
    if fact is None:
        return "false"
    field = BY_NAME.get(fact)
    if field is None or field.kind is not Kind.BOOL:
        raise ValueError(f"ladder.yaml: {fact!r} is not a boolean panel fact")
    return f"coalesce(f.{fact}, false)"


def panel_years(panel: Path) -> list[int]:
    rows = duckdb_cursor.fetchall(
        f"SELECT DISTINCT year FROM read_parquet({string_literal(str(panel))}) ORDER BY year"
    )
    return [int(y) for (y,) in rows]


def compute(
    panel: Path, certificates: pa.Table, out_dir: Path, years: Sequence[int] | None = None
) -> TierFiles:
    """Write labels.parquet and tiers.parquet for `years` (default: every year in the panel)."""
    years = list(years) if years is not None else panel_years(panel)
    out_dir.mkdir(parents=True, exist_ok=True)
    rungs = ladder.rungs()
    with tempfile.TemporaryDirectory(prefix="kechuang-tiers-", dir=out_dir) as work:
        screened = []
        for year in years:
            policies = list(ladder.policies(year).values())
            if not policies:
                continue
            target = Path(work) / f"screened-{year}.parquet"
            screen(panel, year, policies, target, check=False)
            screened.append(str(target))
        con = duckdb.connect()
        try:
            con.register("certificates_in", certificates)
            files = ", ".join(string_literal(f) for f in screened)
            if screened:
                con.execute(
                    "CREATE TEMP TABLE screened AS SELECT uscc, policy_id, year, outcome, unmet "
                    f"FROM read_parquet([{files}])"
                )
            else:
                con.execute(
                    "CREATE TEMP TABLE screened (uscc VARCHAR, policy_id VARCHAR, year INTEGER, "
                    "outcome VARCHAR, unmet VARCHAR)"
                )
            year_list = ", ".join(str(int(y)) for y in years) or "NULL"
            con.execute(
                "CREATE TEMP VIEW facts AS SELECT * FROM "
                f"read_parquet({string_literal(str(panel))}) WHERE year IN ({year_list})"
            )
            # The certificate that covers 31 December of each year (the one lasting longest).
            con.execute(
                f"""
                CREATE TEMP TABLE held_certificates AS
                SELECT c.uscc, c.label, y.year,
                       arg_max(c.certificate_no, c.valid_to) AS certificate_no,
                       max(c.valid_to) AS valid_to
                FROM certificates_in c
                JOIN (SELECT unnest([{year_list}]) AS year) y
                  ON c.valid_from <= make_date(y.year, 12, 31)
                 AND c.valid_to >= make_date(y.year, 12, 31)
                GROUP BY c.uscc, c.label, y.year
                """
            )
            parts = []
            for rung in rungs:
                policy = ", ".join(string_literal(p) for p in rung.policies) or "NULL"
                listed = "f.listed_board IS NOT NULL" if rung.listed else "false"
                parts.append(
                    f"""
                    SELECT f.uscc, f.year, {string_literal(rung.id)} AS label, {rung.rank} AS rank,
                           s.outcome, s.unmet,
                           coalesce(s.outcome = 'eligible', false) AS by_rule,
                           {_fact_sql(rung.fact)} AS by_fact,
                           {listed} AS by_listing,
                           h.certificate_no, h.valid_to AS certificate_valid_to
                    FROM facts f
                    LEFT JOIN screened s
                      ON s.uscc = f.uscc AND s.year = f.year AND s.policy_id IN ({policy})
                    LEFT JOIN held_certificates h
                      ON h.uscc = f.uscc AND h.year = f.year AND h.label = {string_literal(rung.id)}
                    """
                )
            labels = Path(work) / "labels.parquet"
            con.execute(
                "COPY (SELECT *, (by_rule OR by_fact OR by_listing OR certificate_no IS NOT NULL)"
                " AS held FROM (" + " UNION ALL ".join(parts) + ") ORDER BY uscc, year, rank) "
                f"TO {string_literal(str(labels))} (FORMAT PARQUET, COMPRESSION ZSTD)"
            )
            tiers = Path(work) / "tiers.parquet"
            con.execute(
                f"""
                COPY (
                  SELECT f.uscc, f.year, f.name, f.district, f.park, f.industry_code,
                         f.founded_on,
                         coalesce(max(l.rank) FILTER (WHERE l.held), 0) AS rank,
                         arg_max(l.label, l.rank) FILTER (WHERE l.held) AS tier,
                         coalesce(list(l.label ORDER BY l.rank) FILTER (WHERE l.held), [])
                           AS labels
                  FROM facts f JOIN read_parquet({string_literal(str(labels))}) l
                    ON l.uscc = f.uscc AND l.year = f.year
                  GROUP BY ALL ORDER BY f.uscc, f.year
                ) TO {string_literal(str(tiers))} (FORMAT PARQUET, COMPRESSION ZSTD)
                """
            )
        finally:
            con.close()
        final = TierFiles(out_dir / "labels.parquet", out_dir / "tiers.parquet", tuple(years))
        labels.replace(final.labels)
        tiers.replace(final.tiers)
    return final
