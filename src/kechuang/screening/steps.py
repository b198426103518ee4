"""Every state-changing step of a screening run and its awards, declared once.

The API routes and page forms (kechuang.http.steps), the page buttons (`_steps.html`) and the
CLI commands (`kechuang runs <verb>`) are made from these declarations; each step's service call
is the function of kechuang.screening.service that holds its rules, given the server's day
(`ctx.actor.today`). API paths that predate the declarations are kept (`path=`).

Officers publish (公示), record objections, decide them, approve (four-eyes), lapse unconfirmed
awards, pay, withdraw a run and claw back a paid award; an enterprise confirms the bank account
of its own award and objects to its own award while it is on notice. Starting a run (a
background job with progress), exports and list views stay hand-written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from kechuang.accounts import audit
from kechuang.screening import schemas as s
from kechuang.screening import service, workflow
from kechuang.screening.awards import AwardOut, awards_of, visible_award
from kechuang.screening.errors import NotFound
from kechuang.screening.locking import locked_run
from kechuang.screening.tables import Award, Objection, ScreeningRun
from kechuang.workflow.steps import Actor, Context, Key, Label, NoInput, Step, Subject

API = "/api/v1"
OFFICER = ("officer",)
ENTERPRISE = ("enterprise",)
TAGS = ("runs",)


# -- subjects ---------------------------------------------------------------------------------


def _run(session: Session, actor: Actor, keys: Mapping[str, Any]) -> ScreeningRun:
    return locked_run(session, keys["run_id"])


def _objection(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Objection:
    objection = session.get(Objection, keys["objection_id"])
    if objection is None:
        raise NotFound(f"no objection {keys['objection_id']}")
    return objection


def _run_award(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Award:
    return service.award_in_run(session, keys["run_id"], keys["uscc"])


def _own_award(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Award:
    # An enterprise acts only on its own award in a published run; anything else is "no such
    # award", worded as for an id that does not exist.
    uscc, award_id = keys["uscc"], keys["award_id"]
    if actor.principal.uscc != uscc:
        raise NotFound(f"no award {award_id} for {uscc}")
    award: Award = visible_award(session, uscc, award_id)
    return award


RUN = Subject(
    "run", (Key("run_id", help="Run id"),), _run,
    api_path=f"{API}/runs/{{run_id}}", page_path="/officer/runs/{run_id}", flow=workflow.RUN,
)  # fmt: skip
OBJECTION = Subject(
    "objection", (Key("objection_id", help="Objection id"),), _objection,
    api_path=f"{API}/objections/{{objection_id}}",
    page_path="/officer/objections/{objection_id}",
)  # fmt: skip
RUN_AWARD = Subject(
    "award", (Key("run_id", help="Run id"), Key("uscc", str, "USCC of the award")),
    _run_award, api_path=f"{API}/runs/{{run_id}}/awards/{{uscc}}",
    page_path="/officer/runs/{run_id}/awards/{uscc}", flow=workflow.AWARD,
    return_to="/officer/runs/{run_id}",
)  # fmt: skip
OWN_AWARD = Subject(
    "award", (Key("uscc", str, "The enterprise's USCC"), Key("award_id", help="Award id")),
    _own_award, api_path=f"{API}/enterprises/{{uscc}}/awards/{{award_id}}",
    page_path="/enterprises/{uscc}/awards/{award_id}", flow=workflow.AWARD,
    return_to="/enterprises/{uscc}/benefits",
)  # fmt: skip


# -- the run ----------------------------------------------------------------------------------


def present_run(session: Session, run: ScreeningRun) -> s.RunOut:
    return s.run_out(session, run.id)


def _publish(ctx: Context, run: ScreeningRun, body: s.PublishIn) -> s.RunOut:
    service.publish(ctx.session, run.id, ctx.actor.name, ctx.actor.today, body.notice_days)
    return s.run_out(ctx.session, run.id)


def _approve(ctx: Context, run: ScreeningRun, body: s.ApproveIn) -> s.RunOut:
    service.approve(ctx.session, run.id, ctx.actor.name, ctx.actor.today, body.confirm_days)
    return s.run_out(ctx.session, run.id)


def _withdraw(ctx: Context, run: ScreeningRun, body: s.WithdrawIn) -> s.RunOut:
    service.withdraw_run(ctx.session, run.id, body.reason, ctx.actor.name)
    return s.run_out(ctx.session, run.id)


def _pay(ctx: Context, run: ScreeningRun, _: NoInput) -> s.PayOut:
    paid = service.pay(ctx.session, run.id, ctx.actor.name, value_date=ctx.actor.business_day)
    return s.PayOut(
        paid=paid.paid, paid_fen=paid.paid_fen, waiting=paid.waiting, excluded=paid.excluded
    )


def _lapse(ctx: Context, run: ScreeningRun, _: NoInput) -> s.LapseOut:
    lapsed = service.lapse(ctx.session, run.id, ctx.actor.name, ctx.actor.today)
    return s.LapseOut(lapsed=len(lapsed), usccs=[a.uscc for a in lapsed])


def _record_objection(ctx: Context, run: ScreeningRun, body: s.RecordObjectionIn) -> Any:
    objector = service.Objector(body.objector_uscc, body.name, body.contact)
    objection = service.lodge_objection(
        ctx.session, run.id, body.uscc, objector, body.reason, ctx.actor.name, ctx.actor.today
    )
    return _objection_out(ctx.session, objection)


def _objection_out(session: Session, objection: Objection) -> s.ObjectionOut:
    uscc = session.get(Award, objection.award_id)
    return s.ObjectionOut(
        id=objection.id,
        award_id=objection.award_id,
        uscc=uscc.uscc if uscc is not None else "",
        objector=objection.objector_uscc
        or f"{objection.objector_name} ({objection.objector_contact})",
        reason=objection.reason,
        lodged_on=objection.lodged_on,
        decision=objection.decision,
        decided_by=objection.decided_by,
        decision_reason=objection.decision_reason,
    )


def _decide(ctx: Context, objection: Objection, body: s.DecisionIn) -> s.RunOut:
    service.decide_objection(ctx.session, objection.id, body.decision, body.reason, ctx.actor.name)
    return s.run_out(ctx.session, objection.run_id)


# -- awards -----------------------------------------------------------------------------------


def _claw_back(ctx: Context, award: Award, body: s.ClawbackIn) -> s.RunAwardOut:
    service.claw_back(ctx.session, award.run_id, award.uscc, body.reason, ctx.actor.name)
    return s.RunAwardOut.model_validate(award, from_attributes=True)


def _confirm(ctx: Context, award: Award, body: s.BankAccountIn) -> AwardOut:
    before = award.state
    service.confirm_account(
        ctx.session, award.run_id, award.uscc, body.account_name, body.bank,
        body.account_number, actor=ctx.actor.name, on=ctx.actor.today,
    )  # fmt: skip
    # Audited here, not by `perform`: the log keeps the account's last four digits only.
    audit.record(
        ctx.session, ctx.actor.name, "award.confirm", "award", award.id, {"state": before},
        {"state": award.state, "bank": body.bank, "account_tail": body.account_number[-4:]},
        ctx.actor.ip,
    )  # fmt: skip
    return next(a for a in awards_of(ctx.session, award.uscc) if a.id == award.id)


def _lodge(ctx: Context, award: Award, body: s.ObjectionIn) -> s.LodgedOut:
    objection = service.lodge_objection(
        ctx.session, award.run_id, award.uscc, service.Objector(uscc=award.uscc), body.reason,
        actor=ctx.actor.name, on=ctx.actor.today,
    )  # fmt: skip
    return s.LodgedOut.model_validate(objection, from_attributes=True)


STEPS: tuple[Step[Any, Any], ...] = (
    Step("run.publish", subject=RUN, roles=OFFICER, input=s.PublishIn, act=_publish,
         event="publish", output=s.RunOut, tags=TAGS,
         summary="公示: put the run's proposed awards on public notice (1 to 60 working days).",
         label=Label("公示", "Publish")),
    Step("run.object", subject=RUN, roles=OFFICER, input=s.RecordObjectionIn,
         act=_record_objection, output=s.ObjectionOut, status_code=201, tags=TAGS,
         offered_in=("published",),
         summary="Record an objection lodged with the office during the notice period.",
         label=Label("登记异议", "Record an objection")),
    Step("run.approve", subject=RUN, roles=OFFICER, input=s.ApproveIn, act=_approve,
         event="approve", output=s.RunOut, tags=TAGS,
         summary="Four-eyes approval after the notice period, by an officer other than the "
                 "publisher: awards approved, the budget committed.",
         label=Label("审核通过", "Approve")),
    Step("run.lapse", subject=RUN, roles=OFFICER, input=NoInput, act=_lapse,
         output=s.LapseOut, tags=TAGS, offered_in=("approved",),
         summary="Lapse the awards whose bank account was not confirmed in time.",
         label=Label("未确认账户的奖励失效", "Lapse unconfirmed awards")),
    # Replayable: an officer may book a disbursement made on paper on its value date
    # (`kechuang runs pay RUN --on DAY`, audited); everyone else pays today.
    Step("run.pay", subject=RUN, roles=OFFICER, input=NoInput, act=_pay, output=s.PayOut,
         tags=TAGS, offered_in=("approved", "closed"), replayable=True,
         summary="Pay every confirmed award once (re-running pays nothing twice). An award "
                 "whose once scope was paid under another award is not paid (`excluded`).",
         label=Label("拨付已确认账户的资金", "Pay confirmed awards")),
    Step("run.withdraw", subject=RUN, roles=OFFICER, input=s.WithdrawIn, act=_withdraw,
         event="withdraw", output=s.RunOut, tags=TAGS, danger=True,
         confirm=Label("确认撤回本批次？", "Withdraw this run?"),
         summary="撤回: abandon a run before approval; its proposed awards are withdrawn and "
                 "the once scopes they held are free again.",
         label=Label("撤回本批次", "Withdraw this run")),
    Step("objection.decide", subject=OBJECTION, roles=OFFICER, input=s.DecisionIn, act=_decide,
         output=s.RunOut, path="/decision", tags=TAGS,
         summary="Uphold (the award is withdrawn) or reject an objection, with reasons.",
         label=Label("决定", "Decide")),
    Step("award.clawback", subject=RUN_AWARD, roles=OFFICER, input=s.ClawbackIn,
         act=_claw_back, event="claw_back", output=s.RunAwardOut, tags=TAGS, danger=True,
         summary="追回: a later finding voids a paid award; the ledger is reversed and the "
                 "enterprise told.",
         label=Label("确认追回", "Claw back")),
    Step("award.confirm", subject=OWN_AWARD, roles=ENTERPRISE, input=s.BankAccountIn,
         act=_confirm, event="confirm", output=AwardOut, path="/bank-account",
         tags=("enterprises",), audit=False,
         summary="The enterprise confirms the account its approved award is paid into.",
         label=Label("确认账户", "Confirm account")),
    Step("objection.lodge", subject=OWN_AWARD, roles=ENTERPRISE, input=s.ObjectionIn,
         act=_lodge, output=s.LodgedOut, status_code=201, path="/objections",
         tags=("enterprises",), offered_in=("proposed",),
         summary="An objection to the enterprise's own award during its public notice.",
         label=Label("提交异议", "Lodge objection")),
)  # fmt: skip
