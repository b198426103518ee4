"""Every state-changing step of achievement transformation, declared once.

The API routes (kechuang.http.steps), the page forms and buttons, and the CLI commands
(`kechuang transfer <subject> <verb>`) are made from these declarations; each step's service
call is the function of transfer.register, .empowerment, .deals, .income, .demands, .challenges
or .pilot that holds its rules. API paths that predate the declarations are kept (`path=`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.accounts.tables import Account
from kechuang.enterprises.tables import enterprises
from kechuang.http import pickers
from kechuang.http.labels import lookup
from kechuang.transfer import (
    challenges,
    deals,
    demands,
    empowerment,
    flows,
    income,
    pilot,
    register,
)
from kechuang.transfer import schemas as s
from kechuang.transfer.access import Actor as TransferActor
from kechuang.transfer.distribution import Rule
from kechuang.transfer.drafts import InventorDraft, check_result
from kechuang.transfer.due_diligence import Agreement
from kechuang.transfer.errors import NotFound, TransferError
from kechuang.transfer.tables import DealIncome
from kechuang.workflow.steps import Actor, Context, Key, Label, NoInput, Step, Subject

API = "/api/v1/transfer"
OFFICE = ("tech_transfer",)
OFFICE_OR_OFFICER = ("tech_transfer", "officer", "admin")
ENTERPRISE = ("enterprise",)
OFFICER = ("officer", "admin")
TAGS = ("transfer",)


def party(actor: Actor) -> TransferActor:
    """The caller as transfer's scoping sees it (its institution or its USCC)."""
    who = actor.principal
    return TransferActor(who.username, who.role, org=who.org, uscc=who.uscc)


def _who(ctx: Context) -> TransferActor:
    return party(ctx.actor)


# -- subjects ---------------------------------------------------------------------------------


def _none(session: Session, actor: Actor, keys: Mapping[str, Any]) -> None:
    return None


def _result(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Any:
    return register.get_result(session, party(actor), keys["result_id"])


def _case(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Any:
    # The acting scope (the case's own institution), so that nothing of another's case shows.
    return empowerment.acting(session, party(actor), keys["case_id"])


def _deal(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Any:
    return deals.get(session, party(actor), keys["deal_id"])


def _income(session: Session, actor: Actor, keys: Mapping[str, Any]) -> DealIncome:
    row = session.get(DealIncome, keys["income_id"])
    if row is None:
        raise NotFound(
            f"no income {keys['income_id']} here", zh=f"没有转化收入 {keys['income_id']}"
        )
    deals.get(session, party(actor), row.deal_id)  # NotFound outside the caller's deals
    return row


def _challenge(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Any:
    return challenges.get(session, party(actor), keys["challenge_id"])


def _own_challenge(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Any:
    # Only the posting enterprise evaluates, scores and awards: others learn nothing, not even
    # the challenge's state.
    return challenges.own(session, party(actor), keys["challenge_id"])


INSTITUTION = Subject("institution", (), _none, api_path=API, page_path="/transfer",
                      return_to="/transfer")  # fmt: skip
RESULTS = Subject(
    "result", (), _none, api_path=f"{API}/results", page_path="/transfer/results",
    return_to="/transfer/results/{id}",
)  # fmt: skip
RESULT = Subject(
    "result", (Key("result_id", help="Result id"),), _result,
    api_path=f"{API}/results/{{result_id}}", page_path="/transfer/results/{result_id}",
    flow=flows.RESULT,
)  # fmt: skip
EMPOWERMENT = Subject(
    "empowerment", (Key("case_id", help="赋权 case id"),), _case,
    api_path=f"{API}/empowerments/{{case_id}}", page_path="/transfer/empowerments/{case_id}",
    flow=flows.EMPOWERMENT,
)  # fmt: skip
DEAL = Subject("deal", (Key("deal_id", help="Deal id"),), _deal,
               api_path=f"{API}/deals/{{deal_id}}",
               page_path="/transfer/deals/{deal_id}")  # fmt: skip
INCOME = Subject("income", (Key("income_id", help="Income id"),), _income,
                 api_path=f"{API}/incomes/{{income_id}}",
                 page_path="/transfer/incomes/{income_id}")  # fmt: skip
DEMANDS = Subject(
    "demand", (), _none, api_path=f"{API}/demands", page_path="/transfer/demands",
    return_to="/transfer/demands/{id}",
)  # fmt: skip
CHALLENGES = Subject("challenge", (), _none, api_path=f"{API}/challenges",
                     page_path="/transfer/challenges",
                     return_to="/transfer/challenges/{id}")  # fmt: skip
CHALLENGE = Subject(
    "challenge", (Key("challenge_id", help="Challenge id"),), _challenge,
    api_path=f"{API}/challenges/{{challenge_id}}",
    page_path="/transfer/challenges/{challenge_id}", flow=flows.CHALLENGE,
)  # fmt: skip
OWN_CHALLENGE = Subject(
    "challenge", (Key("challenge_id", help="Challenge id"),), _own_challenge,
    api_path=f"{API}/challenges/{{challenge_id}}",
    page_path="/transfer/challenges/{challenge_id}", flow=flows.CHALLENGE,
)  # fmt: skip
ANSWER = Subject(
    "answer", (Key("challenge_id", help="Challenge id"), Key("answer_id", help="Answer id")),
    _own_challenge, api_path=f"{API}/challenges/{{challenge_id}}/answers/{{answer_id}}",
    page_path="/transfer/challenges/{challenge_id}/answers/{answer_id}",
    return_to="/transfer/challenges/{challenge_id}",
)  # fmt: skip


# -- the register and the institution's rule ---------------------------------------------------


def _add_result(ctx: Context, _: None, body: s.ResultIn) -> Any:
    who = _who(ctx)
    if not who.is_office:
        raise TransferError(
            "only a tech-transfer office keeps a register", zh="只有技术转移机构管理成果登记簿"
        )
    draft, problems = check_result(
        kind=body.kind, title_zh=body.title_zh, title_en=body.title_en,
        abstract_zh=body.abstract_zh, abstract_en=body.abstract_en, keywords=body.keywords,
        application_number=body.application_number, ipc_codes=body.ipc_codes,
        industry_code=body.industry_code, disclosed_on=body.disclosed_on,
        inventors=[InventorDraft(i.name, i.share_bp, i.main) for i in body.inventors],
    )  # fmt: skip
    if draft is None:
        raise TransferError(
            "; ".join(f"{p.column}: {p.reason}" for p in problems),
            zh="；".join(f"{_field_zh(p.column)}（{p.value}）：{p.text('zh')}" for p in problems),
        )
    return register.add_result(ctx.session, who.org or "", draft, who.username, listed=body.listed)


def _field_zh(column: str) -> str:
    known = lookup("field", column)
    return known[0] if known else column


def _set_rule(ctx: Context, _: None, body: s.RuleIO) -> s.RuleIO:
    who = _who(ctx)
    if not who.is_office:
        raise TransferError(
            "only a tech-transfer office sets its institution's rule",
            zh="只有技术转移机构可以设定本单位的收益分配规则",
        )
    register.set_rule(ctx.session, who.org or "", Rule(**body.model_dump()))
    return body


def _set_pilot_unit(ctx: Context, _: None, body: s.PilotUnitIn) -> s.PilotUnitOut:
    pilot.set_pilot_unit(ctx.session, _who(ctx), **body.model_dump())
    return s.PilotUnitOut(institution=body.institution)


def _inventor_accounts(session: Session, who: Principal, lang: str) -> pickers.Choices:
    """The inventor accounts an office may link: its own institution's, by name."""
    if who.role != "tech_transfer" or not who.org:
        return []
    rows = session.execute(
        select(Account.username, Account.display_name)
        .where(Account.role == "inventor", Account.org == who.org, Account.active.is_(True))
        .order_by(Account.username)
    ).tuples()
    return [(username, f"{name} ({username})") for username, name in rows]


def _enterprises(session: Session, who: Principal, lang: str) -> pickers.Choices:
    """The enterprises on the platform (those with an account), by name: suggestions for a
    counterparty's USCC (an enterprise without an account may still be typed)."""
    if who.role == "enterprise":
        usccs = [who.uscc] if who.uscc else []
    else:
        usccs = sorted(
            {
                str(u)
                for u in session.scalars(
                    select(Account.uscc).where(
                        Account.role == "enterprise",
                        Account.active.is_(True),
                        Account.uscc.is_not(None),
                    )
                )
            }
        )
    rows = session.execute(
        select(enterprises.c.uscc, enterprises.c.name).where(enterprises.c.uscc.in_(usccs))
    ).tuples()
    names = {uscc: name for uscc, name in rows}
    return [(uscc, str(names.get(uscc) or uscc)) for uscc in usccs]


pickers.register("account:inventor", _inventor_accounts)
pickers.register("enterprise", _enterprises)


def _link_inventor(ctx: Context, result: Any, body: s.InventorLinkIn) -> Any:
    return register.link_inventor(ctx.session, _who(ctx), result.id, body.inventor, body.account)


# -- 赋权 ---------------------------------------------------------------------------------------


def _request(ctx: Context, result: Any, body: s.RequestIn) -> Any:
    return empowerment.request(ctx.session, _who(ctx), result.id, body.note)


def _agree(ctx: Context, case: Any, body: s.AgreementIn) -> Any:
    terms = Agreement(
        kind=body.kind, inventor_ownership_bp=body.inventor_ownership_bp,
        term_years=body.term_years, licence_bp=body.licence_bp, transfer_bp=body.transfer_bp,
        equity_bp=body.equity_bp, decision_rights=body.decision_rights, costs=body.costs,
    )  # fmt: skip
    checklist = body.checklist.model_dump()
    return empowerment.agree(ctx.session, _who(ctx), case.id, checklist, terms, body.agreed_on)


def _register(ctx: Context, case: Any, body: s.RegistrationIn) -> Any:
    return empowerment.register_change(
        ctx.session, _who(ctx), case.id, body.registration_number, body.registered_on
    )


# -- deals, income, financing -----------------------------------------------------------------


def _create_deal(ctx: Context, result: Any, body: s.DealIn) -> Any:
    draft = deals.DealDraft(
        **{**body.model_dump(), "milestones": [m.model_dump() for m in body.milestones]}
    )
    return deals.create(ctx.session, _who(ctx), result.id, draft)


def _record_income(ctx: Context, deal: Any, body: s.IncomeIn) -> Any:
    return income.record(ctx.session, _who(ctx), deal.id, income.IncomeDraft(**body.model_dump()))


def income_out(session: Session, row: Any) -> s.IncomeOut:
    out = s.IncomeOut.model_validate(row)
    out.payouts = [s.PayoutOut.model_validate(p) for p in income.payouts_of(session, row.id)]
    return out


def _pay_income(ctx: Context, row: DealIncome, _: NoInput) -> s.PaymentOut:
    return s.PaymentOut(paid=income.pay(ctx.session, _who(ctx), row.id))


def _record_financing(ctx: Context, deal: Any, body: s.FinancingIn) -> s.CreatedOut:
    row = pilot.record_financing(
        ctx.session, _who(ctx), deal.id, body.round_name, body.amount_fen, body.raised_on
    )
    return s.CreatedOut(id=row.id)


# -- demands and challenges -------------------------------------------------------------------


def _post_demand(ctx: Context, _: None, body: s.DemandIn) -> Any:
    return demands.post(ctx.session, _who(ctx), demands.DemandDraft(**body.model_dump()))


def _post_challenge(ctx: Context, _: None, body: s.ChallengeIn) -> Any:
    return challenges.post(ctx.session, _who(ctx), **body.model_dump())


def _answer(ctx: Context, challenge: Any, body: s.AnswerIn) -> Any:
    return challenges.answer(ctx.session, _who(ctx), challenge.id, **body.model_dump())


def _score(ctx: Context, challenge: Any, body: s.ScoreIn) -> Any:
    return challenges.evaluate(
        ctx.session, _who(ctx), challenge.id, ctx.keys["answer_id"], body.score, body.comment
    )


STEPS: tuple[Step[Any, Any], ...] = (
    Step("result.add", subject=RESULTS, roles=OFFICE, input=s.ResultIn, act=_add_result,
         output=s.ResultOut, status_code=201, path="", tags=TAGS,
         summary="Disclose a result into the office's register (inventors' shares sum to 100%).",
         label=Label("登记成果", "Register a result")),
    Step("rule.set", subject=INSTITUTION, roles=OFFICE, input=s.RuleIO, act=_set_rule,
         output=s.RuleIO, method="PUT", path="/rule", tags=TAGS,
         summary="Set the institution's distribution rule (never below the statutory minimums).",
         label=Label("设定收益分配规则", "Set the distribution rule")),
    Step("pilot-unit.set", subject=INSTITUTION, roles=OFFICER, input=s.PilotUnitIn,
         act=_set_pilot_unit, output=s.PilotUnitOut, method="PUT", path="/pilot-units",
         tags=TAGS, summary="Designate an institution as a 赋权 pilot unit.",
         label=Label("设为试点单位", "Designate a pilot unit")),
    Step("result.link-inventor", subject=RESULT, roles=OFFICE, input=s.InventorLinkIn,
         act=_link_inventor, output=s.InventorLinkOut, path="/inventor-account", tags=TAGS,
         summary="Link an inventor of the result to the inventor's own account (read-only page).",
         label=Label("关联完成人账户", "Link an inventor's account")),
    Step("empowerment.request", subject=RESULT, roles=OFFICE_OR_OFFICER, input=s.RequestIn,
         act=_request, output=s.EmpowermentOut, status_code=201, path="/empowerments",
         return_to="/transfer/empowerments/{id}",
         tags=TAGS, summary="File the inventors' 赋权 request for a disclosed result.",
         label=Label("申请赋权", "Request 赋权")),
    Step("empowerment.review", subject=EMPOWERMENT, roles=OFFICE_OR_OFFICER, input=NoInput,
         act=lambda ctx, case, _: empowerment.start_review(ctx.session, _who(ctx), case.id),
         event="review", output=s.EmpowermentOut,
         tags=TAGS, summary="Start the due-diligence review of a 赋权 request.",
         label=Label("开始审查", "Start the review")),
    Step("empowerment.reject", subject=EMPOWERMENT, roles=OFFICE_OR_OFFICER, input=s.ReasonIn,
         act=lambda ctx, case, body: empowerment.reject(
             ctx.session, _who(ctx), case.id, body.reason), event="reject", output=s.EmpowermentOut,
         path="/rejection", tags=TAGS, danger=True,
         summary="Reject a 赋权 request, with the reason.",
         label=Label("不予赋权", "Reject")),
    Step("empowerment.agree", subject=EMPOWERMENT, roles=OFFICE_OR_OFFICER, input=s.AgreementIn,
         act=_agree, event="agree", output=s.EmpowermentOut, path="/agreement", tags=TAGS,
         summary="Record the due-diligence checklist and the signed agreement.",
         label=Label("登记赋权协议", "Record the agreement")),
    Step("empowerment.register", subject=EMPOWERMENT, roles=OFFICE_OR_OFFICER,
         input=s.RegistrationIn, act=_register, event="register", output=s.EmpowermentOut,
         path="/registration", tags=TAGS,
         summary="Record the registered change of ownership: the result is empowered.",
         label=Label("登记权属变更", "Record the registration")),
    Step("deal.create", subject=RESULT, roles=OFFICE_OR_OFFICER, input=s.DealIn,
         act=_create_deal, output=s.DealOut, status_code=201, path="/deals", tags=TAGS,
         return_to="/transfer/deals/{id}",
         summary="Record a licence, transfer, equity investment or own implementation.",
         label=Label("登记转化合同", "Record a deal")),
    Step("deal.clear-export", subject=DEAL, roles=OFFICE_OR_OFFICER,
         input=s.ExportClearanceIn,
         act=lambda ctx, deal, body: deals.clear_export(
             ctx.session, _who(ctx), deal.id, body.licence_number),
         output=s.DealOut, path="/export-clearance", tags=TAGS,
         summary="Record the export licence or registration of a deal with a foreign party.",
         label=Label("登记出口许可", "Record export clearance")),
    Step("income.record", subject=DEAL, roles=OFFICE_OR_OFFICER, input=s.IncomeIn,
         act=_record_income, output=s.IncomeOut, present=income_out, status_code=201,
         path="/incomes", tags=TAGS,
         summary="Record income (idempotent by receipt) and distribute it by the rule.",
         label=Label("登记转化收入", "Record income")),
    Step("income.pay", subject=INCOME, roles=OFFICE_OR_OFFICER, input=NoInput, act=_pay_income,
         output=s.PaymentOut, path="/payment", tags=TAGS,
         summary="Pay the inventors' cash reward of one income (once).",
         label=Label("发放奖酬", "Pay the inventors")),
    Step("financing.record", subject=DEAL, roles=OFFICE_OR_OFFICER, input=s.FinancingIn,
         act=_record_financing, output=s.CreatedOut, status_code=201, path="/financings",
         tags=TAGS, summary="Record a financing round of a company founded by equity investment.",
         label=Label("登记融资", "Record financing")),
    Step("demand.post", subject=DEMANDS, roles=ENTERPRISE, input=s.DemandIn, act=_post_demand,
         output=s.DemandOut, status_code=201, path="", tags=TAGS,
         summary="Post a technology demand (出题).", label=Label("发布需求", "Post a demand")),
    Step("challenge.post", subject=CHALLENGES, roles=ENTERPRISE, input=s.ChallengeIn,
         act=_post_challenge, output=s.ChallengeOut, status_code=201, path="", tags=TAGS,
         summary="Post a 揭榜挂帅 challenge with its budget and deadline.",
         label=Label("发布榜单", "Post a challenge")),
    Step("challenge.answer", subject=CHALLENGE, roles=("tech_transfer", "enterprise"),
         input=s.AnswerIn, act=_answer, output=s.AnswerOut, status_code=201, path="/answers",
         tags=TAGS, summary="Answer an open challenge (揭榜).", label=Label("揭榜", "Answer")),
    Step("challenge.evaluate", subject=OWN_CHALLENGE, roles=ENTERPRISE, input=NoInput,
         act=lambda ctx, c, _: challenges.start_evaluation(ctx.session, _who(ctx), c.id),
         event="evaluate",
         output=s.ChallengeOut, path="/evaluation", tags=TAGS,
         summary="Close the answers and start 阅卷.", label=Label("开始阅卷", "Start evaluation")),
    Step("answer.score", subject=ANSWER, roles=ENTERPRISE, input=s.ScoreIn,
         act=_score, output=s.AnswerOut, path="/score", tags=TAGS,
         summary="Score one answer (0 to 100) with a comment.", label=Label("评分", "Score")),
    Step("challenge.award", subject=OWN_CHALLENGE, roles=ENTERPRISE, input=s.AwardIn,
         act=lambda ctx, c, body: challenges.award(
             ctx.session, _who(ctx), c.id, body.answer_id), event="award", output=s.ChallengeOut,
         tags=TAGS, summary="Award the challenge to one answer.", label=Label("揭榜成功", "Award")),
    Step("challenge.close", subject=OWN_CHALLENGE, roles=ENTERPRISE, input=s.ReasonIn,
         act=lambda ctx, c, body: challenges.close(ctx.session, _who(ctx), c.id, body.reason),
         event="close", output=s.ChallengeOut,
         tags=TAGS, danger=True, summary="Close the challenge without an award.",
         label=Label("关闭榜单", "Close without award")),
)  # fmt: skip
