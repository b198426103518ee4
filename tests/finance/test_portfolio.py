"""The portfolio walk: generated loans through repayment, default, compensation and recovery.

Done-criterion of issue 7: the parties' losses add up to the defaulted principal to the fen, per
loan and in total, on both stores; the ledger balances and tells the same story as the claims.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kechuang.finance import indicators, loans
from kechuang.finance.books import fund_account, org_account
from kechuang.finance.tables import Claim, Loan, Recovery
from kechuang.ledger import balance, trial_balance
from tests.finance.conftest import (
    BANK,
    FUND,
    GUARANTEE_FUND,
    GUARANTOR,
    INSURER,
    OFFICER,
    compensated,
    seed_enterprises,
    setup_funds,
)

START = dt.date(2025, 3, 3)


def test_a_generated_portfolio_shares_every_loss_exactly(engine: Engine, session: Session) -> None:
    rng = random.Random(20251127)
    usccs = seed_enterprises(engine, 24)
    setup_funds(session)
    ids = []
    for n, uscc in enumerate(usccs):
        guarantee = n % 3 == 0
        app = loans.Application(
            product_id="tech-guarantee-2024" if guarantee else "performance-loan",
            uscc=uscc, bank_org=BANK, partner_org=GUARANTOR if guarantee else INSURER,
            bank_ref=f"L{n:04d}", principal_fen=rng.randrange(100_000_00, 5_000_000_00) + 7,
            term_months=rng.choice((6, 12)),
            method=rng.choice(("equal_instalment", "interest_only")),
            tier=rng.choice(("tier_a", "tier_b", "tier_c")) if guarantee else None,
        )  # fmt: skip
        loan = loans.apply(session, app, BANK, START)
        assert loan.state == "applied", loan.admission["text_en"]
        loans.approve(session, loan.id, BANK, START)
        loans.disburse(session, loan.id, BANK, START)
        ids.append(loan.id)
    session.commit()

    defaulting = set(rng.sample(ids, 10))
    for loan_id in ids:
        rows = loans.instalments(session, loan_id)
        # Good loans pay every instalment on its day; bad ones stop after one or two.
        paying = rows if loan_id not in defaulting else rows[: rng.choice((0, 1, 2))]
        for row in paying:
            loans.repay(session, loan_id, f"R{loan_id}-{row.seq}", row.principal_fen +
                        row.interest_fen, BANK, row.due_on)  # fmt: skip
        session.commit()
    as_of = dt.date(2025, 9, 30)
    loans.mark_overdue(session, as_of, OFFICER)
    session.commit()
    defaulted_total = 0
    for loan_id in sorted(defaulting):
        loan = loans.declare_default(session, loan_id, BANK, as_of)
        assert loan.defaulted_fen is not None
        defaulted_total += loan.defaulted_fen
        compensated(session, loan_id, as_of + dt.timedelta(days=3))
        session.commit()
    # Recoveries: some loans recover part of the loss, one twice, one in full.
    recovered_total = 0
    for k, loan_id in enumerate(sorted(defaulting)[:5]):
        loan = session.get(Loan, loan_id)
        assert loan is not None and loan.defaulted_fen is not None
        amounts = [loan.defaulted_fen] if k == 0 else [loan.defaulted_fen // 3 + k, 1_01]
        for j, amount in enumerate(amounts):
            loans.recover(session, loan_id, f"C{loan_id}-{j}", amount, BANK, dt.date(2025, 12, 1))
            recovered_total += amount
        session.commit()

    claims = list(session.scalars(select(Claim)))
    assert len(claims) == len(defaulting)
    for c in claims:
        assert sum(c.parts.values()) == c.loss_fen
    assert sum(sum(c.parts.values()) for c in claims) == defaulted_total
    for loan_id in defaulting:
        loan = session.get(Loan, loan_id)
        assert loan is not None and loan.state == "compensated"
        shares = {p: Decimal(s) for p, s in (loan.shares or {}).items()}
        claim = next(c for c in claims if c.loan_id == loan_id)
        for party, part in claim.parts.items():
            # Each part is within a fen of its exact share.
            assert abs(Decimal(part) - shares[party] * claim.loss_fen) < 1
    recovered = list(session.scalars(select(Recovery)))
    assert sum(r.amount_fen for r in recovered) == recovered_total
    for r in recovered:
        assert sum(r.parts.values()) == r.amount_fen

    # The ledger says the same: losses booked per party = defaulted - recovered, to the fen.
    loss_accounts = [f"{fund_account(FUND)}:loss", f"{fund_account(GUARANTEE_FUND)}:loss",
                     f"{org_account(BANK)}:loss", f"{org_account(INSURER)}:loss",
                     f"{org_account(GUARANTOR)}:loss"]  # fmt: skip
    assert sum(balance(session, code) for code in loss_accounts) == (
        defaulted_total - recovered_total
    )
    parties: dict[str, int] = {}
    for c in claims:
        for party, part in c.parts.items():
            parties[party] = parties.get(party, 0) + part
    fund_paid = parties.get("compensation_fund", 0)
    fund_back = sum(r.parts.get("compensation_fund", 0) for r in recovered)
    assert balance(session, fund_account(FUND)) == 100_000_000_00 - fund_paid + fund_back
    assert trial_balance(session) == 0

    report = indicators.report(session)
    total = report["total"][0]
    assert total["loans"] == len(ids) and total["enterprises"] == len(ids)
    assert sum(total["compensation_fen"].values()) == defaulted_total - recovered_total
    assert sum(r["granted_fen"] for r in report["product"]) == total["granted_fen"]
