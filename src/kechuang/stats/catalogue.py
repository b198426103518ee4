"""The catalogue of indicators: one YAML file per indicator in stats/indicators/, checked on load.

An indicator is
- `id`, `name` {zh, en}, `description` {zh, en} (what it counts, in words), `order`, `section`;
- `source`: a relation of stats.sources; `where`: an SQL filter on it (optional);
- `measure`: an SQL aggregate over the source's rows; `denominator` (optional): another one, the
  value being measure / denominator × `multiplier` (a ratio or a mean);
- `unit` {zh, en}, `divisor` (the value shown is the measure divided by it: 亿元 from yuan is
  100000000), `decimals`;
- `breakdowns`: any of district, park, industry (GB/T 4754 section), besides the year;
- `comparable`: whether 可比增长 (the same enterprises in both years) is computed (entity
  sources only; a ratio never).
Formulas are SQL run by DuckDB; a file that names an unknown source, breakdown or a formula
that DuckDB cannot run fails the catalogue test (tests/stats), not a dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources

import yaml

from kechuang.rules import safe_yaml
from kechuang.stats.sources import SOURCES

BREAKDOWNS = {
    "district": "district",
    "park": "park",
    "industry": "substr(industry_code, 1, 1)",
}
SECTIONS = ("enterprises", "tiers", "biomedicine", "policy_supply", "finance", "transformation")
SECTION_NAMES = {
    "enterprises": ("企业发展", "Enterprises"),
    "tiers": ("梯度培育", "Cultivation tiers"),
    "biomedicine": ("生物医药", "Biomedicine"),
    "policy_supply": ("政策供给", "Policy supply"),
    "finance": ("科技金融", "Tech finance"),
    "transformation": ("成果转化", "Transformation"),
}


class CatalogueError(ValueError):
    """An indicator file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Indicator:
    id: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    section: str
    order: int
    source: str
    measure: str
    where: str | None
    denominator: str | None
    multiplier: Decimal
    unit_zh: str
    unit_en: str
    divisor: Decimal
    decimals: int
    breakdowns: tuple[str, ...]
    comparable: bool
    file: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def unit(self, lang: str) -> str:
        return self.unit_zh if lang == "zh" else self.unit_en

    def description(self, lang: str) -> str:
        return self.description_zh if lang == "zh" else self.description_en

    @property
    def additive(self) -> bool:
        """A count or a sum: zero (not unknown) in a year without rows."""
        measure = self.measure.strip().lower()
        return self.denominator is None and measure.startswith(("count(", "sum("))

    def formula(self, dimension: str | None = None) -> str:
        """The SQL that computes the indicator by year (and by `dimension`)."""
        key = f", {BREAKDOWNS[dimension]} AS key" if dimension else ""
        value = self.measure
        if self.denominator:
            value = f"({self.measure}) / ({self.denominator})"
            if self.multiplier != 1:
                value += f" * {self.multiplier}"
        where = f"\nWHERE {self.where}" if self.where else ""
        group = "year, key" if dimension else "year"
        return f"SELECT year{key}, {value} AS value\nFROM {self.source}{where}\nGROUP BY {group}"


def _text(data: dict[str, object], key: str, file: str) -> tuple[str, str]:
    value = data.get(key)
    if not isinstance(value, dict) or not {"zh", "en"} <= set(value):
        raise CatalogueError(f"{file}: {key} needs zh and en")
    return str(value["zh"]), str(value["en"])


def parse(text: str, file: str) -> Indicator:
    try:
        data = safe_yaml.load(text)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{file}: {exc}") from None
    if not isinstance(data, dict):
        raise CatalogueError(f"{file}: not a mapping")
    for key in ("id", "source", "measure", "section"):
        if not data.get(key):
            raise CatalogueError(f"{file}: {key} is required")
    source = str(data["source"])
    if source not in SOURCES:
        raise CatalogueError(f"{file}: unknown source {source!r} (known: {', '.join(SOURCES)})")
    if data["section"] not in SECTIONS:
        raise CatalogueError(f"{file}: section must be one of {', '.join(SECTIONS)}")
    breakdowns = tuple(data.get("breakdowns") or ())
    unknown = [b for b in breakdowns if b not in BREAKDOWNS]
    if unknown:
        raise CatalogueError(f"{file}: unknown breakdown {', '.join(unknown)}")
    comparable = bool(data.get("comparable", False))
    if comparable and (not SOURCES[source].entity or data.get("denominator")):
        raise CatalogueError(f"{file}: comparable growth needs an enterprise source and no ratio")
    name, description, unit = (_text(data, k, file) for k in ("name", "description", "unit"))
    return Indicator(
        id=str(data["id"]),
        name_zh=name[0],
        name_en=name[1],
        description_zh=description[0],
        description_en=description[1],
        section=str(data["section"]),
        order=int(data.get("order", 100)),
        source=source,
        measure=str(data["measure"]),
        where=data.get("where"),
        denominator=data.get("denominator"),
        multiplier=Decimal(str(data.get("multiplier", 1))),
        unit_zh=unit[0],
        unit_en=unit[1],
        divisor=Decimal(str(data.get("divisor", 1))),
        decimals=int(data.get("decimals", 0)),
        breakdowns=breakdowns,
        comparable=comparable,
        file=file,
    )


@lru_cache(maxsize=1)
def catalogue() -> tuple[Indicator, ...]:
    """Every indicator, by section then order; ids are unique."""
    root = resources.files("kechuang.stats") / "indicators"
    found = [
        parse(entry.read_text(encoding="utf-8"), f"stats/indicators/{entry.name}")
        for entry in sorted(root.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    ]
    ids = [i.id for i in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogueError(f"duplicate indicator ids: {', '.join(duplicates)}")
    return tuple(sorted(found, key=lambda i: (SECTIONS.index(i.section), i.order, i.id)))


def get(indicator_id: str) -> Indicator:
    for indicator in catalogue():
        if indicator.id == indicator_id:
            return indicator
    raise KeyError(indicator_id)
