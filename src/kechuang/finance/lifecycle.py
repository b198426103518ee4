"""The loan lifecycle: its state machine (python-statemachine) and its event table (LoanEvent).

applied → refused | approved → disbursed ⇄ overdue → defaulted ⇄ claimed → compensated → closed
                               disbursed | overdue → repaid

`file_claim` (the bank files its claim) and `compensate` (the fund pays the approved claim, the
insurer or guarantor having confirmed and paid its share first) are driven by the claim's own
machine (kechuang.finance.claims); `reopen` takes a loan back to defaulted when an officer
refuses its claim, so that the bank may file it again before the deadline.

The workflow kernel (kechuang.workflow.machines) drives it through `LOAN`; `fire` only adds the
business day and the replaying officer to the LoanEvent line the kernel appends, in the caller's
transaction, so a state never changes without its log line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy.orm import Session
from statemachine import State, StateMachine

from kechuang.finance.tables import Loan, LoanEvent
from kechuang.workflow import machines
from kechuang.workflow.machines import Flow, Transition


class LoanFlow(StateMachine):
    """One loan from the application to its last recovery."""

    applied = State(initial=True)
    refused = State(final=True)
    approved = State()
    disbursed = State()
    overdue = State()
    repaid = State(final=True)
    defaulted = State()
    claimed = State()
    compensated = State()
    closed = State(final=True)

    refuse = applied.to(refused)
    approve = applied.to(approved)
    disburse = approved.to(disbursed)
    fall_overdue = disbursed.to(overdue)
    cure = overdue.to(disbursed)
    settle = disbursed.to(repaid) | overdue.to(repaid)
    declare_default = overdue.to(defaulted)
    file_claim = defaulted.to(claimed)
    reopen = claimed.to(defaulted)
    compensate = claimed.to(compensated)
    close = compensated.to(closed)


NAMES = {
    "applied": ("已申请", "applied"), "refused": ("已拒绝", "refused"),
    "approved": ("已审批", "approved"), "disbursed": ("已放款", "disbursed"),
    "overdue": ("逾期", "overdue"), "repaid": ("已结清", "repaid"),
    "defaulted": ("已违约", "defaulted"), "claimed": ("已申请代偿", "claimed"),
    "compensated": ("已代偿", "compensated"),
    "closed": ("已关闭", "closed"),
    "refuse": ("拒绝", "refuse"), "approve": ("审批通过", "approve"),
    "disburse": ("放款", "disburse"), "fall_overdue": ("转为逾期", "fall overdue"),
    "cure": ("逾期补还", "cure"), "settle": ("结清", "settle"),
    "declare_default": ("认定违约", "declare default"), "compensate": ("代偿", "compensate"),
    "file_claim": ("申请代偿", "file a claim"), "reopen": ("退回重报", "reopen"),
    "close": ("关闭", "close"),
}  # fmt: skip


def _log(
    session: Session, loan: Loan, move: Transition, on: dt.date, replayed_by: str | None
) -> None:
    session.add(
        LoanEvent(loan_id=loan.id, event=move.event, from_state=move.before,
                  to_state=move.after, actor=move.actor, on=on, at=move.at, reason=move.reason,
                  replayed_by=replayed_by)
    )  # fmt: skip


def _undated(session: Session, loan: Loan, move: Transition) -> None:
    # Every move of a loan is dated: the kernel reaches the table only through `fire` below.
    raise TypeError("a loan's transition is fired with its business day (lifecycle.fire)")


LOAN: Flow[Loan] = Flow(
    machine=LoanFlow,
    label=lambda loan: f"loan {loan.id}",
    label_zh=lambda loan: f"贷款 {loan.id} ",
    history=_undated,
    names=NAMES,
)


def fire(
    session: Session,
    loan: Loan,
    event: str,
    actor: str,
    on: dt.date,
    reason: str = "",
    replayed_by: str | None = None,
) -> None:
    """Move the loan by `event` on business day `on` (and the replaying officer, if a replay)."""

    def history(session: Session, loan: Loan, move: Transition) -> None:
        _log(session, loan, move, on, replayed_by)

    machines.fire(session, loan, dataclasses.replace(LOAN, history=history), event, actor, reason)
