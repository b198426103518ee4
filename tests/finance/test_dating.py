"""Business days nobody can bend (kechuang.finance.dating), through the bank's API.

Every step is dated by the server's clock: a body naming its own day is 422 and the stored day
is the server's. A repayment received earlier keeps its `received_on` beside the recorded day,
checked against the loan's history, and no deadline moves because of it. The fund of funds
follows the same rules, and only an active officer may replay a past day.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kechuang.accounts.service import create_account
from kechuang.accounts.tables import Account
from kechuang.domain.workdays import add_working_days
from kechuang.finance import dating, loans
from kechuang.finance import fund_of_funds as fof
from kechuang.finance.books import fund_account
from kechuang.finance.errors import BadDay
from kechuang.finance.tables import Claim, Loan, LoanEvent, Repayment
from kechuang.ledger import balance
from tests.finance.conftest import (
    BANK,
    FUND,
    INSURER,
    INTEREST_1,
    OFFICER,
    PASSWORD,
    START,
    Bank,
    compensated,
    seed_enterprises,
    setup_funds,
)


def _invalid(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.text


def test_a_bank_cannot_backdate_a_disbursement(bank: Bank) -> None:
    loan_id = bank.approved()
    bank.clock.advance(2)
    _invalid(bank.post(f"/{loan_id}/disburse", {"on": "2020-01-02"}), "on")
    assert bank.loan(loan_id)["state"] == "approved"
    assert bank.post(f"/{loan_id}/disburse").status_code == 200
    loan = bank.loan(loan_id)
    assert loan["disbursed_on"] == "2025-03-05" and loan["approved_on"] == "2025-03-03"
    assert loan["schedule"][0]["due_on"] == "2025-04-05"


def test_a_bank_cannot_backdate_a_default_or_a_claim_past_its_deadline(bank: Bank) -> None:
    loan_id = bank.disbursed()
    bank.clock.day = dt.date(2025, 4, 10)
    bank.mark_overdue()
    # 90 days after the unpaid instalment of 3 April is 2 July; the bank may not say it is.
    bank.clock.day = dt.date(2025, 5, 1)
    _invalid(bank.post(f"/{loan_id}/default", {"on": "2025-07-02"}), "on")
    refused = bank.post(f"/{loan_id}/default")
    assert refused.status_code == 409 and "逾期满 90 天" in refused.json()["detail"]
    bank.clock.day = dt.date(2025, 7, 2)
    assert bank.post(f"/{loan_id}/default").status_code == 200
    loan = bank.loan(loan_id)
    deadline = add_working_days(dt.date(2025, 7, 2), 20).day
    assert loan["defaulted_on"] == "2025-07-02" and loan["claim_deadline"] == str(deadline)
    bank.clock.day = deadline + dt.timedelta(days=1)
    _invalid(bank.post(f"/{loan_id}/claim", {"on": str(deadline)}), "on")
    late = bank.post(f"/{loan_id}/claim")
    # The refusal speaks the page's language (Chinese unless ?lang=en).
    assert late.status_code == 409 and f"代偿须于 {deadline} 前申请" in late.json()["detail"]
    with bank.session() as session:
        assert session.scalars(select(Claim)).all() == []
        assert balance(session, fund_account(FUND)) == 100_000_000_00
    assert bank.loan(loan_id)["state"] == "defaulted"


def test_a_claim_in_time_is_dated_by_the_server(bank: Bank) -> None:
    loan_id = bank.defaulted()
    bank.clock.day = dt.date(2025, 7, 9)
    assert bank.post(f"/{loan_id}/claim").status_code == 200
    loan = bank.loan(loan_id)
    assert loan["claimed_on"] == "2025-07-09" and loan["state"] == "claimed"


@pytest.mark.parametrize(
    ("received_on", "reason"),
    [("2025-03-02", "早于贷款发放日"), ("2025-04-04", "不能登记未来到账的款项")],
)
def test_received_on_before_disbursement_or_in_the_future_is_refused(
    bank: Bank, received_on: str, reason: str
) -> None:
    loan_id = bank.disbursed()
    bank.clock.day = dt.date(2025, 4, 3)
    _invalid(bank.money(loan_id, "R1", INTEREST_1, received_on), reason)
    assert bank.loan(loan_id)["repayments"] == []
    with bank.session() as session:
        assert session.scalars(select(Repayment)).all() == []


def test_received_on_before_the_repayment_it_follows_is_refused(bank: Bank) -> None:
    loan_id = bank.disbursed()
    bank.clock.day = dt.date(2025, 4, 3)
    first = bank.money(loan_id, "R1", 100_00, "2025-04-02")
    assert first.status_code == 200, first.text
    _invalid(bank.money(loan_id, "R2", 100_00, "2025-04-01"), "早于上一笔还款的到账日")
    assert [r["bank_ref"] for r in bank.loan(loan_id)["repayments"]] == ["R1"]


def test_received_on_within_history_is_kept_and_moves_no_deadline(bank: Bank) -> None:
    loan_id = bank.disbursed()
    bank.clock.day = dt.date(2025, 4, 10)
    bank.mark_overdue()
    # The bank says the first instalment was received before its due date, recorded a week late.
    paid = bank.money(loan_id, "R1", INTEREST_1, "2025-04-02")
    assert paid.status_code == 200, paid.text
    loan = paid.json()
    assert loan["state"] == "disbursed"  # nothing is past due any more
    [repayment] = loan["repayments"]
    assert (repayment["received_on"], repayment["recorded_on"]) == ("2025-04-02", "2025-04-10")
    assert repayment["recorded_by"] == "icbc" and repayment["replayed_by"] is None
    assert repayment["recorded_at"]
    assert loan["schedule"][0]["paid_on"] == "2025-04-10"  # paid in the books when recorded
    with bank.session() as session:
        stored = session.get(Loan, loan_id)
        assert stored is not None and stored.ever_overdue and stored.overdue_year == 2025
        overdue = session.scalars(
            select(LoanEvent.on).where(LoanEvent.loan_id == loan_id,
                                       LoanEvent.event == "fall_overdue")
        ).all()  # fmt: skip
        assert overdue == [dt.date(2025, 4, 10)]
    # The default still counts 90 days from the next unpaid due date (3 May), on server days,
    # and the claim deadline from the server's day of default.
    bank.clock.day = dt.date(2025, 7, 31)
    bank.mark_overdue()
    assert bank.post(f"/{loan_id}/default").status_code == 409
    bank.clock.day = dt.date(2025, 8, 1)
    assert bank.post(f"/{loan_id}/default").status_code == 200
    loan = bank.loan(loan_id)
    assert loan["defaulted_on"] == "2025-08-01"
    assert loan["claim_deadline"] == str(add_working_days(dt.date(2025, 8, 1), 20).day)


def test_the_same_repayment_sent_again_is_the_same_record(bank: Bank) -> None:
    loan_id = bank.disbursed()
    bank.clock.day = dt.date(2025, 4, 3)
    assert bank.money(loan_id, "R1", INTEREST_1, "2025-04-02").status_code == 200
    bank.clock.advance(1)
    assert bank.money(loan_id, "R1", INTEREST_1).status_code == 200
    other = bank.money(loan_id, "R1", INTEREST_1, "2025-04-01")
    assert other.status_code == 409 and "已登记到账日为 2025-04-02" in other.json()["detail"]
    assert len(bank.loan(loan_id)["repayments"]) == 1


def test_a_recovery_cannot_be_received_before_the_claim(bank: Bank) -> None:
    loan_id = bank.defaulted()
    assert bank.post(f"/{loan_id}/claim").status_code == 200
    with bank.session() as session:
        compensated(session, loan_id, bank.clock(), skip_filing=True)
        session.commit()
    bank.clock.day = dt.date(2025, 9, 1)
    early = bank.money(loan_id, "C1", 100_00, "2025-07-01", "recoveries")
    _invalid(early, "早于代偿申请日")
    _invalid(bank.post(f"/{loan_id}/recoveries", {"ref": "C1", "amount_fen": 100_00,
                                                  "on": "2025-08-01"}), "on")  # fmt: skip
    kept = bank.money(loan_id, "C1", 100_00, "2025-08-20", "recoveries")
    assert kept.status_code == 200, kept.text
    [recovery] = kept.json()["recoveries"]
    assert (recovery["received_on"], recovery["recorded_on"]) == ("2025-08-20", "2025-09-01")


GOOD = {"team": 90, "industry_fit": 85, "fundraising": 70, "local_investment": 80,
        "governance": 75}  # fmt: skip


def test_a_sub_fund_takes_no_flow_before_its_last_day_and_no_replay_once_live(
    session: Session,
) -> None:
    replayed = fof.apply(session, "回放基金", "M", "AI", 1_000_000_00, 400_000_00, GOOD,
                         dt.date(2024, 1, 2), replayed_by=OFFICER)  # fmt: skip
    fof.decide(session, replayed.id, True, OFFICER)
    fof.commit(session, replayed.id, 400_000_00, "c1", dt.date(2024, 2, 1), OFFICER,
               replayed_by=OFFICER)  # fmt: skip
    with pytest.raises(BadDay, match="before its last recorded day"):
        fof.commit(session, replayed.id, 1_00, "c2", dt.date(2024, 1, 15), OFFICER,
                   replayed_by=OFFICER)  # fmt: skip
    assert replayed.live_since is None
    fof.commit(session, replayed.id, 1_00, "c3", dt.date(2025, 3, 3), OFFICER)
    assert replayed.live_since == dt.date(2025, 3, 3)
    with pytest.raises(BadDay, match="recorded live since 2025-03-03"):
        fof.value(session, replayed.id, 1_00, "v1", dt.date(2025, 3, 4), OFFICER,
                  replayed_by=OFFICER)  # fmt: skip


@pytest.mark.parametrize(
    ("role", "active"), [("officer", False), ("bank", True), ("admin", True), ("analyst", True)]
)
def test_only_an_active_officer_may_replay(
    engine: Engine, session: Session, role: str, active: bool
) -> None:
    create_account(session, "somebody", PASSWORD, role, org="x-bank" if role == "bank" else None)
    create_account(session, "officer-real", PASSWORD, "officer")
    session.commit()
    if not active:
        account = session.scalars(select(Account).where(Account.username == "somebody")).one()
        account.active = False
        session.commit()
    with pytest.raises(BadDay, match="only an officer"):
        dating.replay_officer(session, "somebody")
    with pytest.raises(BadDay, match="only an officer"):
        dating.replay_officer(session, "OFFICER-REAL")
    assert dating.replay_officer(session, "officer-real") == "officer-real"


def test_a_replayed_loan_keeps_every_rule_on_its_own_days(engine: Engine, session: Session) -> None:
    uscc = seed_enterprises(engine, 1)[0]
    setup_funds(session)
    app = loans.Application("performance-loan", uscc, BANK, INSURER, "R1", 1_000_000_00, 12,
                            "interest_only")  # fmt: skip
    loan = loans.apply(session, app, OFFICER, START, replayed_by=OFFICER)
    loans.approve(session, loan.id, OFFICER, START, replayed_by=OFFICER)
    with pytest.raises(BadDay, match="before its last recorded day"):
        loans.disburse(session, loan.id, OFFICER, START - dt.timedelta(days=1), replayed_by=OFFICER)
    loans.disburse(session, loan.id, OFFICER, START, replayed_by=OFFICER)
    loans.mark_overdue(session, dt.date(2025, 4, 10), OFFICER, replayed_by=OFFICER)
    with pytest.raises(loans.Refused, match="90 days"):
        loans.declare_default(session, loan.id, OFFICER, dt.date(2025, 7, 1), replayed_by=OFFICER)
    loans.declare_default(session, loan.id, OFFICER, dt.date(2025, 7, 2), replayed_by=OFFICER)
    deadline = loan.claim_deadline
    assert deadline == add_working_days(dt.date(2025, 7, 2), 20).day
    with pytest.raises(loans.Refused, match="claimed by"):
        loans.claim(session, loan.id, OFFICER, deadline + dt.timedelta(days=1), replayed_by=OFFICER)
    loans.claim(session, loan.id, OFFICER, deadline, replayed_by=OFFICER)
    events = session.scalars(select(LoanEvent).where(LoanEvent.loan_id == loan.id)).all()
    assert [e.event for e in events] == ["approve", "disburse", "fall_overdue", "declare_default",
                                         "file_claim"]  # fmt: skip
    assert {e.replayed_by for e in events} == {OFFICER} and loan.live_since is None
    assert Decimal(loan.principal_fen) == Decimal(1_000_000_00)


def test_the_loan_page_shows_the_received_day_beside_the_recorded_day(bank: Bank) -> None:
    loan_id = bank.disbursed()
    bank.clock.day = dt.date(2025, 4, 10)
    assert bank.money(loan_id, "R1", INTEREST_1, "2025-04-02").status_code == 200
    page = bank.client.get(f"/finance/loans/{loan_id}")
    assert page.status_code == 200
    assert "到账日" in page.text and "登记日" in page.text and 'id="repayments"' in page.text
    row = page.text.split('id="repayments"')[1]
    assert row.index("2025-04-02") < row.index("2025-04-10")
    english = bank.client.get(f"/finance/loans/{loan_id}", params={"lang": "en"})
    assert "Received on" in english.text and "Recorded on" in english.text
