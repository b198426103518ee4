"""The workflows of kechuang.applications as state machines, each move logged in app_events.

Application: draft → submitted → accepted (形式审查) → panel → scored → published (公示) → decided;
             submitted → returned → submitted (every version kept); draft | returned → withdrawn;
             published → objected → published (rejected) | accepted (upheld: a new panel)
Assignment:  invited → accepted → submitted; invited → declined; invited | accepted → recused;
             any live seat → retired when an upheld objection sends the application to a new panel
Milestone:   planned → paid (accepted by an officer) ; planned → failed ; paid → clawed_back
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from statemachine import State, StateMachine

from kechuang.applications.tables import AppEvent
from kechuang.workflow.machines import Flow, Transition


class ApplicationFlow(StateMachine):
    draft = State(initial=True)
    submitted = State()
    returned = State()
    accepted = State()
    panel = State()
    scored = State()
    published = State()
    objected = State()
    decided = State(final=True)
    withdrawn = State(final=True)

    submit = draft.to(submitted) | returned.to(submitted)
    send_back = submitted.to(returned)
    accept = submitted.to(accepted)
    assign = accepted.to(panel) | panel.to(panel)
    close = panel.to(scored)
    publish = scored.to(published)
    approve = published.to(decided)
    object = published.to(objected)
    reject_objection = objected.to(published)
    uphold_objection = objected.to(accepted)
    withdraw = draft.to(withdrawn) | returned.to(withdrawn)
    edit = draft.to(draft) | returned.to(returned)


class AssignmentFlow(StateMachine):
    invited = State(initial=True)
    accepted = State()
    submitted = State()
    declined = State(final=True)
    recused = State(final=True)
    retired = State(final=True)

    take = invited.to(accepted)
    decline = invited.to(declined)
    declare = invited.to(recused) | accepted.to(recused)
    score = accepted.to(accepted)
    seal = accepted.to(submitted)
    retire = invited.to(retired) | accepted.to(retired) | submitted.to(retired)


class MilestoneFlow(StateMachine):
    planned = State(initial=True)
    paid = State()
    failed = State(final=True)
    clawed_back = State(final=True)

    pay = planned.to(paid)
    fail = planned.to(failed)
    claw_back = paid.to(clawed_back)


def _writer(subject_type: str) -> Any:
    def write(session: Session, subject: Any, move: Transition) -> None:
        session.add(
            AppEvent(
                subject_type=subject_type,
                subject_id=subject.id,
                event=move.event,
                from_state=move.before,
                to_state=move.after,
                at=move.at,
                actor=move.actor,
                note=move.reason,
            )
        )

    return write


APPLICATION_NAMES = {
    "draft": ("草稿", "draft"),
    "submitted": ("已提交", "submitted"),
    "returned": ("已退回", "returned"),
    "accepted": ("形式审查通过", "accepted"),
    "panel": ("专家评审中", "under expert review"),
    "scored": ("评审完成", "scored"),
    "published": ("公示中", "on public notice"),
    "decided": ("已决定", "decided"),
    "withdrawn": ("已撤回", "withdrawn"),
    "submit": ("提交", "submit"),
    "send_back": ("退回", "return"),
    "accept": ("受理", "accept"),
    "assign": ("分配专家", "assign a panel"),
    "close": ("汇总评分", "close the panel"),
    "publish": ("公示", "publish"),
    "approve": ("批准", "approve"),
    "withdraw": ("撤回", "withdraw"),
    "edit": ("修改", "edit"),
}
ASSIGNMENT_NAMES = {
    "invited": ("已邀请", "invited"),
    "accepted": ("已接受", "accepted"),
    "submitted": ("已提交评分", "scores submitted"),
    "declined": ("已谢绝", "declined"),
    "recused": ("已回避", "recused"),
    "take": ("接受邀请", "accept"),
    "decline": ("谢绝", "decline"),
    "declare": ("申报利益冲突", "declare a conflict"),
    "score": ("评分", "score"),
    "seal": ("提交评分", "submit the scores"),
}
MILESTONE_NAMES = {
    "planned": ("计划中", "planned"),
    "paid": ("已验收拨付", "accepted and paid"),
    "failed": ("未通过验收", "failed"),
    "clawed_back": ("已追回", "clawed back"),
    "pay": ("验收并拨付", "accept and pay"),
    "fail": ("验收不通过", "fail"),
    "claw_back": ("追回", "claw back"),
}

APPLICATION: Flow[Any] = Flow(
    ApplicationFlow,
    label=lambda a: f"application {a.id}",
    history=_writer("application"),
    names=APPLICATION_NAMES,
    label_zh=lambda a: f"申报 {a.id}",
)
ASSIGNMENT: Flow[Any] = Flow(
    AssignmentFlow,
    label=lambda a: f"assignment {a.id}",
    history=_writer("assignment"),
    names=ASSIGNMENT_NAMES,
    label_zh=lambda a: f"评审任务 {a.id}",
)
MILESTONE: Flow[Any] = Flow(
    MilestoneFlow,
    label=lambda m: f"milestone {m.id}",
    history=_writer("milestone"),
    names=MILESTONE_NAMES,
    label_zh=lambda m: f"里程碑 {m.id}",
)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def history(session: Session, subject_type: str, subject_id: int) -> list[AppEvent]:
    return list(
        session.scalars(
            select(AppEvent)
            .where(AppEvent.subject_type == subject_type, AppEvent.subject_id == subject_id)
            .order_by(AppEvent.id)
        )
    )
