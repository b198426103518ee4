"""The workflows of kechuang.transfer as state machines (python-statemachine) with a history.

Result:      disclosed → empowered (赋权 registered) → transformed (first deal, final: later deals
             add to it) ; disclosed | empowered → withdrawn
Empowerment: requested → under_review → agreed → registered ; under_review → rejected
Challenge:   open → evaluating (阅卷) → awarded ; open | evaluating → closed (no award)

`fire` moves the row's `state`/`status` column and appends a TransferEvent in the same
transaction, so a state never changes without its history line.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session
from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed

from kechuang.transfer.errors import IllegalTransition, TransferError
from kechuang.transfer.tables import Challenge, Empowerment, Result, TransferEvent


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


Subject = Result | Empowerment | Challenge
_FLOWS: dict[type, tuple[type[StateMachine], str, str]] = {
    Result: (ResultFlow, "status", "result"),
    Empowerment: (EmpowermentFlow, "state", "empowerment"),
    Challenge: (ChallengeFlow, "state", "challenge"),
}


def allowed_events(flow: type[StateMachine], state: str) -> list[str]:
    return [event.id for event in flow(start_value=state).allowed_events]


def fire(session: Session, subject: Subject, event: str, actor: str, note: str = "") -> None:
    """Move subject by event and log it; IllegalTransition if its state does not allow it."""
    if not actor or not actor.strip():
        raise TransferError("every action names who takes it")
    flow, field, label = _FLOWS[type(subject)]
    before = getattr(subject, field)
    machine = flow(model=subject, state_field=field, start_value=before)
    try:
        machine.send(event)
    except TransitionNotAllowed:
        raise IllegalTransition(
            f"{label} {subject.id}", before, event, allowed_events(flow, before)
        ) from None
    log(session, label, subject.id, event, before, getattr(subject, field), actor, note)


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


def check_allowed(subject: Subject, event: str) -> None:
    """IllegalTransition unless event is allowed now (checked before any field is changed)."""
    flow, field, label = _FLOWS[type(subject)]
    state = getattr(subject, field)
    allowed = allowed_events(flow, state)
    if event not in allowed:
        raise IllegalTransition(f"{label} {subject.id}", state, event, allowed)
