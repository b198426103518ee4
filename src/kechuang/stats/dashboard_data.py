"""Indicators for the analyst dashboard: enterprises eligible and benefit amounts by policy,
district, park and industry section, for every stored year.

Each year is screened with the whole pack in force (engines.duckdb.screen, exclusions applied)
over the stored panel's snapshot; the aggregates are cached per snapshot file, so the dashboard
recomputes only after an import.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from kechuang.domain import district
from kechuang.engines import duckdb_cursor
from kechuang.policies import catalogue
from kechuang.screening.whatif import panel

DIMENSIONS = ("policy", "district", "park", "industry")
_lock = threading.Lock()
_cache: dict[str, list[StatRow]] = {}


@dataclass(frozen=True)
class StatRow:
    dimension: str
    year: int
    key: str
    label_zh: str
    label_en: str
    enterprises: int
    benefit_fen: int


_KEY_SQL = {
    "policy": "r.policy_id",
    "district": "coalesce(p.district, '')",
    "park": "coalesce(p.park, '')",
    "industry": "coalesce(substr(p.industry_code, 1, 1), '')",
}


def _labels(dimension: str, key: str) -> tuple[str, str]:
    if dimension == "policy":
        try:
            title = catalogue.version(key).title
            return title.zh, title.en
        except Exception:  # a policy id no longer in the pack still gets a row
            return key, key
    if dimension == "district":
        if key in district.SHANGHAI:
            return district.name(key, "zh"), district.name(key, "en")
        return "未知", "unknown"
    if not key:
        return ("（无）", "(none)")
    return key, key


def _compute(data: Path, years: list[int]) -> list[StatRow]:
    from kechuang.engines.duckdb import screen

    rows: list[StatRow] = []
    with tempfile.TemporaryDirectory(prefix="kechuang-stats-") as work:
        for year in years:
            policies = catalogue.in_force(year)
            if not policies:
                continue
            out = Path(work) / f"{year}.parquet"
            screen(data, year, policies, out, check=False)
            for dimension in DIMENSIONS:
                result = duckdb_cursor.fetchall(
                    f"""
                    SELECT {_KEY_SQL[dimension]} AS k, count(DISTINCT r.uscc),
                           CAST(coalesce(sum(r.benefit_yuan), 0) * 100 AS BIGINT)
                    FROM read_parquet('{out}') r
                    JOIN (SELECT * FROM read_parquet('{data}') WHERE year = {int(year)}) p
                      USING (uscc)
                    WHERE r.outcome = 'eligible'
                    GROUP BY k ORDER BY k
                    """
                )
                for key, count, fen in result:
                    zh, en = _labels(dimension, str(key))
                    rows.append(StatRow(dimension, year, str(key), zh, en, int(count), int(fen)))
    return rows


def indicators(engine: Engine) -> list[StatRow]:
    data = panel(engine)
    stat = data.stat()
    key = f"{data}:{stat.st_mtime_ns}:{stat.st_size}"
    with _lock:
        if key not in _cache:
            years = [
                int(y)
                for (y,) in duckdb_cursor.fetchall(
                    f"SELECT DISTINCT year FROM read_parquet('{data}') ORDER BY year"
                )
            ]
            _cache.clear()
            _cache[key] = _compute(data, years)
        return _cache[key]
