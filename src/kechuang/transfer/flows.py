"""The workflows of kechuang.transfer as state machines (python-statemachine) with a history.

Result:      disclosed → empowered (赋权 registered) → transformed (first deal, final: later deals
             add to it) ; disclosed | empowered → withdrawn
Empowerment: requested → under_review → agreed → registered ; under_review → rejected
Challenge:   open → evaluating (阅卷) → awarded ; open | evaluating → closed (no award)

Each machine is driven by the workflow kernel (kechuang.workflow.machines) through its `Flow`,
which appends a TransferEvent in the same transaction, so a state never changes without its
history line.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from statemachine import State, StateMachine

from kechuang.transfer.tables import Challenge, Empowerment, Result, TransferEvent
from kechuang.workflow import machines
from kechuang.workflow.machines import Flow, Transition


class ResultFlow(StateMachine):
    disclosed = State(initial=True)
    empowered = State()
    transformed = State(final=True)
    withdrawn = State(final=True)

    empower = disclosed.to(empowered)
    transform = disclosed.to(transformed) | empowered.to(transformed)
    withdraw = disclosed.to(withdrawn) | empowered.to(withdrawn)


class EmpowermentFlow(StateMachine):
    requested = State(initial=True)
    under_review = State()
    rejected = State(final=True)
    agreed = State()
    registered = State(final=True)

    review = requested.to(under_review)
    reject = under_review.to(rejected)
    agree = under_review.to(agreed)
    register = agreed.to(registered)


class ChallengeFlow(StateMachine):
    open = State(initial=True)
    evaluating = State()
    awarded = State(final=True)
    closed = State(final=True)

    evaluate = open.to(evaluating)
    award = evaluating.to(awarded)
    close = open.to(closed) | evaluating.to(closed)


def _history_writer(subject_type: str) -> Any:
    def write(session: Session, subject: Any, move: Transition) -> None:
        log(session, subject_type, subject.id, move.event, move.before, move.after, move.actor,
            move.reason)  # fmt: skip

    return write


RESULT = Flow(ResultFlow, label=lambda r: f"result {r.id}", history=_history_writer("result"),
              state_field="status")  # fmt: skip
EMPOWERMENT = Flow(
    EmpowermentFlow, label=lambda c: f"empowerment {c.id}", history=_history_writer("empowerment")
)
CHALLENGE = Flow(
    ChallengeFlow, label=lambda c: f"challenge {c.id}", history=_history_writer("challenge")
)
_FLOWS: dict[type, Flow[Any]] = {Result: RESULT, Empowerment: EMPOWERMENT, Challenge: CHALLENGE}

Subject = Result | Empowerment | Challenge


def fire(session: Session, subject: Subject, event: str, actor: str, note: str = "") -> None:
    """Move subject by event and log it (the kernel's fire with transfer's history table)."""
    machines.fire(session, subject, _FLOWS[type(subject)], event, actor, note)


def check_allowed(subject: Subject, event: str) -> None:
    """IllegalTransition unless event is allowed now (checked before any field is changed)."""
    machines.check(_FLOWS[type(subject)], subject, event)


def log(
    session: Session,
    subject_type: str,
    subject_id: int,
    event: str,
    before: str | None,
    after: str,
    actor: str,
    note: str = "",
) -> None:
    session.add(
        TransferEvent(
            subject_type=subject_type, subject_id=subject_id, event=event, from_state=before,
            to_state=after, at=dt.datetime.now(dt.UTC), actor=actor, note=note,
        )
    )  # fmt: skip


def history(session: Session, subject_type: str, subject_id: int) -> list[TransferEvent]:
    return list(
        session.scalars(
            select(TransferEvent)
            .where(
                TransferEvent.subject_type == subject_type, TransferEvent.subject_id == subject_id
            )
            .order_by(TransferEvent.id)
        )
    )
