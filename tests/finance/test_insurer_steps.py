"""The insurer's own steps on a compensation claim, through the API, on SQLite and PostgreSQL.

A default leads to a claim; the insurer sees its part to the fen, confirms or disputes it, and
pays it; the fund pays only after that, when an officer approves; a dispute blocks payment
until an officer resolves it; a refused claim takes the loan back to defaulted and may be
filed again. Each party's part sums to the loss to the fen, in the ledger too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kechuang.accounts.service import create_account
from kechuang.finance import loans
from kechuang.finance.books import fund_account, org_account
from kechuang.finance.tables import Claim, Loan
from kechuang.ledger import balance, trial_balance
from kechuang.ledger.tables import LedgerEntry
from kechuang.store.engine import session_scope
from tests.finance.conftest import BANK, FUND, GUARANTOR, INSURER, OFFICER, PASSWORD, START, Bank

API = "/api/v1/finance/claims"
PARTS = {"compensation_fund": 250_000_00, "insurer": 450_000_00, "bank": 300_000_00}


class Party:
    """Another signed-in account on the bank's app (insurer, officer, another insurer)."""

    def __init__(self, bank: Bank, username: str, role: str, org: str | None = None) -> None:
        with session_scope(bank.engine) as session:
            create_account(session, username, PASSWORD, role, org=org)
        self.client = TestClient(bank.client.app)
        answer = self.client.post(
            "/api/v1/session", json={"username": username, "password": PASSWORD}
        )
        assert answer.status_code == 201, answer.text
        self.client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]

    def step(self, claim_id: int, verb: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(f"{API}/{claim_id}/{verb}?lang=en", json=body or {})


def _filed(bank: Bank) -> tuple[int, int]:
    loan_id = bank.defaulted()
    bank.clock.day = dt.date(2025, 7, 9)
    answer = bank.post(f"/{loan_id}/claim")
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "claimed" and answer.json()["claim_parts"] == PARTS
    return loan_id, int(answer.json()["claim_id"])


def _entries(bank: Bank) -> int:
    with bank.session() as session:
        return int(session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


def test_the_insurer_confirms_and_pays_then_the_fund_pays_and_the_parts_sum_to_the_loss(
    bank: Bank,
) -> None:
    insurer = Party(bank, "picc", "insurer", INSURER)
    officer = Party(bank, "wang", "officer")
    loan_id, claim_id = _filed(bank)
    # Nothing moves before the insurer has confirmed and paid.
    early = officer.step(claim_id, "approve")
    assert early.status_code == 409 and "allowed now: confirm, dispute, refuse" in early.text
    assert insurer.step(claim_id, "pay").status_code == 409
    confirmed = insurer.step(claim_id, "confirm")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "confirmed" and confirmed.json()["parts"] == PARTS
    before = _entries(bank)
    paid = insurer.step(claim_id, "pay")
    assert paid.status_code == 200 and paid.json()["state"] == "partner_paid"
    assert _entries(bank) == before + 1
    # Paying twice is refused and moves no money.
    again = insurer.step(claim_id, "pay")
    assert again.status_code == 409 and _entries(bank) == before + 1
    with bank.session() as session:
        assert balance(session, org_account(INSURER)) == -PARTS["insurer"] + _premium(session)
    approved = officer.step(claim_id, "approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "paid" and approved.json()["paid_on"] == "2025-07-09"
    assert bank.loan(loan_id)["state"] == "compensated"
    with bank.session() as session:
        claim = session.scalars(select(Claim)).one()
        assert sum(claim.parts.values()) == claim.loss_fen == 1_000_000_00
        assert balance(session, fund_account(FUND)) == 100_000_000_00 - PARTS["compensation_fund"]
        assert balance(session, f"{org_account(INSURER)}:loss") == PARTS["insurer"]
        assert balance(session, f"{org_account(BANK)}:loss") == PARTS["bank"]
        assert balance(session, f"finance:loan:{loan_id}") == 0
        assert trial_balance(session) == 0


def _premium(session: Any) -> int:
    loan = session.scalars(select(Loan)).one()
    return int(loan.premium_fen)


def test_a_dispute_blocks_payment_until_an_officer_resolves_it(bank: Bank) -> None:
    insurer = Party(bank, "picc", "insurer", INSURER)
    officer = Party(bank, "wang", "officer")
    _, claim_id = _filed(bank)
    assert insurer.step(claim_id, "dispute", {"reason": " "}).status_code == 422
    disputed = insurer.step(claim_id, "dispute", {"reason": "贷后管理未按约定执行"})
    assert disputed.status_code == 200 and disputed.json()["state"] == "disputed"
    assert disputed.json()["dispute_reason"] == "贷后管理未按约定执行"
    for party, verb in ((insurer, "pay"), (insurer, "confirm"), (officer, "approve")):
        refused = party.step(claim_id, verb)
        assert refused.status_code == 409, (verb, refused.text)
    # The insurer may not settle its own dispute; an officer does, with a reason.
    assert insurer.step(claim_id, "resolve", {"reason": "r"}).status_code == 403
    resolved = officer.step(claim_id, "resolve", {"reason": "经核查贷后记录完整"})
    assert resolved.status_code == 200 and resolved.json()["state"] == "filed"
    assert insurer.step(claim_id, "confirm").json()["state"] == "confirmed"


def test_a_refused_claim_takes_the_loan_back_and_may_be_filed_again(bank: Bank) -> None:
    officer = Party(bank, "wang", "officer")
    loan_id, claim_id = _filed(bank)
    refused = officer.step(claim_id, "refuse", {"reason": "材料不全"})
    assert refused.status_code == 200 and refused.json()["state"] == "refused"
    assert bank.loan(loan_id)["state"] == "defaulted"
    again = bank.post(f"/{loan_id}/claim")
    assert again.status_code == 200 and again.json()["claim_id"] == claim_id
    assert again.json()["claim_state"] == "filed"


def test_only_the_loans_insurer_sees_or_moves_its_claim(bank: Bank) -> None:
    other = Party(bank, "cpic", "insurer", "cpic-sh")
    guarantor = Party(bank, "shcg", "guarantor", INSURER)  # the same org code, the wrong role
    _, claim_id = _filed(bank)
    for party in (other, guarantor):
        answer = party.step(claim_id, "confirm")
        assert answer.status_code == 404, answer.text
        assert party.client.get(f"/finance/claims/{claim_id}").status_code == 404
    # The lending bank reads the claim but takes no insurer's step.
    assert bank.client.get(f"/finance/claims/{claim_id}").status_code == 200
    assert bank.client.post(f"{API}/{claim_id}/confirm", json={}).status_code == 403


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_late_claim_is_refused_in_the_pages_language(bank: Bank, lang: str) -> None:
    loan_id = bank.defaulted()
    bank.clock.day = dt.date(2025, 9, 1)
    late = bank.client.post(f"/api/v1/finance/loans/{loan_id}/claim?lang={lang}", json={})
    assert late.status_code == 409
    expected = "代偿须于 2025-07-30 前申请" if lang == "zh" else "had to be claimed by 2025-07-30"
    assert expected in late.json()["detail"]


def test_the_guarantor_confirms_and_pays_its_part_of_a_guarantee_and_sees_its_fees(
    bank: Bank,
) -> None:
    guarantor = Party(bank, "shcg", "guarantor", GUARANTOR)
    officer = Party(bank, "wang", "officer")
    app = loans.Application("tech-guarantee-2024", bank.uscc, BANK, GUARANTOR, "G1",
                            1_000_000_00, 12, "interest_only", tier="tier_b")  # fmt: skip
    with bank.session() as session:
        loan = loans.apply(session, app, BANK, START)
        loans.approve(session, loan.id, BANK, START)
        loans.disburse(session, loan.id, BANK, START)
        loans.mark_overdue(session, dt.date(2025, 4, 10), OFFICER)
        loans.declare_default(session, loan.id, BANK, dt.date(2025, 7, 2))
        claim = loans.claim(session, loan.id, BANK, dt.date(2025, 7, 2))
        session.commit()
        claim_id, parts, fee = claim.id, dict(claim.parts), loan.premium_fen
    bank.clock.day = dt.date(2025, 7, 3)
    assert guarantor.step(claim_id, "confirm").json()["state"] == "confirmed"
    assert guarantor.step(claim_id, "pay").json()["state"] == "partner_paid"
    assert officer.step(claim_id, "approve").json()["state"] == "paid"
    assert sum(parts.values()) == 1_000_000_00 and parts["guarantor"] > 0
    page = guarantor.client.get("/finance/partner")
    assert page.status_code == 200 and "Guarantee fees" in page.text  # the ?lang=en cookie
    [row] = guarantor.client.get("/api/v1/finance/partner/loans").json()
    assert row["premium_fen"] == fee > 0 and row["loss_share_fen"] == parts["guarantor"]
    with bank.session() as session:
        assert balance(session, f"{org_account(GUARANTOR)}:loss") == parts["guarantor"]
        assert trial_balance(session) == 0
