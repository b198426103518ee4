"""Builders of small panel files for the import tests: valid rows, then one cell spoilt."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from kechuang.domain.panel import COLUMNS
from kechuang.domain.uscc import check_digit


def uscc_for(i: int, district: str = "310115") -> str:
    first = f"91{district}{i:09d}"
    return first + check_digit(first)


def valid_row(i: int, year: int = 2024) -> dict[str, str]:
    """A row that meets every rule of the contract, varied a little by i."""
    employees = 50 + i
    return {
        "uscc": uscc_for(i),
        "name": f"上海测试{i}生物科技有限公司",
        "year": str(year),
        "district": "310115" if i % 2 == 0 else "310112",
        "park": "张江" if i % 2 == 0 else "大零号湾",
        "industry_code": "M7320" if i % 3 else "C2710",
        "founded_on": "2015-06-01",
        "mainland_resident": "是",
        "employees": str(employees),
        "st_staff": str(employees // 2),
        "rd_staff": str(employees // 3),
        "revenue": f"{10_000_000 + i}.50",
        "main_business_revenue": "9000000",
        "cost_expense_total": "8000000.01",
        "total_assets": "20000000",
        "total_liabilities": "5000000",
        "net_assets": "15000000",
        "rd_expense": "1200000",
        "rd_expense_domestic": "1100000",
        "hightech_revenue": "7000000",
        "ip_class1": "2",
        "ip_class2": "5",
        "transformations": "1",
        "equity_financing": "0",
        "niche_years": "4",
        "market_share": "0.125",
        "is_hnte": "true",
        "national_award_5y": "false",
        "provincial_rd_institution": "0",
        "led_standard_5y": "1",
        "major_accident": "否",
        "misconduct": "false",
        "abnormal_list": "false",
        "dishonest_list": "false",
        "listed_board": "科创板" if i % 5 == 0 else "",
        "valuation": "",
        "output_value": "12000000",
        # Version 2 columns.
        "award_national_rank": "0",
        "award_provincial_rank": str(i % 4),
        "makers_china_rank": "0" if i % 3 else "120",
        "tech_innovation_demo": "false",
        "ip_demo_enterprise": "false",
        "development_score": f"{55 + i % 40}.25",
        "six_basics_or_key_link": "true",
        "is_tsme": "true",
        "is_innovative_sme": "true",
        "is_srdi_sme": "false",
    }


def valid_rows(count: int, years: Iterable[int] = (2023, 2024)) -> list[dict[str, str]]:
    return [valid_row(i, year) for i in range(count) for year in years]


def write_csv(
    path: Path, rows: list[Mapping[str, str]], columns: Iterable[str] = COLUMNS, bom: bool = False
) -> Path:
    header = list(columns)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(
    path: Path, rows: list[Mapping[str, object]], columns: Iterable[str] = COLUMNS
) -> Path:
    from openpyxl import Workbook

    header = list(columns)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(name) if row.get(name) != "" else None for name in header])
    workbook.save(path)
    return path


def write_parquet(path: Path, table: pa.Table) -> Path:
    pq.write_table(table, path)
    return path


def text_table(rows: list[Mapping[str, str]], columns: Iterable[str] = COLUMNS) -> pa.Table:
    header = list(columns)
    return pa.table(
        {name: pa.array([r.get(name) or None for r in rows], pa.string()) for name in header}
    )
