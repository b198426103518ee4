"""Finance fixtures: a migrated store on each backend with enterprises whose facts pass (or fail)
the admission rule, the two product funds set up, and a lending bank signed in to the API with
the server's clock in the test's hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from kechuang.accounts.service import create_account
from kechuang.domain.uscc import check_digit
from kechuang.enterprises.tables import ImportBatch, annual_facts, enterprises
from kechuang.finance import capacity, claims, loans
from kechuang.finance.tables import Claim, Loan
from kechuang.store.engine import make_engine, make_sessionmaker, session_scope
from kechuang.store.migrate import upgrade
from kechuang.web.app import create_app
from tests.web.conftest import Clock

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


START = dt.date(2025, 3, 3)  # a Monday
PASSWORD = "bank clerk password 42"
INTEREST_1 = 369452  # the first month's interest on 1,000,000 yuan at 4.35%, 3 March - 3 April


@dataclass
class Bank:
    """The lending bank's API client, the server's clock, and the store behind them."""

    engine: Engine
    clock: Clock
    client: TestClient
    uscc: str

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(f"/api/v1/finance/loans{path}", json=body or {})

    def money(
        self, loan_id: int, ref: str, amount_fen: int, received_on: str | None = None,
        kind: str = "repayments",
    ) -> Any:  # fmt: skip
        body: dict[str, Any] = {"ref": ref, "amount_fen": amount_fen}
        if received_on is not None:
            body["received_on"] = received_on
        return self.post(f"/{loan_id}/{kind}", body)

    def loan(self, loan_id: int) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/finance/loans/{loan_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def session(self) -> Session:
        return make_sessionmaker(self.engine)()

    def approved(self) -> int:
        response = self.post("", {"product_id": "performance-loan", "uscc": self.uscc,
                                  "partner_org": INSURER, "bank_ref": "L1",
                                  "principal_fen": 1_000_000_00, "term_months": 12,
                                  "method": "interest_only", "facts_year": 2024})  # fmt: skip
        assert response.status_code == 201, response.text
        loan_id = int(response.json()["id"])
        assert self.post(f"/{loan_id}/approve").status_code == 200
        return loan_id

    def disbursed(self) -> int:
        loan_id = self.approved()
        assert self.post(f"/{loan_id}/disburse").status_code == 200
        return loan_id

    def defaulted(self) -> int:
        """A loan disbursed on 3 March 2025, overdue from 10 April, defaulted on 2 July."""
        loan_id = self.disbursed()
        self.clock.day = dt.date(2025, 4, 10)
        self.mark_overdue()
        self.clock.day = dt.date(2025, 7, 2)
        assert self.post(f"/{loan_id}/default").status_code == 200
        return loan_id

    def mark_overdue(self) -> None:
        """The officer's daily job (CLI `kechuang finance overdue`), on the server's day."""
        with self.session() as session:
            loans.mark_overdue(session, self.clock(), OFFICER)
            session.commit()


@pytest.fixture
def bank(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Bank]:
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    uscc = seed_enterprises(engine, 1)[0]
    with session_scope(engine) as session:
        create_account(session, "icbc", PASSWORD, "bank", org=BANK)
    with make_sessionmaker(engine)() as session:
        setup_funds(session)
    app = create_app(engine)
    clock = Clock()
    clock.day = START
    app.state.clock = clock
    with TestClient(app) as client:
        response = client.post("/api/v1/session", json={"username": "icbc", "password": PASSWORD})
        assert response.status_code == 201, response.text
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        yield Bank(engine, clock, client, uscc)


def compensated(
    session: Session, loan_id: int, on: dt.date, actor: str = BANK, skip_filing: bool = False
) -> Claim:
    """A defaulted loan's claim taken to the end on day `on`: the bank files it (unless it is
    filed already), the insurer or guarantor confirms and pays its part, an officer approves
    and the fund pays."""
    found = claims.of_loan(session, loan_id) if skip_filing else None
    claim = found if found is not None else loans.claim(session, loan_id, actor, on)
    loan = session.get(Loan, loan_id)
    assert loan is not None
    claims.confirm(session, claim.id, loan.partner_org, on)
    claims.pay_share(session, claim.id, loan.partner_org, on)
    return claims.approve(session, claim.id, OFFICER, on)
