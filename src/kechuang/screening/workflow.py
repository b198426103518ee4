"""The 免申即享 workflow as two state machines (python-statemachine), and its transition log.

Run:   screening → screened → published → approved → closed
       screening | screened | published → withdrawn (abandoned before approval, with a reason)
Award: proposed → withdrawn (objection upheld, or its run withdrawn)
       proposed → approved → confirmed → paid → clawed_back
                  approved → lapsed (no bank account in time)
                             confirmed → excluded (its once scope was paid under another award)
       proposed → unfunded (allocated nothing under a budget cut, at approval)

`fire` drives a machine over the ORM row's `state` column and appends a WorkflowEvent (who,
when, why) in the same transaction, so a state never changes without its log line; an award's
once-scope claim follows its state in that transaction too (screening.once). A refused event
raises IllegalTransition naming the current state and the events allowed in it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session
from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed

from kechuang.screening import once
from kechuang.screening.errors import IllegalTransition, Refused
from kechuang.screening.tables import Award, ScreeningRun, WorkflowEvent


class RunFlow(StateMachine):
    """A screening run from its results to its last payment."""

    screening = State(initial=True)
    screened = State()
    published = State()
    approved = State()
    closed = State(final=True)
    withdrawn = State(final=True)

    finish = screening.to(screened)
    publish = screened.to(published)
    approve = published.to(approved)
    close = approved.to(closed)
    withdraw = screening.to(withdrawn) | screened.to(withdrawn) | published.to(withdrawn)


class AwardFlow(StateMachine):
    """One enterprise's benefit in a run."""

    proposed = State(initial=True)
    withdrawn = State(final=True)
    unfunded = State(final=True)
    approved = State()
    confirmed = State()
    lapsed = State(final=True)
    excluded = State(final=True)
    paid = State()
    clawed_back = State(final=True)

    withdraw = proposed.to(withdrawn)
    leave_unfunded = proposed.to(unfunded)
    approve = proposed.to(approved)
    confirm = approved.to(confirmed)
    lapse = approved.to(lapsed)
    pay = confirmed.to(paid)
    exclude = confirmed.to(excluded)
    claw_back = paid.to(clawed_back)


def allowed_events(flow: type[StateMachine], state: str) -> list[str]:
    """The events a machine of this kind accepts in `state`, in declaration order."""
    machine = flow(start_value=state)
    return [event.id for event in machine.allowed_events]


def check(subject: ScreeningRun | Award, event: str) -> None:
    """Raise IllegalTransition unless `event` is allowed in the subject's state (no change)."""
    flow, label = _flow(subject)
    allowed = allowed_events(flow, subject.state)
    if event not in allowed:
        raise IllegalTransition(label, subject.state, event, allowed)


def _flow(subject: ScreeningRun | Award) -> tuple[type[StateMachine], str]:
    if isinstance(subject, ScreeningRun):
        return RunFlow, f"run {subject.id}"
    return AwardFlow, f"award of {subject.uscc} in run {subject.run_id}"


def fire(
    session: Session,
    subject: ScreeningRun | Award,
    event: str,
    actor: str,
    reason: str = "",
    at: dt.datetime | None = None,
) -> None:
    """Move the subject by `event` and log it; IllegalTransition if its state does not allow it."""
    if not actor or not actor.strip():
        raise Refused("every action names who takes it (--by)")
    flow, label = _flow(subject)
    before = subject.state
    machine = flow(model=subject, state_field="state", start_value=before)
    try:
        machine.send(event)
    except TransitionNotAllowed:
        raise IllegalTransition(label, before, event, allowed_events(flow, before)) from None
    if isinstance(subject, Award):
        once.follow(session, subject, before)
    run_id = subject.id if isinstance(subject, ScreeningRun) else subject.run_id
    session.add(
        WorkflowEvent(
            run_id=run_id,
            subject_type="run" if isinstance(subject, ScreeningRun) else "award",
            subject_id=subject.id,
            event=event,
            from_state=before,
            to_state=subject.state,
            actor=actor,
            at=at or dt.datetime.now(dt.UTC),
            reason=reason,
        )
    )


def log_start(session: Session, run: ScreeningRun, actor: str, reason: str = "") -> None:
    """The first line of a run's log: who started it and, for a repeated run, why."""
    session.add(
        WorkflowEvent(
            run_id=run.id,
            subject_type="run",
            subject_id=run.id,
            event="start",
            from_state=None,
            to_state=run.state,
            actor=actor,
            at=dt.datetime.now(dt.UTC),
            reason=reason,
        )
    )
