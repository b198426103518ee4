"""Synthetic certificates, incubators and tenants for the demo population (deterministic per seed).

Certificates: each year, a share of the enterprises that the SME ladder's policies find pending
(`manual_review`: the data is met, the experts decide) are recognised, valid for the rung's
`certificate_years` from a date late in the year; a label's first year spreads its issue dates
over the years before it, so that certificates run out inside the demo's years and some
labels are lost.
Incubators: a few per district, in its parks. Tenants: young enterprises of the panel, entering
an incubator of their district (a few past the age limit), graduating, leaving or staying.
Everything is written in one transaction; running it again replaces the demo rows only.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from sqlalchemy import Engine, delete, insert

from kechuang.cultivation import ladder, tiers
from kechuang.cultivation.tables import Certificate, Incubator, Tenant
from kechuang.domain import district as districts
from kechuang.engines import duckdb_cursor
from kechuang.enterprises.names import DISTRICTS

RECOGNITION_SHARE = {"innovative_sme": 0.55, "srdi_sme": 0.45, "little_giant": 0.6}
PREFIX = {"innovative_sme": "CX", "srdi_sme": "ZJTX", "little_giant": "XJR"}
INCUBATOR_KINDS = (
    ("科技企业孵化器", "Tech Incubator", "national"),
    ("创新创业中心", "Innovation Centre", "municipal"),
    ("众创空间", "Maker Space", "district"),
)
TENANTS = 1500


@dataclass(frozen=True)
class DemoCounts:
    certificates: int
    incubators: int
    tenants: int


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _certificates(panel: Path, rng: random.Random) -> list[dict[str, object]]:
    empty = pa.table({k: pa.array([], v) for k, v in tiers.CERTIFICATE_TYPES.items()})
    with tempfile.TemporaryDirectory(prefix="kechuang-demo-") as work:
        files = tiers.compute(panel, empty, Path(work))
        pending = duckdb_cursor.fetchall(
            f"SELECT year, label, uscc FROM read_parquet('{files.labels}') "
            "WHERE outcome = 'manual_review' ORDER BY year, label, uscc"
        )
    rungs = ladder.by_id()
    held_until: dict[tuple[str, str], dt.date] = {}
    first_year: dict[str, int] = {}
    out: list[dict[str, object]] = []
    serial = 0
    for year, label, uscc in pending:
        share = RECOGNITION_SHARE.get(label)
        year_end = dt.date(year, 12, 31)
        if share is None or held_until.get((uscc, label), dt.date.min) >= year_end:
            continue
        if rng.random() >= share:
            continue
        rung = rungs[label]
        first = first_year.setdefault(label, year) == year
        # In a label's first year, spread the issue dates over the validity period before it.
        start_year = year - rung.certificate_years + 1 if first else year
        issued = _day(rng, dt.date(start_year, 10, 1), dt.date(year, 12, 15))
        valid_to = _add_years(issued, rung.certificate_years) - dt.timedelta(days=1)
        if valid_to < year_end:
            continue
        serial += 1
        held_until[(uscc, label)] = valid_to
        out.append(
            {
                "uscc": uscc,
                "label": label,
                "certificate_no": f"{PREFIX[label]}{issued.year}-{serial:06d}",
                "valid_from": issued,
                "valid_to": valid_to,
                "issuer": rung.issuer,
                "source": "demo",
            }
        )
    return out


def _incubators(rng: random.Random) -> list[dict[str, object]]:
    out = []
    for share in DISTRICTS:
        name_zh = districts.name(share.code, "zh")
        name_en = districts.name(share.code, "en")
        places = [p for p, _ in share.parks] or [None]
        count = 3 if share.weight >= 6 else 2
        for i in range(count):
            park = places[i % len(places)]
            kind_zh, kind_en, level = INCUBATOR_KINDS[i % len(INCUBATOR_KINDS)]
            where = park or name_zh.removesuffix("区").removesuffix("新")
            out.append(
                {
                    "code": f"INC-{share.code}-{i + 1:02d}",
                    "name_zh": f"{where}{kind_zh}",
                    "name_en": f"{name_en} {kind_en} {i + 1}",
                    "district": share.code,
                    "park": park,
                    "level": level,
                }
            )
    rng.shuffle(out)
    return sorted(out, key=lambda r: str(r["code"]))


def _tenants(
    panel: Path, incubators: list[dict[str, object]], rng: random.Random
) -> list[dict[str, object]]:
    last_year = duckdb_cursor.fetchone(f"SELECT max(year) FROM read_parquet('{panel}')")
    end = dt.date(int(last_year[0]) if last_year and last_year[0] else 2024, 12, 31)
    young = duckdb_cursor.fetchall(
        f"""
        SELECT uscc, any_value(name), any_value(district), any_value(founded_on)
        FROM read_parquet('{panel}')
        WHERE founded_on >= DATE '2016-01-01' AND founded_on <= DATE '{end}' - INTERVAL 6 MONTH
        GROUP BY uscc ORDER BY uscc
        """
    )
    chosen = rng.sample(young, min(TENANTS, len(young)))
    by_district: dict[str, list[str]] = {}
    for inc in incubators:
        by_district.setdefault(str(inc["district"]), []).append(str(inc["code"]))
    every = [str(i["code"]) for i in incubators]
    out = []
    for uscc, name, district, founded_on in sorted(chosen):
        # Most enter within the 24-month limit; a few later (the check should find them).
        months = rng.randint(0, 22) if rng.random() < 0.93 else rng.randint(25, 36)
        entered = founded_on + dt.timedelta(days=months * 30 + rng.randint(0, 20))
        if entered > end:
            continue
        graduated = left = None
        stay_days = rng.randint(300, 1900)
        fate = rng.random()
        if entered + dt.timedelta(days=stay_days) <= end:
            if fate < 0.7:
                graduated = entered + dt.timedelta(days=stay_days)
            elif fate < 0.85:
                left = entered + dt.timedelta(days=stay_days // 2)
        codes = by_district.get(str(district)) or every
        out.append(
            {
                "incubator_code": rng.choice(codes),
                "uscc": uscc,
                "name": name,
                "entered_on": entered,
                "graduated_on": graduated,
                "left_on": left,
            }
        )
    return out


def load_demo(engine: Engine, panel: Path, seed: int = 2024) -> DemoCounts:
    """Replace the demo certificates, incubators and tenants with a fresh deterministic set."""
    rng = random.Random(seed)
    certificates = _certificates(panel, rng)
    incubators = _incubators(rng)
    tenants = _tenants(panel, incubators, rng)
    with engine.begin() as conn:
        conn.execute(delete(Certificate).where(Certificate.source == "demo"))
        conn.execute(delete(Tenant))
        conn.execute(delete(Incubator))
        if certificates:
            conn.execute(insert(Certificate), certificates)
        conn.execute(insert(Incubator), incubators)
        if tenants:
            conn.execute(insert(Tenant), tenants)
    return DemoCounts(len(certificates), len(incubators), len(tenants))
