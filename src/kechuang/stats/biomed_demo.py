"""Synthetic innovative drugs and devices and their hospital admissions for the demo.

Each year of the panel gets a dozen or so 1类创新药 and a score of 第三类创新医疗器械, held by
panel enterprises of the pharmaceutical (C27) and medical-device (C358) industries; most drugs
enter the national list published at the end of their year or the next. Each product is listed
by a handful of the city's hospitals, most within the 15-working-day target, some later. The
names are composed from word pools and are fictitious; deterministic for a seed. The rows go
through biomed.store_products / store_admissions, so the working days are counted as for an
import.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from kechuang.domain.workdays import add_working_days
from kechuang.engines import duckdb_cursor
from kechuang.stats.biomed import store_admissions, store_products
from kechuang.stats.tables import Admission, Product

DRUG_STEMS = (
    "泽",
    "瑞",
    "昔",
    "伏",
    "恩",
    "贝",
    "达",
    "利",
    "诺",
    "普",
    "优",
    "卡",
    "沙",
    "替",
    "莫",
)
DRUG_FORMS = (
    ("替尼片", "tinib tablets"),
    ("单抗注射液", "mab injection"),
    ("肽注射液", "tide injection"),
    ("司他胶囊", "stat capsules"),
    ("西普注射液", "cept injection"),
    ("韦片", "vir tablets"),
)
DEVICES = (
    ("经导管主动脉瓣膜系统", "transcatheter aortic valve system"),
    ("腔镜手术机器人", "endoscopic surgical robot"),
    ("植入式左心室辅助系统", "implantable left ventricular assist system"),
    ("冠脉血流储备分数测量系统", "coronary FFR measurement system"),
    ("脑机接口电极系统", "brain-computer interface electrode system"),
    ("磁共振成像系统", "magnetic resonance imaging system"),
    ("质子治疗系统", "proton therapy system"),
    ("可降解镁合金支架", "biodegradable magnesium stent"),
)
HOSPITALS = (
    ("瑞金医院", "310101"),
    ("仁济医院", "310115"),
    ("中山医院", "310104"),
    ("华山医院", "310106"),
    ("第六人民医院", "310104"),
    ("第一人民医院", "310109"),
    ("新华医院", "310110"),
    ("长海医院", "310110"),
    ("肿瘤医院", "310104"),
    ("胸科医院", "310104"),
    ("东方医院", "310115"),
    ("第十人民医院", "310106"),
    ("同仁医院", "310105"),
    ("上海市中医医院", "310106"),
    ("闵行区中心医院", "310112"),
    ("嘉定区中心医院", "310114"),
    ("松江区中心医院", "310117"),
    ("奉贤区中心医院", "310120"),
)
# Publication dates of the national reimbursement lists (国家医保药品目录) by the year they cover.
NATIONAL_LIST_ON = {
    2021: dt.date(2021, 12, 3),
    2022: dt.date(2023, 1, 18),
    2023: dt.date(2023, 12, 13),
    2024: dt.date(2024, 11, 28),
}
LAST_LISTING = dt.date(2025, 6, 30)


@dataclass(frozen=True)
class BiomedCounts:
    products: int
    admissions: int


def _holders(panel: Path) -> list[tuple[str, str, str]]:
    rows = duckdb_cursor.fetchall(
        f"""
        SELECT uscc, arg_max(name, year), arg_max(district, year) FROM read_parquet('{panel}')
        WHERE industry_code LIKE 'C27%' OR industry_code LIKE 'C358%' OR industry_code LIKE 'M734%'
        GROUP BY uscc ORDER BY uscc
        """
    )
    return [(str(u), str(n), str(d)) for u, n, d in rows]


def _years(panel: Path) -> list[int]:
    rows = duckdb_cursor.fetchall(f"SELECT DISTINCT year FROM read_parquet('{panel}') ORDER BY 1")
    return [int(y) for (y,) in rows]


def _products(panel: Path, rng: random.Random) -> list[dict[str, object]]:
    holders = _holders(panel)
    if not holders:
        return []
    out: list[dict[str, object]] = []
    for year in _years(panel):
        for kind, count in (("drug", rng.randint(10, 16)), ("device", rng.randint(14, 22))):
            for n in range(count):
                uscc, holder, district = rng.choice(holders)
                approved = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 360))
                if kind == "drug":
                    stem = "".join(rng.sample(DRUG_STEMS, 2))
                    form_zh, form_en = rng.choice(DRUG_FORMS)
                    name_zh, name_en = (
                        f"{stem}{form_zh}",
                        f"Product {year}-D{n + 1:02d} ({form_en})",
                    )
                    number = f"国药准字H{year}{rng.randint(1000, 9999)}{n:02d}"
                    listing = NATIONAL_LIST_ON.get(year if approved.month <= 6 else year + 1)
                    listed = listing if listing and rng.random() < 0.75 else None
                else:
                    base_zh, base_en = rng.choice(DEVICES)
                    name_zh, name_en = f"{base_zh}（{n + 1}型）", f"{base_en}, model {n + 1}"
                    number = f"国械注准{year}3{rng.randint(10, 99)}{rng.randint(1000, 9999)}{n:02d}"
                    listed = None
                out.append(
                    {
                        "approval_number": number,
                        "kind": kind,
                        "name_zh": name_zh,
                        "name_en": name_en,
                        "approved_on": approved,
                        "holder_name": holder,
                        "holder_uscc": uscc,
                        "district": district,
                        "national_list_on": listed,
                    }
                )
    return out


def load_demo(engine: Engine, panel: Path, seed: int = 2024) -> BiomedCounts:
    """Replace every product and admission with a fresh deterministic demo set."""
    rng = random.Random(seed)
    products = _products(panel, rng)
    with Session(engine) as session, session.begin():
        session.execute(delete(Admission))
        session.execute(delete(Product))
        store_products(session, products)
        session.flush()
        stored = session.scalars(select(Product).order_by(Product.id)).all()
        admissions = []
        for product in stored:
            start = max(product.approved_on, product.national_list_on or product.approved_on)
            for name, district in rng.sample(HOSPITALS, rng.randint(3, 10)):
                # Most within the target; a tail of slower hospitals.
                days = rng.randint(3, 15) if rng.random() < 0.72 else rng.randint(16, 45)
                listed_on = add_working_days(start, days).day
                if listed_on > LAST_LISTING:
                    continue
                code = f"H{district}-{HOSPITALS.index((name, district)) + 1:02d}"
                admissions.append(
                    (
                        product,
                        code,
                        name if name.startswith("上海") or "区" in name else f"上海市{name}",
                        district,
                        listed_on,
                    )
                )
        store_admissions(session, admissions)
    return BiomedCounts(len(products), len(admissions))
