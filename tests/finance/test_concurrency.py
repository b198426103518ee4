"""Concurrent claims: against a small fund its balance never goes negative, and twenty claims on
one loan through the served API pay once and answer 409 to the rest (real connections)."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import Engine, func, select

from kechuang.finance import capacity, claims, loans
from kechuang.finance.books import fund_account
from kechuang.finance.tables import Claim, Loan, LoanEvent
from kechuang.http.security import SESSION_COOKIE
from kechuang.ledger import FloorBreached, balance, trial_balance
from kechuang.store.engine import make_sessionmaker
from tests.finance.conftest import (
    BANK,
    FUND,
    INSURER,
    OFFICER,
    Bank,
    compensated,
    seed_enterprises,
    setup_funds,
)
from tests.web.conftest import serving

ON = dt.date(2025, 3, 3)
DEFAULT_ON = dt.date(2025, 7, 7)


def test_concurrent_claims_never_take_the_fund_below_zero(engine: Engine) -> None:
    count = 8
    usccs = seed_enterprises(engine, count)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        # Each loss of 1,000,000 yuan costs the fund 250,000; the fund holds 600,000: two claims.
        setup_funds(session, size_fen=600_000_00, leverage="100")
        for n, uscc in enumerate(usccs):
            app = loans.Application("performance-loan", uscc, BANK, INSURER, f"K{n}",
                                    1_000_000_00, 12, "interest_only")  # fmt: skip
            loan = loans.apply(session, app, BANK, ON)
            loans.approve(session, loan.id, BANK, ON)
            loans.disburse(session, loan.id, BANK, ON)
        loans.mark_overdue(session, dt.date(2025, 4, 10), OFFICER)
        ids = list(session.scalars(select(Loan.id).order_by(Loan.id)))
        for loan_id in ids:
            loans.declare_default(session, loan_id, BANK, DEFAULT_ON)
            claim = loans.claim(session, loan_id, BANK, DEFAULT_ON)
            claims.confirm(session, claim.id, INSURER, DEFAULT_ON)
            claims.pay_share(session, claim.id, INSURER, DEFAULT_ON)
        session.commit()
        claim_ids = dict(session.execute(select(Claim.loan_id, Claim.id)).tuples().all())

    barrier = threading.Barrier(count)

    def claim(loan_id: int) -> str:
        with sessions() as session:
            session.connection()
            barrier.wait(timeout=30)
            try:
                claims.approve(session, claim_ids[loan_id], OFFICER, DEFAULT_ON)
                session.commit()
                return "paid"
            except FloorBreached:
                session.rollback()
                return "refused"

    with ThreadPoolExecutor(max_workers=count) as pool:
        outcomes = list(pool.map(claim, ids))
    assert outcomes.count("paid") == 2 and outcomes.count("refused") == count - 2
    with sessions() as session:
        assert balance(session, fund_account(FUND)) == 100_000_00
        assert len(session.scalars(select(Claim).where(Claim.state == "paid")).all()) == 2
        assert trial_balance(session) == 0
        fund = capacity.lock_fund(session, FUND)
        assert capacity.capacity(session, fund).balance_fen >= 0


CLAIMS = 20


def test_twenty_concurrent_claims_on_one_loan_pay_once_and_refuse_the_rest(bank: Bank) -> None:
    loan_id = bank.defaulted()
    headers = {
        "Cookie": f"{SESSION_COOKIE}={bank.client.cookies[SESSION_COOKIE]}",
        "X-CSRF-Token": bank.client.headers["X-CSRF-Token"],
    }
    barrier = threading.Barrier(CLAIMS)

    with serving(bank.client.app) as url:

        def claim(_: int) -> httpx.Response:
            with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
                barrier.wait(timeout=30)
                return client.post(f"/api/v1/finance/loans/{loan_id}/claim?lang=en", json={})

        with ThreadPoolExecutor(max_workers=CLAIMS) as pool:
            responses = list(pool.map(claim, range(CLAIMS)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (CLAIMS - 1), [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert response.headers["content-type"] == "application/problem+json"
            assert "claimed" in response.json()["detail"]
    with bank.session() as session:
        assert session.scalar(select(func.count()).select_from(Claim)) == 1
        compensations = session.scalar(
            select(func.count()).where(LoanEvent.loan_id == loan_id,
                                       LoanEvent.event == "file_claim")
        )  # fmt: skip
        assert compensations == 1
        compensated(session, loan_id, bank.clock(), skip_filing=True)
        session.commit()
        assert balance(session, fund_account(FUND)) == 100_000_000_00 - 250_000_00
        assert trial_balance(session) == 0
