"""The life of a policy version as a state machine (python-statemachine) with its history.

    draft → in_review (submit) → approved (approve) → published (publish)
    in_review → draft (send back, with comments)
    published → superseded (a later version's publication closes its period)
    draft | in_review | approved | published → withdrawn

Driven by the workflow kernel (kechuang.workflow.machines) through `FLOW`, which appends a
PolicyEvent in the same transaction, so a version never changes state without its history line.
Editing is the self-transition `edit` of a draft: anything else is immutable.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from statemachine import State, StateMachine

from kechuang.policies.tables import PolicyEvent, PolicyVersion
from kechuang.workflow.machines import Flow, Transition


class VersionFlow(StateMachine):
    draft = State(initial=True)
    in_review = State()
    approved = State()
    published = State()
    superseded = State(final=True)
    withdrawn = State(final=True)

    edit = draft.to.itself(internal=True)
    submit = draft.to(in_review)
    send_back = in_review.to(draft)
    approve = in_review.to(approved)
    publish = approved.to(published)
    supersede = published.to(superseded)
    withdraw = (
        draft.to(withdrawn)
        | in_review.to(withdrawn)
        | approved.to(withdrawn)
        | published.to(withdrawn)
    )


NAMES = {
    "draft": ("草稿", "draft"),
    "in_review": ("待审核", "in review"),
    "approved": ("已审核", "approved"),
    "published": ("已发布", "published"),
    "superseded": ("已被取代", "superseded"),
    "withdrawn": ("已撤回", "withdrawn"),
    "edit": ("修改", "edit"),
    "submit": ("提交审核", "submit for review"),
    "send_back": ("退回修改", "send back"),
    "approve": ("审核通过", "approve"),
    "publish": ("发布", "publish"),
    "supersede": ("取代", "supersede"),
    "withdraw": ("撤回", "withdraw"),
}


def _history(session: Session, version: PolicyVersion, move: Transition) -> None:
    session.add(
        PolicyEvent(
            version_id=version.id, event=move.event, from_state=move.before,
            to_state=move.after, actor=move.actor, note=move.reason, at=move.at,
        )
    )  # fmt: skip


FLOW: Flow[PolicyVersion] = Flow(
    VersionFlow,
    label=lambda v: f"policy {v.policy_id} version {v.version}",
    label_zh=lambda v: f"政策 {v.policy_id} 版本 {v.version} ",
    history=_history,
    names=NAMES,
)
