"""The 免申即享 workflow as two state machines (python-statemachine), and its transition log.

Run:   screening → screened → published → approved → closed
       screening | screened | published → withdrawn (abandoned before approval, with a reason)
Award: proposed → withdrawn (objection upheld, or its run withdrawn)
       proposed → approved → confirmed → paid → clawed_back
                  approved → lapsed (no bank account in time)
                             confirmed → excluded (its once scope was paid under another award)
       proposed → unfunded (allocated nothing under a budget cut, at approval)

The workflow kernel (kechuang.workflow.machines) drives both through their `Flow`s: it checks
the event, moves the row's `state` and calls the history writer here, which appends a
WorkflowEvent (who, when, why) in the same transaction, so a state never changes without its
log line; an award's once-scope claim follows its state in that transaction too
(screening.once). A refused event raises the kernel's IllegalTransition naming the current state
and the events allowed in it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session
from statemachine import State, StateMachine

from kechuang.screening import once
from kechuang.screening.tables import Award, ScreeningRun, WorkflowEvent
from kechuang.workflow.machines import Flow, Transition


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


# Names of states and events for people (zh, en): refusals shown on a page use them.
NAMES: dict[str, tuple[str, str]] = {
    "screening": ("筛查中", "screening"),
    "screened": ("已筛查", "screened"),
    "published": ("公示中", "published"),
    "approved": ("已审核", "approved"),
    "closed": ("已办结", "closed"),
    "withdrawn": ("已撤回", "withdrawn"),
    "proposed": ("拟安排", "proposed"),
    "unfunded": ("未安排资金", "unfunded"),
    "confirmed": ("账户已确认", "confirmed"),
    "lapsed": ("已失效", "lapsed"),
    "excluded": ("已享受过", "excluded"),
    "paid": ("已拨付", "paid"),
    "clawed_back": ("已追回", "clawed back"),
    "finish": ("完成筛查", "finish"),
    "publish": ("公示", "publish"),
    "approve": ("审核通过", "approve"),
    "close": ("办结", "close"),
    "withdraw": ("撤回", "withdraw"),
    "leave_unfunded": ("不安排资金", "leave unfunded"),
    "confirm": ("确认账户", "confirm"),
    "lapse": ("失效", "lapse"),
    "pay": ("拨付", "pay"),
    "exclude": ("排除", "exclude"),
    "claw_back": ("追回", "claw back"),
}


def _log(session: Session, run_id: int, kind: str, subject_id: int, move: Transition) -> None:
    session.add(
        WorkflowEvent(
            run_id=run_id,
            subject_type=kind,
            subject_id=subject_id,
            event=move.event,
            from_state=move.before,
            to_state=move.after,
            actor=move.actor,
            at=move.at,
            reason=move.reason,
        )
    )


def _run_history(session: Session, run: ScreeningRun, move: Transition) -> None:
    _log(session, run.id, "run", run.id, move)


def _award_history(session: Session, award: Award, move: Transition) -> None:
    once.follow(session, award, move.before)
    _log(session, award.run_id, "award", award.id, move)


RUN: Flow[ScreeningRun] = Flow(
    RunFlow,
    label=lambda run: f"run {run.id}",
    label_zh=lambda run: f"批次 {run.id} ",
    history=_run_history,
    names=NAMES,
)
AWARD: Flow[Award] = Flow(
    AwardFlow,
    label=lambda award: f"award of {award.uscc} in run {award.run_id}",
    label_zh=lambda award: f"批次 {award.run_id} 中 {award.uscc} 的奖励",
    history=_award_history,
    names=NAMES,
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
