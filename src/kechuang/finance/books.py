"""Finance's ledger accounts and entries: every money movement of a loan, fund or claim.

Accounts (codes):
  finance:fund:<code>            asset, floor 0: the compensation fund / guarantee programme's money
  finance:fund:<code>:capital    equity: what the city put into it
  finance:fund:<code>:loss       expense: compensation it paid, net of recoveries
  finance:org:<org>              asset: a bank's, insurer's or guarantor's settlement money
  finance:org:<org>:income       income: interest (bank), premium (insurer), fee (guarantor)
  finance:org:<org>:loss         expense: its share of credit losses, net of recoveries
  finance:loan:<id>              asset of the bank: the principal the enterprise owes

Sign convention is the ledger's (debit positive). Every entry has an idempotency key derived
from the business event (`finance:loan:<id>:disburse`, `...:repayment:<bank_ref>`, ...), so a
re-run or a race never moves money twice. The compensation entry credits the fund's floored
account: a claim the fund cannot pay raises FloorBreached, also under concurrent claims.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy.orm import Session

from kechuang.ledger import AccountType, OwnerKind, open_account, post
from kechuang.ledger.journal import PostResult

CHINA_NOON = dt.time(12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PARTY_OWNER = {
    "bank": OwnerKind.BANK,
    "insurer": OwnerKind.INSURER,
    "guarantor": OwnerKind.GUARANTOR,
}


def fund_account(code: str) -> str:
    return f"finance:fund:{code}"


def org_account(org: str) -> str:
    return f"finance:org:{org}"


def loan_account(loan_id: int) -> str:
    return f"finance:loan:{loan_id}"


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, CHINA_NOON)


def open_fund(session: Session, code: str, name_zh: str, name_en: str) -> None:
    open_account(session, fund_account(code), AccountType.ASSET, name_zh=name_zh, name_en=name_en,
                 owner_kind=OwnerKind.FUND, owner_id=code, min_balance_fen=0)  # fmt: skip
    open_account(session, f"{fund_account(code)}:capital", AccountType.EQUITY,
                 name_zh=f"{name_zh}（出资）", name_en=f"{name_en} (capital)",
                 owner_kind=OwnerKind.FUND, owner_id=code)  # fmt: skip
    open_account(session, f"{fund_account(code)}:loss", AccountType.EXPENSE,
                 name_zh=f"{name_zh}（代偿损失）", name_en=f"{name_en} (losses)",
                 owner_kind=OwnerKind.FUND, owner_id=code)  # fmt: skip


def open_org(session: Session, org: str, party: str) -> None:
    owner = PARTY_OWNER[party]
    open_account(session, org_account(org), AccountType.ASSET, owner_kind=owner, owner_id=org)
    open_account(session, f"{org_account(org)}:income", AccountType.INCOME,
                 owner_kind=owner, owner_id=org)  # fmt: skip
    open_account(session, f"{org_account(org)}:loss", AccountType.EXPENSE,
                 owner_kind=owner, owner_id=org)  # fmt: skip


def open_loan(session: Session, loan_id: int, bank_org: str) -> None:
    open_account(
        session, loan_account(loan_id), AccountType.ASSET, owner_kind=OwnerKind.BANK,
        owner_id=bank_org, name_zh=f"贷款 {loan_id}", name_en=f"Loan {loan_id}",
    )  # fmt: skip


def capitalise_fund(
    session: Session, code: str, amount_fen: int, key: str, on: dt.date, actor: str
) -> PostResult:
    """The city pays `amount_fen` into the fund."""
    return post(session, f"finance:fund:{code}:capital:{key}",
                [(fund_account(code), amount_fen), (f"{fund_account(code)}:capital", -amount_fen)],
                "fund_capital", f"资金注入 {code}", reference=("fund", code),
                created_by=actor, occurred_at=_moment(on))  # fmt: skip


def disburse(
    session: Session, loan_id: int, bank_org: str, principal_fen: int, on: dt.date, actor: str
) -> PostResult:
    return post(session, f"{loan_account(loan_id)}:disburse",
                [(loan_account(loan_id), principal_fen), (org_account(bank_org), -principal_fen)],
                "loan_disbursement", "放款", reference=("loan", loan_id),
                created_by=actor, occurred_at=_moment(on))  # fmt: skip


def partner_charge(
    session: Session,
    loan_id: int,
    partner_org: str,
    amount_fen: int,
    kind: str,
    on: dt.date,
    actor: str,
) -> PostResult:
    """The premium (insurer) or guarantee fee (guarantor) the enterprise pays at disbursement."""
    return post(session, f"{loan_account(loan_id)}:{kind}",
                [(org_account(partner_org), amount_fen),
                 (f"{org_account(partner_org)}:income", -amount_fen)],
                kind, "保费" if kind == "premium" else "担保费", reference=("loan", loan_id),
                created_by=actor, occurred_at=_moment(on))  # fmt: skip


def repayment(
    session: Session,
    loan_id: int,
    bank_org: str,
    bank_ref: str,
    principal_fen: int,
    interest_fen: int,
    on: dt.date,
    actor: str,
) -> PostResult:
    postings = [(org_account(bank_org), principal_fen + interest_fen)]
    if principal_fen:
        postings.append((loan_account(loan_id), -principal_fen))
    if interest_fen:
        postings.append((f"{org_account(bank_org)}:income", -interest_fen))
    return post(session, f"{loan_account(loan_id)}:repayment:{bank_ref}", postings,
                "loan_repayment", "还款", reference=("loan", loan_id),
                created_by=actor, occurred_at=_moment(on))  # fmt: skip


def partner_share(
    session: Session,
    loan_id: int,
    bank_org: str,
    partner_org: str,
    part_fen: int,
    on: dt.date,
    actor: str,
) -> PostResult | None:
    """The insurer or guarantor pays its part of a confirmed claim to the bank: that much of
    the defaulted principal is written off (idempotent: one entry per loan)."""
    if part_fen == 0:
        return None
    lines = {loan_account(loan_id): -part_fen, org_account(partner_org): -part_fen,
             f"{org_account(partner_org)}:loss": part_fen,
             org_account(bank_org): part_fen}  # fmt: skip
    return post(session, f"{loan_account(loan_id)}:compensation:partner",
                [(code, amount) for code, amount in sorted(lines.items()) if amount],
                "compensation", "代偿：保险或担保机构支付分担部分", reference=("loan", loan_id),
                created_by=actor, occurred_at=_moment(on))  # fmt: skip


def compensation(
    session: Session,
    loan_id: int,
    fund_code: str,
    orgs: Mapping[str, str],
    parts: Mapping[str, int],
    fund_party: str,
    on: dt.date,
    actor: str,
) -> PostResult:
    """The fund pays its part of an approved claim to the bank, and the rest of the defaulted
    principal (the bank's own part) is written off: with `partner_share` posted before, the
    whole loss is off the loan and on each party's loss account.

    `orgs` maps the institution parties (bank, insurer/guarantor) to their orgs; `parts` maps
    every party to its part of the loss.
    """
    bank = orgs["bank"]
    fund_part = sum(part for party, part in parts.items() if party == fund_party)
    bank_part = sum(part for party, part in parts.items() if party == "bank")
    lines: dict[str, int] = {loan_account(loan_id): -(fund_part + bank_part)}
    if fund_part:
        lines[fund_account(fund_code)] = -fund_part
        lines[f"{fund_account(fund_code)}:loss"] = fund_part
        lines[org_account(bank)] = fund_part
    if bank_part:
        lines[f"{org_account(bank)}:loss"] = bank_part
    return post(session, f"{loan_account(loan_id)}:compensation",
                [(code, amount) for code, amount in sorted(lines.items()) if amount],
                "compensation", "代偿：损失按风险分担比例分摊", reference=("loan", loan_id),
                created_by=actor, occurred_at=_moment(on))  # fmt: skip


def recovery(
    session: Session,
    loan_id: int,
    fund_code: str,
    orgs: Mapping[str, str],
    parts: Mapping[str, int],
    fund_party: str,
    bank_ref: str,
    on: dt.date,
    actor: str,
) -> PostResult:
    """Money recovered from the enterprise goes back to each party in its part; losses shrink."""
    lines: dict[str, int] = {}
    for party, part in parts.items():
        if part == 0:
            continue
        if party == fund_party:
            cash, loss = fund_account(fund_code), f"{fund_account(fund_code)}:loss"
        else:
            cash, loss = org_account(orgs[party]), f"{org_account(orgs[party])}:loss"
        lines[cash] = lines.get(cash, 0) + part
        lines[loss] = lines.get(loss, 0) - part
    return post(session, f"{loan_account(loan_id)}:recovery:{bank_ref}",
                [(code, amount) for code, amount in sorted(lines.items()) if amount],
                "recovery", "追偿回收按原比例返还", reference=("loan", loan_id),
                created_by=actor, occurred_at=_moment(on))  # fmt: skip
