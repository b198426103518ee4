"""What a compensation claim will pay, shown on the claim form before it is confirmed: the
defaulted principal split to the fen between the fund, the bank and the insurer or guarantor
(loans.claim_parts, the very split the claim records), with the organisation paying each part
and the fund's room under its limit (finance.capacity); and a filed claim as its pages show it
(`view`: each party's part with the organisation that pays it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.finance import capacity, loans
from kechuang.finance.tables import Claim, FinanceFund, Loan


@dataclass(frozen=True)
class Part:
    party: str  # bank | insurer | guarantor | compensation_fund | national_fund
    org: str
    fen: int


@dataclass(frozen=True)
class Preview:
    loss_fen: int
    parts: list[Part]
    claim_by: dt.date | None
    fund_balance_fen: int | None  # the paying fund's cash now (None if it is not set up)

    @property
    def total_fen(self) -> int:
        return sum(p.fen for p in self.parts)


def preview(session: Session, loan: Loan) -> Preview | None:
    """The split a claim on `loan` would pay now; None unless the loan is in default."""
    if loan.state != "defaulted" or loan.defaulted_fen is None or not loan.shares:
        return None
    product = loans.product_of(loan)
    orgs = {**loans.orgs_of(loan, product), product.fund_party: loan.fund_code}
    parts = [Part(party, orgs.get(party, ""), fen)
             for party, fen in loans.claim_parts(loan).items()]  # fmt: skip
    fund = session.scalars(select(FinanceFund).where(FinanceFund.code == loan.fund_code)).first()
    balance = capacity.capacity(session, fund).balance_fen if fund is not None else None
    return Preview(loan.defaulted_fen, parts, loan.claim_deadline, balance)


@dataclass(frozen=True)
class PartOf:
    party: str
    org: str
    fen: int


@dataclass(frozen=True)
class ClaimView:
    """A claim as a page shows it: the claim, its loan and each party's part with its payer."""

    claim: Claim
    loan: Loan
    parts: list[PartOf]

    @property
    def total_fen(self) -> int:
        return sum(p.fen for p in self.parts)


def view(claim: Claim, loan: Loan) -> ClaimView:
    product = loans.product_of(loan)
    orgs = {**loans.orgs_of(loan, product), product.fund_party: loan.fund_code}
    parts = [PartOf(party, orgs.get(party, ""), int(fen)) for party, fen in claim.parts.items()]
    return ClaimView(claim, loan, parts)


def views(session: Session, query: Any) -> list[ClaimView]:
    rows = session.execute(query.join(Loan, Loan.id == Claim.loan_id).add_columns(Loan)).all()
    return [view(claim, loan) for claim, loan in rows]
