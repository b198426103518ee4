"""The relations an indicator's formula may name, registered in one DuckDB connection.

| relation | one row per | from |
|---|---|---|
| panel | enterprise-year | the stored panel's snapshot (var/panel.parquet), contract columns |
| tiers | enterprise-year | cultivation: rank, tier and every label held |
| labels | enterprise-year-rung | cultivation: held, outcome of the rung's policy |
| products | innovative drug or device | stats_products, year = year of approval |
| admissions | hospital admission | stats_admissions with its product, year = year of listing |
| runs | screening run | screening_runs, year = the evaluation year |
| awards | award of a run | screening_awards, year = year paid (unpaid: the run's year) |
| loans | disbursed loan | finance_loans, year = year of disbursement |
| deals | transformation deal | transfer_deals, year = year signed |

Every relation has `year`, `district`, `park` and `industry_code` (NULL where the record has
none), so breakdowns work alike everywhere; those about enterprises take the enterprise's
district, park and industry from its latest panel row. Stats reads the other packages' tables
read-only, only here: reporting is the one place that joins all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Engine, Select, func, select

from kechuang.cultivation.frames import fetch
from kechuang.cultivation.tiers import TierFiles
from kechuang.engines.sqltext import string_literal
from kechuang.finance.tables import Loan
from kechuang.screening.tables import Award, ScreeningRun
from kechuang.stats.tables import Admission, Product
from kechuang.transfer.tables import Deal


@dataclass(frozen=True)
class Source:
    name: str
    description_zh: str
    description_en: str
    entity: bool  # rows carry `uscc` (comparable growth is possible)


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source("panel", "企业年度数据（面板快照）", "Enterprise panel (snapshot)", True),
        Source("tiers", "企业梯度（按年）", "Enterprise tiers by year", True),
        Source("labels", "企业梯度标签（按年、按梯级）", "Tier labels by year and rung", True),
        Source("products", "创新药械（按获批年度）", "Innovative drugs and devices", False),
        Source("admissions", "创新药械入院（按挂网年度）", "Hospital admissions", False),
        Source("runs", "免申即享筛查批次", "Screening runs", False),
        Source("awards", "兑现名单（按拨付年度）", "Awards (by year paid)", False),
        Source("loans", "科技信贷（按放款年度）", "Tech loans (by year disbursed)", False),
        Source("deals", "成果转化交易（按签约年度）", "Transformation deals", False),
    )
}


def _store_tables() -> dict[str, tuple[Select[Any], dict[str, pa.DataType]]]:
    text, date, big, num, flag = pa.string(), pa.date32(), pa.int64(), pa.int32(), pa.bool_()
    stamp = pa.timestamp("us", tz="UTC")
    return {
        "products_in": (
            select(
                Product.id,
                Product.approval_number,
                Product.kind,
                Product.name_zh,
                Product.name_en,
                Product.approved_on,
                Product.holder_name,
                Product.holder_uscc,
                Product.district,
                Product.national_list_on,
            ),
            {
                "id": num,
                "approval_number": text,
                "kind": text,
                "name_zh": text,
                "name_en": text,
                "approved_on": date,
                "holder_name": text,
                "holder_uscc": text,
                "district": text,
                "national_list_on": date,
            },
        ),
        "admissions_in": (
            select(
                Admission.product_id,
                Admission.hospital_code,
                Admission.hospital_name,
                Admission.district,
                Admission.listed_on,
                Admission.start_on,
                Admission.start_basis,
                Admission.workdays,
                Admission.provisional,
            ),
            {
                "product_id": num,
                "hospital_code": text,
                "hospital_name": text,
                "district": text,
                "listed_on": date,
                "start_on": date,
                "start_basis": text,
                "workdays": num,
                "provisional": flag,
            },
        ),
        "runs_in": (
            select(
                ScreeningRun.id,
                ScreeningRun.policy_id,
                ScreeningRun.year,
                ScreeningRun.state,
                ScreeningRun.eligible_fen,
                ScreeningRun.allocated_fen,
                ScreeningRun.budget_year,
            ),
            {
                "id": num,
                "policy_id": text,
                "year": num,
                "state": text,
                "eligible_fen": big,
                "allocated_fen": big,
                "budget_year": num,
            },
        ),
        "awards_in": (
            select(
                Award.run_id,
                Award.uscc,
                Award.state,
                Award.eligible_fen,
                Award.allocated_fen,
                Award.paid_at,
                Award.value_date,
            ),
            {
                "run_id": num,
                "uscc": text,
                "state": text,
                "eligible_fen": big,
                "allocated_fen": big,
                "paid_at": stamp,
                "value_date": date,
            },
        ),
        "loans_in": (
            select(
                Loan.id,
                Loan.uscc,
                Loan.product_id,
                Loan.district,
                Loan.state,
                Loan.principal_fen,
                Loan.outstanding_fen,
                Loan.disbursed_on,
            ),
            {
                "id": num,
                "uscc": text,
                "product_id": text,
                "district": text,
                "state": text,
                "principal_fen": big,
                "outstanding_fen": big,
                "disbursed_on": date,
            },
        ),
        "deals_in": (
            select(
                Deal.id,
                Deal.institution,
                Deal.kind,
                Deal.counterparty_uscc,
                Deal.contract_amount_fen,
                Deal.signed_on,
            ),
            {
                "id": num,
                "institution": text,
                "kind": text,
                "counterparty_uscc": text,
                "contract_amount_fen": big,
                "signed_on": date,
            },
        ),
    }


def fingerprint(engine: Engine) -> tuple[tuple[int, Any], ...]:
    """Row count and newest id of each stored table read: the cache key of the store's side."""
    found = []
    with engine.connect() as conn:
        for model, key in (
            (Product, Product.id),
            (Admission, Admission.id),
            (ScreeningRun, ScreeningRun.id),
            (Award, Award.id),
            (Loan, Loan.id),
            (Deal, Deal.id),
        ):
            count, last = conn.execute(select(func.count(), func.max(key)).select_from(model)).one()
            found.append((int(count), last))
        # Runs and awards change state (paid) without new rows: their states count too.
        paid = conn.execute(select(func.count()).where(Award.paid_at.is_not(None))).scalar_one()
        found.append((int(paid), None))
    return tuple(found)


VIEWS: dict[str, Callable[[str, str], str]] = {
    "firms": lambda panel, _: (
        f"""
        SELECT uscc, arg_max(name, year) AS name, arg_max(district, year) AS district,
               arg_max(park, year) AS park, arg_max(industry_code, year) AS industry_code
        FROM read_parquet({panel}) GROUP BY uscc"""
    ),
    "panel": lambda panel, _: f"SELECT * FROM read_parquet({panel})",
    "tiers": lambda _, tiers: f"SELECT * FROM read_parquet({tiers})",
    "products": lambda _, __: (
        """
        SELECT p.*, year(p.approved_on) AS year,
               coalesce(p.district, f.district) AS district_, f.park, f.industry_code
        FROM products_in p LEFT JOIN firms f ON f.uscc = p.holder_uscc"""
    ),
    "admissions": lambda _, __: (
        """
        SELECT a.*, year(a.listed_on) AS year, p.kind, p.name_zh AS product_zh,
               p.name_en AS product_en, p.approval_number, p.approved_on,
               NULL::VARCHAR AS park, NULL::VARCHAR AS industry_code
        FROM admissions_in a JOIN products_in p ON p.id = a.product_id"""
    ),
    "runs": lambda _, __: (
        """
        SELECT r.*, NULL::VARCHAR AS district, NULL::VARCHAR AS park,
               NULL::VARCHAR AS industry_code FROM runs_in r"""
    ),
    "awards": lambda _, __: (
        """
        SELECT a.*, coalesce(year(a.value_date), year(a.paid_at), r.budget_year, r.year) AS year,
               r.policy_id,
               f.district, f.park, f.industry_code
        FROM awards_in a JOIN runs_in r ON r.id = a.run_id LEFT JOIN firms f USING (uscc)"""
    ),
    "loans": lambda _, __: (
        """
        SELECT l.*, year(l.disbursed_on) AS year, coalesce(l.district, f.district) AS district_,
               f.park, f.industry_code
        FROM loans_in l LEFT JOIN firms f USING (uscc) WHERE l.disbursed_on IS NOT NULL"""
    ),
    "deals": lambda _, __: (
        """
        SELECT d.*, year(d.signed_on) AS year, f.district, f.park, f.industry_code
        FROM deals_in d LEFT JOIN firms f ON f.uscc = d.counterparty_uscc"""
    ),
}


def store_tables(engine: Engine) -> dict[str, pa.Table]:
    """The stored rows the relations read, as Arrow tables named `<relation>_in`."""
    return {name: fetch(engine, query, types) for name, (query, types) in _store_tables().items()}


def table_types() -> dict[str, dict[str, pa.DataType]]:
    """The columns and types of each `<relation>_in` table (to build one by hand)."""
    return {name: dict(types) for name, (_, types) in _store_tables().items()}


def connect(tables: dict[str, pa.Table], panel: str, files: TierFiles) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with every relation of SOURCES (and `firms`) as a view."""
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, table)
    panel_sql, tiers_sql = string_literal(panel), string_literal(str(files.tiers))
    for name, build in VIEWS.items():
        sql = build(panel_sql, tiers_sql)
        if "district_" in sql:
            # The record's own district wins; the holder's is the fallback.
            sql = f"SELECT * EXCLUDE (district, district_), district_ AS district FROM ({sql})"
        # Materialised once: the catalogue's hundred-odd queries then read memory, not Parquet.
        con.execute(f"CREATE TEMP TABLE {name} AS {sql}")
    con.execute(
        f"""CREATE TEMP TABLE labels AS
        SELECT l.*, t.district, t.park, t.industry_code
        FROM read_parquet({string_literal(str(files.labels))}) l
        JOIN read_parquet({tiers_sql}) t USING (uscc, year)"""
    )
    # Who has a row in which year: the same-enterprises set of comparable growth.
    con.execute("CREATE TEMP TABLE present AS SELECT DISTINCT uscc, year FROM panel")
    return con


def definition(name: str, panel: str = "var/panel.parquet", tiers: str = "tiers.parquet") -> str:
    """The SQL behind a relation, as shown next to an indicator's formula."""
    if name == "labels":
        return "labels.parquet JOIN tiers.parquet USING (uscc, year)"
    build = VIEWS.get(name)
    if build is None:
        return name
    lines = [line.strip() for line in build(panel, tiers).strip().splitlines()]
    return "\n".join(lines)
