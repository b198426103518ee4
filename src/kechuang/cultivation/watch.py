"""The watch list: enterprises close to the next rung of the ladder, with their gap.

For year Y, an enterprise whose tier has rank k is a candidate for the next rung above k that
has a policy when that policy finds exactly one unmet condition (or, for a scored policy, only
its score route unmet). The candidates are then evaluated one by one with the scalar evaluator
(rules.scalar.evaluate, the explain engine) over their facts in the snapshot, which gives each
unmet condition's gap (how much of which fact would meet it) or the points missing. The list
is ordered by how small the needed change is relative to its target.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb

from kechuang.cultivation import ladder
from kechuang.cultivation.tiers import TierFiles
from kechuang.domain.panel import FIELDS
from kechuang.engines import duckdb_cursor
from kechuang.engines.sqltext import string_literal
from kechuang.rules.scalar import evaluate

# The scalar evaluator with its gap search costs milliseconds per enterprise: bound the work.
CANDIDATES_PER_RUNG = 60


@dataclass(frozen=True)
class WatchItem:
    uscc: str
    name: str
    district: str | None
    year: int
    tier: str | None
    next_rung: str
    condition: str
    condition_zh: str
    condition_en: str
    gap_zh: str
    gap_en: str
    closeness: Decimal  # |change| / |target| (0 = already there); points missing / pass mark


def _histories(panel: Path, usccs: list[str], first: int, last: int) -> dict[str, dict[int, Any]]:
    if not usccs:
        return {}
    names = [f.name for f in FIELDS]
    con = duckdb.connect()
    try:
        con.execute("CREATE TEMP TABLE wanted (uscc VARCHAR)")
        con.executemany("INSERT INTO wanted VALUES (?)", [(u,) for u in usccs])
        rows = con.sql(
            f"SELECT {', '.join(names)} FROM read_parquet({string_literal(str(panel))}) p "
            f"SEMI JOIN wanted w ON w.uscc = p.uscc WHERE p.year BETWEEN {first} AND {last}"
        ).fetchall()
    finally:
        con.close()
    out: dict[str, dict[int, Any]] = {}
    for row in rows:
        record = dict(zip(names, row, strict=True))
        out.setdefault(record["uscc"], {})[int(record["year"])] = record
    return out


def _ratio(change: Fraction, target: Fraction) -> Decimal:
    base = abs(target) if target else Fraction(1)
    value = abs(change) / base
    return Decimal(value.numerator) / Decimal(value.denominator)


def watch_list(files: TierFiles, panel: Path, year: int, limit: int = 100) -> list[WatchItem]:
    policies = ladder.policies(year)
    rungs = ladder.rungs()
    labels, tiers = string_literal(str(files.labels)), string_literal(str(files.tiers))
    found: list[WatchItem] = []
    for rung in rungs:
        policy = policies.get(rung.id)
        if policy is None:
            continue
        # This rung is "next" for tiers from the rung with a policy right below it up to here.
        lower = max([r.rank for r in rungs if r.rank < rung.rank and r.id in policies], default=0)
        rows = duckdb_cursor.fetchall(
            f"""
            SELECT t.uscc, t.name, t.district, t.tier, l.unmet
            FROM read_parquet({labels}) l JOIN read_parquet({tiers}) t
              ON t.uscc = l.uscc AND t.year = l.year
            WHERE l.year = {year} AND l.label = {string_literal(rung.id)} AND NOT l.held
              AND l.outcome = 'ineligible' AND l.unmet IS NOT NULL
              AND NOT contains(l.unmet, ';')
              AND t.rank >= {lower} AND t.rank < {rung.rank}
            ORDER BY t.uscc LIMIT {CANDIDATES_PER_RUNG}
            """
        )
        if not rows:
            continue
        histories = _histories(panel, [r[0] for r in rows], year - policy.history_years, year)
        conditions = {c.id: c for c in policy.conditions}
        for uscc, name, district, tier, unmet in rows:
            history = histories.get(uscc)
            if not history or year not in history:
                continue
            verdict = evaluate(policy, history, year)
            result = verdict.condition(unmet) if unmet in conditions else None
            if result is None:
                continue
            if result.gap is not None:
                zh, en = result.gap.message_zh, result.gap.message_en
                closeness = _ratio(result.gap.change, result.gap.target)
            elif verdict.points_missing is not None and verdict.pass_mark:
                zh = f"距及格分还差 {verdict.points_missing} 分"
                en = f"{verdict.points_missing} points short of the pass mark"
                closeness = _ratio(verdict.points_missing, verdict.pass_mark)
            else:
                continue  # no single fact would meet it (a yes/no condition): not "close"
            found.append(
                WatchItem(
                    uscc,
                    name,
                    district,
                    year,
                    tier,
                    rung.id,
                    unmet,
                    result.label.zh,
                    result.label.en,
                    zh,
                    en,
                    closeness,
                )
            )
    found.sort(key=lambda item: (item.closeness, item.uscc))
    return found[:limit]
