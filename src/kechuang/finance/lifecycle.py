"""The loan lifecycle as a state machine (python-statemachine) with its transition log.

applied → refused | approved → disbursed ⇄ overdue → defaulted → compensated → closed
                               disbursed | overdue → repaid

`fire` moves the ORM row's `state` and appends a LoanEvent in the same transaction, so a state
never changes without its log line; a refused event raises IllegalTransition naming the events
the current state allows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session
from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed

from kechuang.finance.errors import IllegalTransition, Refused
from kechuang.finance.tables import Loan, LoanEvent


class LoanFlow(StateMachine):
    """One loan from the application to its last recovery."""

    applied = State(initial=True)
    refused = State(final=True)
    approved = State()
    disbursed = State()
    overdue = State()
    repaid = State(final=True)
    defaulted = State()
    compensated = State()
    closed = State(final=True)

    refuse = applied.to(refused)
    approve = applied.to(approved)
    disburse = approved.to(disbursed)
    fall_overdue = disbursed.to(overdue)
    cure = overdue.to(disbursed)
    settle = disbursed.to(repaid) | overdue.to(repaid)
    declare_default = overdue.to(defaulted)
    compensate = defaulted.to(compensated)
    close = compensated.to(closed)


def allowed_events(state: str) -> list[str]:
    return [event.id for event in LoanFlow(start_value=state).allowed_events]


def check(loan: Loan, event: str) -> None:
    """IllegalTransition unless the loan's state allows `event` (nothing changes)."""
    allowed = allowed_events(loan.state)
    if event not in allowed:
        raise IllegalTransition(f"loan {loan.id}", loan.state, event, allowed)


def fire(
    session: Session,
    loan: Loan,
    event: str,
    actor: str,
    on: dt.date,
    reason: str = "",
    replayed_by: str | None = None,
) -> None:
    """Move the loan by `event` and log it (with the replaying officer, if a replay)."""
    if not actor or not actor.strip():
        raise Refused("every action names who takes it (--by)")
    before = loan.state
    machine = LoanFlow(model=loan, state_field="state", start_value=before)
    try:
        machine.send(event)
    except TransitionNotAllowed:
        raise IllegalTransition(f"loan {loan.id}", before, event, allowed_events(before)) from None
    session.add(
        LoanEvent(
            loan_id=loan.id,
            event=event,
            from_state=before,
            to_state=loan.state,
            actor=actor,
            on=on,
            at=dt.datetime.now(dt.UTC),
            reason=reason,
            replayed_by=replayed_by,
        )
    )
