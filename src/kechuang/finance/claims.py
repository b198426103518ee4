"""A compensation claim from filing to payment: its state machine and the parties' actions.

    filed ──confirm──▶ confirmed ──pay_share──▶ partner_paid ──approve──▶ paid
      │ ▲                  │
      │ └──resolve── disputed ◀──dispute── filed        refuse: filed | disputed | confirmed
      └──────────────────────────────────────────────▶ refused ──refile──▶ filed

- The lending bank files the claim (loans.claim; the loan moves defaulted → claimed).
- The insurer (risk-shared loan) or guarantor (guarantee) sharing the loan's risk confirms it,
  its part shown to the fen first, or disputes it with a reason. A dispute blocks payment until
  an officer resolves it (the claim goes back to the partner to confirm) or refuses the claim.
- The partner pays its part (one ledger entry, idempotent: the machine allows it once).
- An officer approves the claim only after the partner has paid: the fund then pays its part
  and the bank's own part is written off (the loan moves claimed → compensated). The fund's
  approval therefore always follows the parties' confirmation and payment; it is the officer's
  own check of the claim (the deadline, the fund's room), not a substitute for theirs.
- An officer may refuse a claim no money has moved on yet; the loan goes back to defaulted and
  the bank may file it again (refile) while the claim deadline has not passed.

Every move writes a ClaimEvent line and goes through kechuang.workflow.machines; days are the
caller's business day, never before the loan's last recorded day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session
from statemachine import State, StateMachine

from kechuang.domain.money import format_yuan
from kechuang.finance import books, dating, lifecycle, loans
from kechuang.finance.errors import NotFound
from kechuang.finance.tables import Claim, ClaimEvent, Loan
from kechuang.http.labels import label
from kechuang.ledger.locking import begin_write
from kechuang.workflow import machines
from kechuang.workflow.errors import Invalid
from kechuang.workflow.machines import Flow, Transition, check


class ClaimFlow(StateMachine):
    """One compensation claim from the bank's filing to the fund's payment."""

    filed = State(initial=True)
    disputed = State()
    confirmed = State()
    partner_paid = State()
    paid = State(final=True)
    refused = State()

    confirm = filed.to(confirmed)
    dispute = filed.to(disputed)
    resolve = disputed.to(filed)
    pay_share = confirmed.to(partner_paid)
    approve = partner_paid.to(paid)
    refuse = filed.to(refused) | disputed.to(refused) | confirmed.to(refused)
    refile = refused.to(filed)


NAMES = {
    "filed": ("已申请", "filed"), "disputed": ("有异议", "disputed"),
    "confirmed": ("已确认", "confirmed"), "partner_paid": ("分担方已付", "partner paid"),
    "paid": ("已代偿", "paid"), "refused": ("已驳回", "refused"),
    "confirm": ("确认", "confirm"), "dispute": ("提出异议", "dispute"),
    "resolve": ("处理异议", "resolve the dispute"), "pay_share": ("支付分担部分", "pay its share"),
    "approve": ("审批代偿", "approve"), "refuse": ("驳回", "refuse"),
    "refile": ("重新申请", "file again"),
}  # fmt: skip


def _undated(session: Session, claim: Claim, move: Transition) -> None:
    raise TypeError("a claim's transition is fired with its business day (claims.fire)")


CLAIM: Flow[Claim] = Flow(
    machine=ClaimFlow,
    label=lambda claim: f"claim {claim.id}",
    label_zh=lambda claim: f"代偿申请 {claim.id} ",
    history=_undated,
    names=NAMES,
)


def fire(session: Session, claim: Claim, event: str, actor: str, on: dt.date, reason: str) -> None:
    """Move the claim by `event` on business day `on`, with its log line."""

    def history(session: Session, claim: Claim, move: Transition) -> None:
        session.add(
            ClaimEvent(claim_id=claim.id, event=move.event, from_state=move.before,
                       to_state=move.after, actor=move.actor, on=on, at=move.at,
                       reason=move.reason)
        )  # fmt: skip

    machines.fire(session, claim, dataclasses.replace(CLAIM, history=history), event, actor, reason)


def locked_claim(session: Session, claim_id: int) -> tuple[Claim, Loan]:
    """The claim and its loan, write-locked and re-read."""
    begin_write(session)
    claim = session.scalars(
        select(Claim)
        .where(Claim.id == claim_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if claim is None:
        raise NotFound(f"no claim {claim_id}", zh=f"没有代偿申请 {claim_id}")
    return claim, loans.locked_loan(session, claim.loan_id)


def events(session: Session, claim_id: int) -> list[ClaimEvent]:
    return list(
        session.scalars(
            select(ClaimEvent).where(ClaimEvent.claim_id == claim_id).order_by(ClaimEvent.id)
        )
    )


def _follow(
    session: Session, claim: Claim, loan: Loan, on: dt.date, replayed_by: str | None
) -> None:
    # The loan's last day counts its claim's moves too (loans.last_day).
    dating.follow(loan, f"claim {claim.id}", on, loans.last_day(session, loan), replayed_by)


def _open(
    session: Session, claim_id: int, event: str, on: dt.date, replayed_by: str | None
) -> tuple[Claim, Loan]:
    """The claim and its loan, locked, once `event` is allowed now and `on` keeps their history
    in order (every step of a claim starts here)."""
    claim, loan = locked_claim(session, claim_id)
    check(CLAIM, claim, event)
    _follow(session, claim, loan, on, replayed_by)
    return claim, loan


def _split(claim: Claim) -> str:
    """The claim's parts as a history line: each party (its Chinese label, as the rest of the
    line) and its amount in yuan."""
    return "；".join(
        f"{label('party', p)} {format_yuan(int(fen))}" for p, fen in claim.parts.items()
    )


def partner_part(claim: Claim, loan: Loan) -> int:
    """The insurer's or guarantor's part of the claim, to the fen."""
    return int(claim.parts.get(loans.product_of(loan).counterparty, 0))


def _reason(reason: str, what: str, zh: str) -> str:
    if not reason.strip():
        raise Invalid(f"reason: {what} gives its reason", field="reason", zh=f"reason：{zh}")
    return reason.strip()


def confirm(
    session: Session, claim_id: int, actor: str, on: dt.date, *, replayed_by: str | None = None
) -> Claim:
    """The insurer or guarantor agrees with the claim and its part of the loss."""
    claim, loan = _open(session, claim_id, "confirm", on, replayed_by)
    fire(session, claim, "confirm", actor, on, f"确认分担 {format_yuan(partner_part(claim, loan))}")
    return claim


def dispute(
    session: Session,
    claim_id: int,
    actor: str,
    on: dt.date,
    reason: str,
    *,
    replayed_by: str | None = None,
) -> Claim:
    """The insurer or guarantor disputes the claim: nothing is paid until an officer decides."""
    text = _reason(reason, "a dispute", "提出异议须写明理由")
    claim, _ = _open(session, claim_id, "dispute", on, replayed_by)
    claim.dispute_reason = text
    fire(session, claim, "dispute", actor, on, text)
    return claim


def pay_share(
    session: Session, claim_id: int, actor: str, on: dt.date, *, replayed_by: str | None = None
) -> Claim:
    """The insurer or guarantor pays its part to the bank (one ledger entry per claim)."""
    claim, loan = _open(session, claim_id, "pay_share", on, replayed_by)
    part = partner_part(claim, loan)
    books.partner_share(session, loan.id, loan.bank_org, loan.partner_org, part, on, actor)
    claim.partner_paid_on = on
    fire(session, claim, "pay_share", actor, on, f"支付 {format_yuan(part)}")
    return claim


def resolve(
    session: Session,
    claim_id: int,
    actor: str,
    on: dt.date,
    reason: str,
    *,
    replayed_by: str | None = None,
) -> Claim:
    """An officer settles a dispute: the claim stands and goes back to the partner to confirm."""
    text = _reason(reason, "resolving a dispute", "处理异议须写明理由")
    claim, _ = _open(session, claim_id, "resolve", on, replayed_by)
    claim.decision_reason = text
    fire(session, claim, "resolve", actor, on, text)
    return claim


def approve(
    session: Session, claim_id: int, actor: str, on: dt.date, *, replayed_by: str | None = None
) -> Claim:
    """An officer approves a claim the partner confirmed and paid: the fund pays its part (the
    fund's floor holds, also under concurrent claims) and the loan is compensated."""
    claim, loan = _open(session, claim_id, "approve", on, replayed_by)
    product = loans.product_of(loan)
    books.compensation(session, loan.id, loan.fund_code, loans.orgs_of(loan, product),
                       claim.parts, product.fund_party, on, actor)  # fmt: skip
    claim.paid_on = on
    fire(session, claim, "approve", actor, on, f"代偿 {_split(claim)}")
    lifecycle.fire(session, loan, "compensate", actor, on, f"代偿 {_split(claim)}", replayed_by)
    return claim


def refuse(
    session: Session,
    claim_id: int,
    actor: str,
    on: dt.date,
    reason: str,
    *,
    replayed_by: str | None = None,
) -> Claim:
    """An officer refuses a claim no money has moved on; the loan goes back to defaulted."""
    text = _reason(reason, "a refusal", "驳回须写明理由")
    claim, loan = _open(session, claim_id, "refuse", on, replayed_by)
    claim.decision_reason = text
    fire(session, claim, "refuse", actor, on, text)
    lifecycle.fire(session, loan, "reopen", actor, on, text, replayed_by)
    return claim


def of_loan(session: Session, loan_id: int) -> Claim | None:
    return session.scalars(select(Claim).where(Claim.loan_id == loan_id)).one_or_none()
