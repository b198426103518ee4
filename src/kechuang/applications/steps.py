"""Every state-changing step of applications and expert review, declared once.

The API routes (`/api/v1/applications/...`), the page forms and buttons, and the CLI commands
(`kechuang applications <noun> <verb> KEY... --by ACCOUNT`) are made from these declarations;
each step's service call is the function of applications.apply, .review, .panel, .scoring,
.decision or .payments that holds its rules.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.applications import access, apply, decision, panel, payments, review, rounds, scoring
from kechuang.applications import schemas as s
from kechuang.applications.flows import APPLICATION, ASSIGNMENT, MILESTONE
from kechuang.applications.tables import Application, Assignment, Expert, Milestone
from kechuang.workflow.errors import Invalid, NotFound
from kechuang.workflow.steps import Actor, Context, Key, Label, NoInput, Step, Subject

API = "/api/v1/applications"
ENTERPRISE = ("enterprise",)
OFFICER = ("officer", "admin")
EXPERT_ROLE = ("expert",)
TAGS = ("applications",)


def _none(session: Session, actor: Actor, keys: Mapping[str, Any]) -> None:
    return None


def _round(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Any:
    return rounds.get(session, keys["round_id"])


def _application(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Application:
    return access.application(session, actor.principal, keys["application_id"], lock=True)


def _assignment(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Assignment:
    """The caller's own assignment only: nobody acts on (or learns of) another's seat."""
    expert = access.expert_of(session, actor.principal)
    row = session.scalar(
        select(Assignment).where(Assignment.id == keys["assignment_id"]).with_for_update()
    )
    if row is None or expert is None or row.expert_id != expert.id:
        raise NotFound(
            f"no assignment {keys['assignment_id']} of yours",
            zh=f"没有您的评审任务 {keys['assignment_id']}",
        )
    return row


def _milestone(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Milestone:
    row = session.scalar(
        select(Milestone).where(Milestone.id == keys["milestone_id"]).with_for_update()
    )
    if row is None:
        raise NotFound(f"no milestone {keys['milestone_id']}", zh="没有该里程碑")
    access.application(session, actor.principal, row.application_id)
    return row


ROUNDS = Subject(
    "round", (), _none, api_path=f"{API}/rounds", return_to="/applications/rounds/{id}"
)
ROUND = Subject(
    "round",
    (Key("round_id", help="Round id"),),
    _round,
    api_path=f"{API}/rounds/{{round_id}}",
    page_path="/applications/rounds/{round_id}",
    return_to="/applications/{id}",
)
APPLICATION_SUBJECT = Subject(
    "application",
    (Key("application_id", help="Application id"),),
    _application,
    api_path=f"{API}/{{application_id}}",
    page_path="/applications/{application_id}",
    flow=APPLICATION,
)
# The same subject without a page: attachments are uploaded by a multipart form of the pages
# (applications.pages), which takes this very step; the JSON API carries the file as base64.
APPLICATION_API = replace(APPLICATION_SUBJECT, page_path=None)
ASSIGNMENT_SUBJECT = Subject(
    "assignment",
    (Key("assignment_id", help="Assignment id"),),
    _assignment,
    api_path=f"{API}/assignments/{{assignment_id}}",
    page_path="/expert/assignments/{assignment_id}",
    flow=ASSIGNMENT,
)
MILESTONE_SUBJECT = Subject(
    "milestone",
    (Key("milestone_id", help="Milestone id"),),
    _milestone,
    api_path=f"{API}/milestones/{{milestone_id}}",
    page_path="/applications/milestones/{milestone_id}",
    flow=MILESTONE,
)
EXPERTS = Subject("expert", (), _none, api_path=f"{API}/experts")


def _expert_row(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Any:
    """A pool member: officers reach any, an expert only itself."""
    row = session.get(Expert, keys["expert_id"], with_for_update=True)
    own = access.expert_of(session, actor.principal)
    if row is None or (actor.role == "expert" and (own is None or own.id != row.id)):
        raise NotFound(f"no expert {keys['expert_id']} here", zh="没有该专家")
    return row


EXPERT = Subject(
    "expert",
    (Key("expert_id", help="Expert id"),),
    _expert_row,
    api_path=f"{API}/experts/{{expert_id}}",
    page_path="/expert/pool/{expert_id}",
    return_to="/expert",
)


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace("；", ";").replace(",", ";").split(";") if p.strip()]


def _open_round(ctx: Context, _: None, body: s.RoundIn) -> Any:
    fields = body.model_dump(exclude={"sheet"})
    sheet = [item.model_dump() for item in body.sheet]
    return rounds.open_round(ctx.session, ctx.actor.name, **fields, sheet=sheet)


def _apply(ctx: Context, round_: Any, body: s.ApplyIn) -> Any:
    return apply.start(
        ctx.session,
        ctx.actor.principal,
        round_.id,
        ctx.actor.today,
        _split(body.partners),
        body.ipc,
    )


def _own(ctx: Context, application: Application) -> Application:
    if ctx.actor.principal.uscc != application.uscc:
        raise NotFound(f"no application {application.id} of yours", zh="这不是您的申报")
    return application


def _answer(ctx: Context, a: Application, body: s.AnswerIn) -> Application:
    apply.answer(ctx.session, _own(ctx, a), ctx.actor.name, body.condition, body.text)
    return a


def _correct(ctx: Context, a: Application, body: s.CorrectIn) -> Application:
    apply.correct(ctx.session, _own(ctx, a), ctx.actor.name, body.fact, body.value, body.reason)
    return a


def _attest(ctx: Context, a: Application, body: s.AttestIn) -> Application:
    apply.attest(ctx.session, _own(ctx, a), ctx.actor.name, body.condition)
    return a


def _plan(ctx: Context, a: Application, body: s.PlanIn) -> Application:
    apply.plan(
        ctx.session,
        _own(ctx, a),
        ctx.actor.name,
        body.budget_fen,
        body.requested_fen,
        body.matching_fen,
    )
    return a


def _milestone_add(ctx: Context, a: Application, body: s.MilestoneIn) -> Milestone:
    return apply.add_milestone(
        ctx.session, _own(ctx, a), ctx.actor.name, body.title, body.due_on, body.amount_fen
    )


def _attach(ctx: Context, a: Application, body: s.AttachIn) -> Any:
    try:
        content = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(
            "content_base64 is not base64", "content_base64", zh="文件内容不是有效的base64编码"
        ) from None
    return apply.attach(
        ctx.session,
        _own(ctx, a),
        ctx.actor.name,
        body.requirement,
        body.file_name,
        body.media_type,
        content,
    )


def _submit(ctx: Context, a: Application, _: NoInput) -> Application:
    apply.submit(ctx.session, _own(ctx, a), ctx.actor.name, ctx.actor.today)
    return a


def _withdraw(ctx: Context, a: Application, _: NoInput) -> Application:
    from kechuang.workflow.machines import fire

    fire(ctx.session, _own(ctx, a), APPLICATION, "withdraw", ctx.actor.name)
    return a


def _return(ctx: Context, a: Application, body: s.ReasonsIn) -> Application:
    return review.send_back(ctx.session, a, ctx.actor.name, body.reasons, ctx.actor.today)


def _accept(ctx: Context, a: Application, _: NoInput) -> Application:
    return review.accept(ctx.session, a, ctx.actor.name)


def _assign(ctx: Context, a: Application, _: NoInput) -> Application:
    panel.assign(ctx.session, a, ctx.actor.name)
    return a


def _close(ctx: Context, a: Application, _: NoInput) -> Application:
    return decision.close(ctx.session, a, ctx.actor.name)


def _publish(ctx: Context, a: Application, _: NoInput) -> Application:
    return decision.publish(ctx.session, a, ctx.actor.name, ctx.actor.today)


def _approve(ctx: Context, a: Application, _: NoInput) -> Application:
    return decision.approve(ctx.session, a, ctx.actor.name, ctx.actor.today)


def _object(ctx: Context, a: Application, body: s.ObjectionIn) -> Application:
    return decision.object_to(
        ctx.session, _own(ctx, a), ctx.actor.name, body.reason, ctx.actor.today
    )


def _dismiss(ctx: Context, a: Application, body: s.ReasonsIn) -> Application:
    return decision.dismiss(ctx.session, a, ctx.actor.name, body.reasons)


def _uphold(ctx: Context, a: Application, body: s.ReasonsIn) -> Application:
    return decision.uphold(ctx.session, a, ctx.actor.name, body.reasons)


def _take(ctx: Context, a: Assignment, _: NoInput) -> Assignment:
    panel.take(ctx.session, a, ctx.actor.name)
    return a


def _decline(ctx: Context, a: Assignment, body: s.DeclineIn) -> Assignment:
    panel.decline(ctx.session, a, ctx.actor.name, body.reason)
    return a


def _declare(ctx: Context, a: Assignment, body: s.DeclareIn) -> Assignment:
    panel.declare(ctx.session, a, ctx.actor.name, body.relation)
    return a


def _score(ctx: Context, a: Assignment, body: s.ScoreIn) -> Any:
    return scoring.score(ctx.session, a, ctx.actor.name, body.item, body.points, body.comment)


def _seal(ctx: Context, a: Assignment, _: NoInput) -> Assignment:
    scoring.seal(ctx.session, a, ctx.actor.name)
    return a


def _pay(ctx: Context, m: Milestone, _: NoInput) -> Milestone:
    return payments.pay(ctx.session, m, ctx.actor.name)


def _fail(ctx: Context, m: Milestone, body: s.FailIn) -> Milestone:
    return payments.fail(ctx.session, m, ctx.actor.name, body.reason)


def _enrol(ctx: Context, _: None, body: s.ExpertIn) -> Any:
    from kechuang.accounts.tables import Account

    account = ctx.session.scalar(select(Account).where(Account.username == body.username))
    if account is None or account.role != "expert":
        raise Invalid(
            f"{body.username} is not an expert account",
            "username",
            zh=f"{body.username} 不是专家账号",
        )
    return panel.enrol(ctx.session, body.username, body.name, body.org, _split(body.fields))


def _availability(ctx: Context, expert: Expert, body: s.AvailabilityIn) -> Expert:
    expert.available = body.available
    return expert


def _edit(
    name: str,
    act: Any,
    input: Any,
    zh: str,
    en: str,
    summary: str,
    output: Any = s.ApplicationOut,
    **extra: Any,
) -> Step[Any, Any]:
    extra.setdefault("subject", APPLICATION_SUBJECT)
    return Step(
        name,
        roles=ENTERPRISE,
        input=input,
        event="edit",
        act=act,
        output=output,
        summary=summary,
        label=Label(zh, en),
        tags=TAGS,
        **extra,
    )


def _officer(
    name: str,
    act: Any,
    event: str,
    zh: str,
    en: str,
    summary: str,
    input: Any = NoInput,
    **extra: Any,
) -> Step[Any, Any]:
    return Step(
        name,
        subject=APPLICATION_SUBJECT,
        roles=OFFICER,
        input=input,
        event=event,
        act=act,
        output=s.ApplicationOut,
        summary=summary,
        label=Label(zh, en),
        tags=TAGS,
        **extra,
    )


def _expert(
    name: str,
    act: Any,
    event: str,
    zh: str,
    en: str,
    summary: str,
    input: Any = NoInput,
    output: Any = s.AssignmentOut,
) -> Step[Any, Any]:
    return Step(
        name,
        subject=ASSIGNMENT_SUBJECT,
        roles=EXPERT_ROLE,
        input=input,
        event=event,
        act=act,
        output=output,
        summary=summary,
        label=Label(zh, en),
        tags=TAGS,
    )


STEPS: list[Step[Any, Any]] = [
    Step(
        "round.open",
        subject=ROUNDS,
        roles=OFFICER,
        input=s.RoundIn,
        act=_open_round,
        output=s.RoundOut,
        status_code=201,
        summary="Open a round of applications under a 申报 policy",
        label=Label("发布申报批次", "Open a round"),
        tags=TAGS,
    ),
    Step(
        "expert.enrol",
        subject=EXPERTS,
        roles=OFFICER,
        input=s.ExpertIn,
        act=_enrol,
        output=s.ExpertOut,
        status_code=201,
        summary="Enrol an expert account in the pool",
        label=Label("入库专家", "Enrol an expert"),
        tags=TAGS,
    ),
    Step(
        "expert.availability",
        subject=EXPERT,
        roles=(*OFFICER, *EXPERT_ROLE),
        input=s.AvailabilityIn,
        act=_availability,
        output=s.ExpertOut,
        summary="Say whether the expert takes new panels (officers, or the expert itself)",
        label=Label("设置是否可参加评审", "Set availability"),
        tags=TAGS,
    ),
    Step(
        "application.apply",
        subject=ROUND,
        roles=ENTERPRISE,
        input=s.ApplyIn,
        act=_apply,
        output=s.ApplicationOut,
        status_code=201,
        summary="Open a draft application in the round for the caller's enterprise",
        label=Label("开始申报", "Apply"),
        tags=TAGS,
    ),
    _edit(
        "application.answer",
        _answer,
        s.AnswerIn,
        "保存说明",
        "Save the answer",
        "Answer a question of a condition the data cannot decide",
    ),
    _edit(
        "application.correct",
        _correct,
        s.CorrectIn,
        "更正数据",
        "Correct a fact",
        "Correct a fact of the evaluation year, with the reason",
    ),
    _edit(
        "application.attest",
        _attest,
        s.AttestIn,
        "确认声明",
        "Confirm",
        "Confirm an attestation of the policy",
    ),
    _edit(
        "application.plan",
        _plan,
        s.PlanIn,
        "保存预算",
        "Save the plan",
        "A project's budget, grant requested and matching funds (fen)",
    ),
    _edit(
        "application.milestone",
        _milestone_add,
        s.MilestoneIn,
        "添加里程碑",
        "Add a milestone",
        "Add a project milestone and the payment it releases (fen)",
        output=s.MilestoneOut,
        status_code=201,
    ),
    _edit(
        "application.attach",
        _attach,
        s.AttachIn,
        "上传材料",
        "Attach",
        "Attach evidence: PDF, PNG or JPEG, size- and type-checked, hashed and scanned",
        output=s.AttachmentOut,
        status_code=201,
        subject=APPLICATION_API,
    ),
    Step(
        "application.submit",
        subject=APPLICATION_SUBJECT,
        roles=ENTERPRISE,
        input=NoInput,
        event="submit",
        act=_submit,
        output=s.ApplicationOut,
        summary="Submit before the deadline: the pre-check must be complete; gives a receipt",
        label=Label("提交申报", "Submit"),
        tags=TAGS,
    ),
    Step(
        "application.withdraw",
        subject=APPLICATION_SUBJECT,
        roles=ENTERPRISE,
        input=NoInput,
        event="withdraw",
        act=_withdraw,
        output=s.ApplicationOut,
        danger=True,
        summary="Withdraw a draft or returned application",
        label=Label("撤回", "Withdraw"),
        confirm=Label("确定撤回申报？", "Withdraw the application?"),
        tags=TAGS,
    ),
    _officer(
        "application.return",
        _return,
        "send_back",
        "退回补正",
        "Return",
        "形式审查: return the application with reasons (working-day deadline to resubmit)",
        input=s.ReasonsIn,
    ),
    _officer(
        "application.accept",
        _accept,
        "accept",
        "受理",
        "Accept",
        "形式审查: accept the application for expert review",
    ),
    _officer(
        "application.assign",
        _assign,
        "assign",
        "分配专家",
        "Assign a panel",
        "Assign the panel by field, excluding conflicts of interest",
    ),
    _officer(
        "application.close",
        _close,
        "close",
        "汇总评分",
        "Close the panel",
        "Aggregate the sealed scores and decide by the rules",
    ),
    _officer(
        "application.publish",
        _publish,
        "publish",
        "公示",
        "Publish",
        "公示: put the decision on public notice (working days)",
    ),
    _officer(
        "application.approve",
        _approve,
        "approve",
        "批准",
        "Approve",
        "Approve after the notice (a second officer): certificate or grant",
    ),
    Step(
        "application.object",
        subject=APPLICATION_SUBJECT,
        roles=ENTERPRISE,
        input=s.ObjectionIn,
        event="object",
        act=_object,
        output=s.ApplicationOut,
        summary="Object to the published decision, within the notice period",
        label=Label("提出异议", "Object"),
        tags=TAGS,
    ),
    _officer(
        "application.dismiss",
        _dismiss,
        "reject_objection",
        "驳回异议",
        "Reject the objection",
        "The objection is rejected: the decision stands",
        input=s.ReasonsIn,
    ),
    _officer(
        "application.uphold",
        _uphold,
        "uphold_objection",
        "异议成立",
        "Uphold the objection",
        "The objection is upheld: the decision is withdrawn and a new panel reviews",
        input=s.ReasonsIn,
    ),
    _expert(
        "assignment.accept",
        _take,
        "take",
        "接受邀请",
        "Accept",
        "Accept the invitation to score this application",
    ),
    _expert(
        "assignment.decline",
        _decline,
        "decline",
        "谢绝",
        "Decline",
        "Decline the invitation",
        input=s.DeclineIn,
    ),
    _expert(
        "assignment.declare",
        _declare,
        "declare",
        "申报利益冲突",
        "Declare a conflict",
        "Declare a conflict of interest and leave the panel",
        input=s.DeclareIn,
    ),
    _expert(
        "assignment.score",
        _score,
        "score",
        "保存评分",
        "Save the score",
        "Score one item of the sheet within its band, with a comment",
        input=s.ScoreIn,
        output=s.ScoreOut,
    ),
    _expert(
        "assignment.submit",
        _seal,
        "seal",
        "提交评分",
        "Submit the scores",
        "Seal the score sheet (every item scored)",
    ),
    Step(
        "milestone.pay",
        subject=MILESTONE_SUBJECT,
        roles=OFFICER,
        input=NoInput,
        event="pay",
        act=_pay,
        output=s.MilestoneOut,
        summary="Accept the milestone and pay it through the ledger (never beyond the grant)",
        label=Label("验收并拨付", "Accept and pay"),
        tags=TAGS,
    ),
    Step(
        "milestone.fail",
        subject=MILESTONE_SUBJECT,
        roles=OFFICER,
        input=s.FailIn,
        event="fail",
        act=_fail,
        output=s.MilestoneOut,
        danger=True,
        summary="Fail the milestone: withdraw the grant and claw back what was paid",
        label=Label("验收不通过", "Fail"),
        tags=TAGS,
    ),
]
