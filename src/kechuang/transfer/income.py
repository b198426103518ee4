"""Recording income on a deal and distributing it to the inventors through the ledger.

One income (identified by its receipt within the deal, so recording it again is a no-op):
1. is converted to fen at the day's rate (foreign currency) and its costs are deducted;
2. is divided by the institution's rule, raised by the registered 赋权 agreement if any
   (distribution.distribute: the inventors' pool rounded up, split by contribution shares);
3. is posted: income received, costs, the reward owed to each inventor (one entry each,
   idempotent by key); the payouts are stored per inventor, in fen and (equity) in shares.
`pay` then settles what is owed to the inventors from the receipts account.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kechuang.ledger import balance, post
from kechuang.ledger.locking import begin_write
from kechuang.transfer import books, deals, empowerment, fx, register
from kechuang.transfer.access import Actor
from kechuang.transfer.distribution import (
    Contributor,
    IncomeKind,
    Rule,
    check_own_implementation_year,
    distribute,
)
from kechuang.transfer.errors import TransferError
from kechuang.transfer.tables import Deal, DealIncome, Inventor, Payout

# Which income a deal of each kind produces, and which statutory share applies to it.
INCOME_KINDS: dict[str, dict[str, IncomeKind]] = {
    "licence": {
        "upfront": IncomeKind.LICENCE,
        "milestone": IncomeKind.LICENCE,
        "royalty": IncomeKind.LICENCE,
    },
    "transfer": {"price": IncomeKind.TRANSFER},
    "equity_investment": {"equity": IncomeKind.EQUITY},
    "own_implementation": {"operating_profit": IncomeKind.OPERATING_PROFIT},
}


@dataclass(frozen=True)
class IncomeDraft:
    kind: str
    receipt: str
    received_on: dt.date
    amount_minor: int
    fx_rate: Decimal | None = None
    costs_fen: int = 0
    shares: int | None = None
    year_index: int | None = None


def effective_rule(session: Session, deal: Deal) -> Rule:
    """The institution's rule, raised (never lowered) by the registered 赋权 agreement."""
    rule = register.rule_of(session, deal.institution)
    case = empowerment.registered_case(session, deal.result_id)
    if case is None:
        return rule
    return rule.overridden(
        licence_bp=case.licence_bp, transfer_bp=case.transfer_bp, equity_bp=case.equity_bp
    )


def _check(deal: Deal, draft: IncomeDraft) -> IncomeKind:
    kinds = INCOME_KINDS[deal.kind]
    if draft.kind not in kinds:
        raise TransferError(f"a {deal.kind} deal has income of kind {', '.join(kinds)}")
    if deal.export_control == "required":
        raise TransferError(
            f"deal {deal.id} is with a foreign party: clear the export-control check first"
        )
    if not draft.receipt.strip() or len(draft.receipt) > 64:
        raise TransferError("receipt: the bank slip or certificate number (1 to 64 characters)")
    for name in ("amount_minor", "costs_fen"):
        value = getattr(draft, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise TransferError(f"{name}: a whole, non-negative amount")
    kind = kinds[draft.kind]
    if kind is IncomeKind.EQUITY:
        if not isinstance(draft.shares, int) or isinstance(draft.shares, bool) or draft.shares <= 0:
            raise TransferError("equity income states the shares received")
        if draft.costs_fen:
            raise TransferError("costs are deducted from cash income, not from shares")
    elif draft.shares is not None:
        raise TransferError("only equity income carries shares")
    if kind is IncomeKind.OPERATING_PROFIT:
        try:
            check_own_implementation_year(draft.year_index or 0, deal.reward_years or 0)
        except ValueError as exc:  # a refusal of this income, not a server fault
            raise TransferError(str(exc)) from None
    return kind


def contributors(session: Session, result_id: int) -> list[tuple[Inventor, Contributor]]:
    rows = register.inventors_of(session, result_id)
    return [(row, Contributor(str(row.id), row.share_bp, row.main)) for row in rows]


def _recorded(session: Session, deal_id: int, draft: IncomeDraft) -> DealIncome | None:
    """The income already recorded under this receipt, if it says the same thing."""
    found = session.scalars(
        select(DealIncome).where(DealIncome.deal_id == deal_id, DealIncome.receipt == draft.receipt)
    ).one_or_none()
    if found is not None and (found.kind, found.amount_minor, found.costs_fen, found.shares) != (
        draft.kind, draft.amount_minor, draft.costs_fen, draft.shares,
    ):  # fmt: skip
        raise TransferError(f"receipt {draft.receipt} was recorded with other amounts")
    return found


def record(session: Session, who: Actor, deal_id: int, draft: IncomeDraft) -> DealIncome:
    """Record and distribute one income; the same receipt again returns the first record."""
    deal = deals.get(session, who, deal_id)
    who.act_for_institution(deal.institution, f"deal {deal_id}")
    # Take the write lock first on SQLite (no-op elsewhere) so that two recordings of one
    # receipt are serialised there; on PostgreSQL the unique (deal, receipt) decides below.
    begin_write(session)
    found = _recorded(session, deal.id, draft)
    if found is not None:
        return found
    kind = _check(deal, draft)
    rate = fx.check_rate(deal.currency, draft.fx_rate if deal.currency != "CNY" else None)
    amount_fen = fx.to_fen(draft.amount_minor, deal.currency, rate)
    if draft.costs_fen > amount_fen:
        raise TransferError("costs exceed the income")
    net = amount_fen - draft.costs_fen
    rule = effective_rule(session, deal)
    people = contributors(session, deal.result_id)
    money = distribute(net, kind, rule, [c for _, c in people])
    share_split = (
        distribute(draft.shares, kind, rule, [c for _, c in people]) if draft.shares else None
    )
    row = DealIncome(
        deal_id=deal.id, kind=draft.kind, receipt=draft.receipt.strip(),
        received_on=draft.received_on, currency=deal.currency, fx_rate=rate,
        amount_minor=draft.amount_minor, amount_fen=amount_fen, costs_fen=draft.costs_fen,
        net_fen=net, shares=draft.shares, year_index=draft.year_index, share_bp=money.share_bp,
        inventors_fen=money.inventors_total,
        inventors_shares=share_split.inventors_total if share_split else None,
        recorded_at=dt.datetime.now(dt.UTC), recorded_by=who.username,
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another request recorded this receipt first: answer with its record.
        found = _recorded(session, deal.id, draft)
        if found is None:
            raise
        return found
    for inventor, contributor in people:
        session.add(
            Payout(
                income_id=row.id, inventor_id=inventor.id,
                amount_fen=money.inventors[contributor.key],
                shares=share_split.inventors[contributor.key] if share_split else None,
            )
        )  # fmt: skip
    _post(session, deal, row, {int(k): v for k, v in money.inventors.items()}, who.username)
    return row


def _post(session: Session, deal: Deal, row: DealIncome, owed: dict[int, int], actor: str) -> None:
    org = deal.institution
    equity = row.shares is not None
    holding = (
        books.equity(session, org, deal.company_uscc or "") if equity else books.bank(session, org)
    )
    reference = ("transfer_income", row.id)
    when = dt.datetime.combine(row.received_on, dt.time(), dt.UTC)
    if row.amount_fen:
        post(
            session, f"transfer:income:{row.id}",
            [(holding, row.amount_fen), (books.income(session, org), -row.amount_fen)],
            "transfer_income", f"deal {deal.id} {row.kind} {row.receipt}",
            reference=reference, created_by=actor, occurred_at=when,
        )  # fmt: skip
    if row.costs_fen:
        post(
            session, f"transfer:costs:{row.id}",
            [(books.costs(session, org), row.costs_fen), (holding, -row.costs_fen)],
            "transfer_costs", f"deal {deal.id} costs", reference=reference, created_by=actor,
            occurred_at=when,
        )  # fmt: skip
    lines = [
        (books.inventor(session, org, inventor_id, shares=equity), -amount)
        for inventor_id, amount in sorted(owed.items())
        if amount
    ]
    if lines:
        post(
            session, f"transfer:reward:{row.id}",
            [(books.reward(session, org), row.inventors_fen), *lines],
            "transfer_reward", f"deal {deal.id} inventors' reward at {row.share_bp} bp",
            reference=reference, created_by=actor, occurred_at=when,
        )  # fmt: skip


def pay(session: Session, who: Actor, income_id: int) -> bool:
    """Pay the inventors their cash reward of one income; False if already paid."""
    row = session.get(DealIncome, income_id)
    if row is None:
        raise TransferError(f"no income {income_id}")
    deal = deals.get(session, who, row.deal_id)
    who.act_for_institution(deal.institution, f"deal {deal.id}")
    if row.shares is not None:
        raise TransferError("an equity reward is settled by transferring shares, not cash")
    payouts = payouts_of(session, income_id)
    lines = [
        (books.inventor(session, deal.institution, p.inventor_id), p.amount_fen)
        for p in payouts
        if p.amount_fen
    ]
    if not lines:
        return False
    result = post(
        session, f"transfer:pay:{income_id}",
        [*lines, (books.bank(session, deal.institution), -row.inventors_fen)],
        "transfer_payment", f"inventors' reward of income {income_id}",
        reference=("transfer_income", income_id), created_by=who.username,
    )  # fmt: skip
    return result.created


def payouts_of(session: Session, income_id: int) -> list[Payout]:
    return list(
        session.scalars(select(Payout).where(Payout.income_id == income_id).order_by(Payout.id))
    )


def owed_to(session: Session, org: str, inventor_id: int) -> int:
    """Cash still owed to an inventor (the payable account's credit balance, in fen)."""
    return -balance(session, books.inventor(session, org, inventor_id))
