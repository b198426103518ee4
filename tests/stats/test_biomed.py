"""Biomedicine records: working days to admission, CSV import (whole or nothing, idempotent)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kechuang.stats.biomed import ImportRefused, admission_clock, import_admissions, import_products
from kechuang.stats.tables import Admission, Product
from kechuang.store.engine import make_engine
from kechuang.store.migrate import upgrade

HEADER = (
    "approval_number,kind,name_zh,name_en,approved_on,holder_name,holder_uscc,district,"
    "national_list_on"
)
PRODUCTS = (
    HEADER
    + """
国药准字H20240001,drug,示例替尼片,Example tinib,2024-09-27,上海示例医药有限公司,,310115,
国械注准20243010001,device,示例手术机器人,Example robot,2024-03-01,上海示例医疗有限公司,,310112,
国药准字H20240002,drug,示例单抗,Example mab,2024-05-06,上海示例生物有限公司,,310115,2024-11-28
"""
)
ADMISSIONS = """approval_number,hospital_code,hospital_name,district,listed_on
国药准字H20240001,H1,上海市瑞金医院,310101,2024-10-15
国药准字H20240002,H1,上海市瑞金医院,310101,2024-12-20
国械注准20243010001,H2,上海市中山医院,310104,2024-03-05
"""


def test_clock_counts_holidays_and_adjusted_working_days() -> None:
    # National Day 2024: 1-7 October off; Sunday 29 September and Saturday 12 October worked.
    clock = admission_clock(dt.date(2024, 9, 27), None, dt.date(2024, 10, 15))
    assert (clock.start_on, clock.basis, clock.workdays) == (dt.date(2024, 9, 27), "approval", 9)
    later = admission_clock(dt.date(2024, 5, 6), dt.date(2024, 11, 28), dt.date(2024, 12, 20))
    assert (later.basis, later.workdays, later.provisional) == ("national_list", 16, False)


def test_import_stores_and_reimport_changes_nothing(tmp_path: Path, database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    products, admissions = tmp_path / "p.csv", tmp_path / "a.csv"
    products.write_text(PRODUCTS, encoding="utf-8")
    admissions.write_text(ADMISSIONS, encoding="utf-8")
    for _ in range(2):
        assert import_products(engine, products) == 3
        assert import_admissions(engine, admissions) == 3
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Product)) == 3
        stored = dict(conn.execute(select(Admission.hospital_code, Admission.workdays)).all())
        rows = conn.execute(select(Admission.listed_on, Admission.workdays)).all()
    assert len(rows) == 3 and set(stored) == {"H1", "H2"}
    assert sorted(w for _, w in rows) == [2, 9, 16]
    engine.dispose()


def test_bad_rows_refuse_the_whole_file(tmp_path: Path, database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    bad = tmp_path / "bad.csv"
    lines = PRODUCTS.splitlines()
    lines[2] = lines[2].replace("device", "vaccine").replace("2024-03-01", "2024-13-01")
    lines.append("国药准字H20240001,drug,重复,Dup,2024-01-01,某公司,913100001234567890,999999,")
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        import_products(engine, bad)
    reasons = {(e.row, e.column) for e in refused.value.errors}
    assert {
        (2, "kind"),
        (2, "approved_on"),
        (4, "approval_number"),
        (4, "holder_uscc"),
        (4, "district"),
    } <= reasons
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Product)) == 0
    orphan = tmp_path / "orphan.csv"
    orphan.write_text(ADMISSIONS, encoding="utf-8")
    with pytest.raises(ImportRefused, match="no such product"):
        import_admissions(engine, orphan)
    engine.dispose()
