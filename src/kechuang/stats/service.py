"""The indicators of the stored data, computed once per state of the data and kept in memory.

The state is the panel snapshot, the tiers computed from it (cultivation.service) and the rows
of the stored tables the sources read; the dashboard, the API and the report share the result.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Engine

from kechuang.cultivation import service as cultivation
from kechuang.cultivation.tiers import TierFiles
from kechuang.domain import district, industry
from kechuang.stats import catalogue, sources
from kechuang.stats.compute import TOTAL, Value, compute

_lock = threading.Lock()
_cache: dict[str, Results] = {}


@dataclass
class Results:
    years: list[int]
    values: list[Value]
    tiers: TierFiles
    _index: dict[tuple[str, str, str | None, int], Value] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._index = {(v.indicator, v.dimension, v.key, v.year): v for v in self.values}

    def get(
        self, indicator: str, year: int, dimension: str = TOTAL, key: str | None = None
    ) -> Value | None:
        return self._index.get((indicator, dimension, key, year))

    def total(self, indicator: str, year: int) -> Decimal | None:
        found = self.get(indicator, year)
        return found.value if found else None

    def breakdown(self, indicator: str, dimension: str, year: int) -> list[Value]:
        rows = [
            v
            for v in self.values
            if v.indicator == indicator and v.dimension == dimension and v.year == year
        ]
        return sorted(rows, key=lambda v: (-(v.value or Decimal(0)), str(v.key)))


def key_label(dimension: str, key: str | None, lang: str) -> str:
    """How a breakdown key reads: district and industry section names; parks as they are."""
    if key is None or key == "":
        return "（未知）" if lang == "zh" else "(unknown)"
    if dimension == "district" and key in district.SHANGHAI:
        return district.name(key, lang)
    if dimension == "industry":
        section = industry.catalogue().get(key)
        if section is not None:
            return section.name_zh if lang == "zh" else section.name_en
    return key


def results(engine: Engine) -> Results:
    files = cultivation.tier_files(engine)
    panel = cultivation.panel(engine)
    stat = panel.stat()
    state = f"{panel}:{stat.st_mtime_ns}:{stat.st_size}:{files.tiers}:{sources.fingerprint(engine)}"
    with _lock:
        hit = _cache.get(state)
        if hit is not None:
            return hit
        con = sources.connect(sources.store_tables(engine), str(panel), files)
        try:
            years = list(files.years)
            values = compute(con, catalogue.catalogue(), years)
        finally:
            con.close()
        found = Results(years, values, files)
        _cache.clear()
        _cache[state] = found
        return found
