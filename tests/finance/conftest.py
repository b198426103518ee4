"""Finance fixtures: a migrated store on each backend with enterprises whose facts pass (or fail)
the admission rule, and the two product funds set up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from kechuang.domain.uscc import check_digit
from kechuang.enterprises.tables import ImportBatch, annual_facts, enterprises
from kechuang.finance import capacity
from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.store.migrate import upgrade

POOL_SIZE = 24
DAY = dt.date(2025, 3, 3)
OFFICER = "officer-wang"
BANK = "icbc-sh"
INSURER = "picc-sh"
GUARANTOR = "shcg"
FUND = "sh-compensation-fund"
GUARANTEE_FUND = "national-guarantee-programme"


def make_uscc(serial: int) -> str:
    first_17 = f"91310115MA1{serial:06d}"
    return first_17 + check_digit(first_17)


def seed_enterprises(
    engine: Engine, count: int, failing: tuple[int, ...] = (), years: tuple[int, ...] = (2024,)
) -> list[str]:
    """`count` enterprises with facts for `years` that pass the admission rule, except `failing`."""
    usccs = [make_uscc(n) for n in range(count)]
    with engine.begin() as conn:
        batch_id = conn.execute(
            insert(ImportBatch).values(
                file_name="seed.csv", sha256="cd" * 32, format="csv",
                imported_at=dt.datetime(2025, 1, 2, tzinfo=dt.UTC), row_count=count,
                enterprise_count=count, years=list(years),
            )
        ).inserted_primary_key[0]  # fmt: skip
        conn.execute(
            insert(enterprises),
            [{"uscc": u, "name": f"上海金融测试{n}科技有限公司", "industry_code": "M7320",
              "district": ("310115", "310112", "310104")[n % 3], "attributes_year": 2024,
              "batch_id": batch_id} for n, u in enumerate(usccs)],
        )  # fmt: skip
        conn.execute(
            insert(annual_facts),
            [{"uscc": u, "year": year, "employees": 50, "st_staff": 5 if n in failing else 20,
              "revenue_fen": 20_000_000_00, "rd_expense_fen": 100_000_00 if n in failing
              else 2_000_000_00, "ip_class1": 0 if n in failing else 3, "transformations": 1,
              "is_hnte": False, "dishonest_list": False, "abnormal_list": False,
              "batch_id": batch_id} for n, u in enumerate(usccs) for year in years],
        )  # fmt: skip
    return usccs


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pool_size=POOL_SIZE, max_overflow=0)
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def setup_funds(session: Session, size_fen: int = 100_000_000_00, leverage: str = "10") -> None:
    capacity.create_fund(session, FUND, "市科技信贷风险补偿资金", "Compensation fund", size_fen,
                         Decimal(leverage), OFFICER, DAY)  # fmt: skip
    capacity.create_fund(session, GUARANTEE_FUND, "科技创新专项担保计划", "Guarantee programme",
                         size_fen, Decimal(leverage), OFFICER, DAY)  # fmt: skip
    session.commit()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with make_sessionmaker(engine)() as session:
        yield session
