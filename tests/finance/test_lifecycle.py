"""Loan rules: admission with explanation, limits, capacity, illegal transitions, claim deadline,
idempotent repayments and recoveries, recoveries capped at the loss."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kechuang.finance import capacity, lifecycle, loans
from kechuang.finance.errors import IllegalTransition, Refused
from kechuang.finance.products import load_products
from kechuang.finance.tables import LoanEvent, Repayment
from kechuang.ledger import trial_balance
from tests.finance.conftest import (
    BANK,
    FUND,
    INSURER,
    OFFICER,
    compensated,
    seed_enterprises,
    setup_funds,
)

ON = dt.date(2025, 3, 3)


def _app(
    uscc: str, principal_fen: int = 1_000_000_00, ref: str = "A1", **kw: object
) -> loans.Application:
    fields: dict[str, object] = dict(product_id="performance-loan", uscc=uscc, bank_org=BANK,
                                     partner_org=INSURER, bank_ref=ref, principal_fen=principal_fen,
                                     term_months=12, method="equal_instalment")  # fmt: skip
    fields.update(kw)
    return loans.Application(**fields)  # type: ignore[arg-type]


def test_products_cite_their_numbers() -> None:
    products = load_products()
    loan, guarantee = products["performance-loan"], products["tech-guarantee-2024"]
    assert loan.shares_on(ON) == {"compensation_fund": Decimal("0.25"), "insurer": Decimal("0.45"),
                                  "bank": Decimal("0.30")}  # fmt: skip
    assert loan.doc.premium is not None and loan.doc.premium.rate == Decimal("0.02")
    assert guarantee.doc.document_number == "财金〔2024〕60号"
    assert guarantee.doc.limits.amount_max_yuan == 30_000_000
    national = [guarantee.shares_on(ON, t)["national_fund"] for t in ("tier_a", "tier_b", "tier_c")]
    assert national == [Decimal("0.40"), Decimal("0.35"), Decimal("0.30")]
    for product in products.values():
        assert product.doc.risk_shares.reference and product.doc.limits.reference


def test_an_enterprise_below_the_admission_rule_is_refused_with_the_reason(
    engine: Engine, session: Session
) -> None:
    usccs = seed_enterprises(engine, 2, failing=(1,))
    setup_funds(session)
    good = loans.apply(session, _app(usccs[0]), BANK, ON)
    bad = loans.apply(session, _app(usccs[1], ref="A2"), BANK, ON)
    assert good.state == "applied" and good.admission_outcome == "eligible"
    assert bad.state == "refused" and bad.admission_outcome == "ineligible"
    assert "innovation" in bad.admission["verdict"]["unmet"]
    assert bad.admission["text_zh"]
    event = session.scalars(select(LoanEvent).where(LoanEvent.loan_id == bad.id)).one()
    assert event.event == "refuse" and "innovation" in event.reason


@pytest.mark.parametrize(
    ("change", "message"),
    [({"principal_fen": 50_000_00}, "lends"), ({"term_months": 60}, "terms"),
     ({"method": "balloon"}, "repays by")],
)  # fmt: skip
def test_terms_outside_the_product_are_refused_and_nothing_is_stored(
    engine: Engine, session: Session, change: dict[str, object], message: str
) -> None:
    usccs = seed_enterprises(engine, 1)
    with pytest.raises(Refused, match=message):
        loans.apply(session, _app(usccs[0], **change), BANK, ON)


def test_a_full_fund_refuses_new_loans(engine: Engine, session: Session) -> None:
    usccs = seed_enterprises(engine, 3)
    setup_funds(session, size_fen=200_000_00, leverage="10")  # backs 2,000,000 yuan
    first = loans.apply(session, _app(usccs[0], 1_500_000_00), BANK, ON)
    loans.approve(session, first.id, BANK, ON)
    session.commit()
    second = loans.apply(session, _app(usccs[1], 600_000_00, ref="A2"), BANK, ON)
    with pytest.raises(Refused, match="full"):
        loans.approve(session, second.id, BANK, ON)
    session.rollback()
    third = loans.apply(session, _app(usccs[2], 500_000_00, ref="A3"), BANK, ON)
    loans.approve(session, third.id, BANK, ON)  # exactly at the limit
    fund = capacity.lock_fund(session, FUND)
    assert capacity.capacity(session, fund).room_fen == 0


def test_illegal_transitions_name_the_allowed_events(engine: Engine, session: Session) -> None:
    usccs = seed_enterprises(engine, 1)
    setup_funds(session)
    loan = loans.apply(session, _app(usccs[0]), BANK, ON)
    with pytest.raises(IllegalTransition, match="allowed now: refuse, approve"):
        loans.disburse(session, loan.id, BANK, ON)
    with pytest.raises(IllegalTransition):
        loans.claim(session, loan.id, BANK, ON)
    assert lifecycle.LOAN.allowed("compensated") == ["close"]


def test_repayments_are_idempotent_and_settle_the_loan(engine: Engine, session: Session) -> None:
    usccs = seed_enterprises(engine, 1)
    setup_funds(session)
    loan = loans.apply(session, _app(usccs[0]), BANK, ON)
    loans.approve(session, loan.id, BANK, ON)
    loans.disburse(session, loan.id, BANK, ON)
    rows = loans.instalments(session, loan.id)
    first = rows[0].principal_fen + rows[0].interest_fen
    loans.repay(session, loan.id, "R1", first, BANK, rows[0].due_on)
    session.commit()
    loans.repay(session, loan.id, "R1", first, BANK, rows[0].due_on)  # the same report again
    assert len(session.scalars(select(Repayment)).all()) == 1
    with pytest.raises(Refused, match="another amount"):
        loans.repay(session, loan.id, "R1", first + 1, BANK, rows[0].due_on)
    rest = sum(r.principal_fen + r.interest_fen for r in rows[1:])
    with pytest.raises(Refused, match="too much"):
        loans.repay(session, loan.id, "R2", rest + 1, BANK, rows[1].due_on)
    session.rollback()
    loans.repay(session, loan.id, "R2", rest, BANK, rows[1].due_on)
    assert loan.state == "repaid" and loan.outstanding_fen == 0 and not loan.ever_overdue
    # Premium: 2% of principal plus the scheduled interest.
    interest = sum(r.interest_fen for r in rows)
    assert loan.premium_fen == round((1_000_000_00 + interest) * Decimal("0.02"))
    assert trial_balance(session) == 0


def _defaulted(engine: Engine, session: Session) -> int:
    usccs = seed_enterprises(engine, 1)
    setup_funds(session)
    loan = loans.apply(session, _app(usccs[0], 1_000_000_01), BANK, ON)
    loans.approve(session, loan.id, BANK, ON)
    loans.disburse(session, loan.id, BANK, ON)
    loans.mark_overdue(session, dt.date(2025, 4, 10), OFFICER)
    assert loan.state == "overdue"
    with pytest.raises(Refused, match="90 days"):
        loans.declare_default(session, loan.id, BANK, dt.date(2025, 5, 1))
    loans.declare_default(session, loan.id, BANK, dt.date(2025, 7, 7))
    return loan.id


def test_a_claim_after_the_deadline_is_refused(engine: Engine, session: Session) -> None:
    loan_id = _defaulted(engine, session)
    loan = loans.locked_loan(session, loan_id)
    # 20 working days after Monday 7 July 2025 (no holiday in between): Monday 4 August.
    assert loan.claim_deadline == dt.date(2025, 8, 4) and not loan.claim_deadline_provisional
    with pytest.raises(Refused, match="claimed by"):
        loans.claim(session, loan_id, BANK, dt.date(2025, 8, 5))
    claim = loans.claim(session, loan_id, BANK, dt.date(2025, 8, 4))
    # 1,000,000.01 yuan: the odd fen goes to the largest remainder (the insurer's 0.45).
    assert claim.parts == {"compensation_fund": 250_000_00, "insurer": 450_000_01,
                           "bank": 300_000_00}  # fmt: skip


def test_recoveries_never_pay_back_more_than_the_loss(engine: Engine, session: Session) -> None:
    loan_id = _defaulted(engine, session)
    compensated(session, loan_id, dt.date(2025, 7, 8))
    first = loans.recover(session, loan_id, "C1", 100_000_00, BANK, dt.date(2025, 9, 1))
    assert first.parts == {"compensation_fund": 25_000_00, "insurer": 45_000_00,
                           "bank": 30_000_00}  # fmt: skip
    with pytest.raises(Refused, match="still open"):
        loans.recover(session, loan_id, "C2", 900_000_02, BANK, dt.date(2025, 9, 2))
    rest = loans.recover(session, loan_id, "C2", 900_000_01, BANK, dt.date(2025, 9, 2))
    assert sum(rest.parts.values()) == 900_000_01
    assert trial_balance(session) == 0
    loans.close(session, loan_id, OFFICER, dt.date(2025, 9, 3), "fully recovered")
