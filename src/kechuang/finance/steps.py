"""Every state-changing step of tech finance, declared once (API, loan page forms, CLI).

Claims (`kechuang finance claims <verb>`, `POST /api/v1/finance/claims/{claim_id}/<verb>`, forms
on /finance/claims/{claim_id}): the insurer or guarantor sharing the loan's risk confirms or
disputes and pays its part; an officer resolves a dispute, approves (the fund pays) or refuses.

Loans: apply (the lending bank, or an enterprise for itself from /finance/apply), approve,
refuse, disburse, repay, default, claim, recover, close (the lending bank,
`kechuang finance <verb>`, `POST /api/v1/finance/loans/{loan_id}/<verb>`), and the officers'
daily overdue run (`POST /api/v1/finance/overdue`). Funds: `finance.fund.create` (a
compensation fund or guarantee programme). The fund of funds: `finance.fof.<verb>` (apply,
decide, commit, call, invest, distribute, value). API paths that predate the declarations are
kept (`path=`).

Who acts on what: a bank loads only the loans it lends (an insurer or guarantor sharing the risk
sees them, never moves them); anything else is NotFound, so a bank cannot learn that another's
loan exists. Days are the server's (`ctx.actor.today`); an officer replaying history kept on
paper gives `--on` on the CLI (replayable steps), checked by kechuang.finance.dating.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.finance import capacity, claims, dating, fund_of_funds, lifecycle, loans
from kechuang.finance import schemas as s
from kechuang.finance.errors import NotFound, Refused
from kechuang.finance.partners import PARTNER_ROLES, partner_filter
from kechuang.finance.products import ProductError, get_product
from kechuang.finance.tables import Claim, Loan, SubFund
from kechuang.ledger import balance
from kechuang.workflow.errors import Forbidden, Invalid
from kechuang.workflow.steps import (
    REPLAY_ROLES,
    Actor,
    Context,
    Key,
    Label,
    NoInput,
    Step,
    Subject,
)

API = "/api/v1/finance"
LENDER = ("bank",)
APPLICANTS = ("bank", "enterprise")
OFFICIALS = ("officer", "admin")
TAGS = ("finance",)


# -- the day and the lender -------------------------------------------------------------------


def business_day(ctx: Context) -> tuple[Any, str | None]:
    """The step's day and, for an officer's replay, the officer (an active officer account)."""
    if ctx.actor.replay_on is None:
        return ctx.actor.today, None
    return ctx.actor.replay_on, dating.replay_officer(ctx.session, ctx.actor.name)


def replaying(actor: Actor) -> bool:
    return actor.replay_on is not None and actor.role in REPLAY_ROLES


def lender(actor: Actor, named: str | None) -> str:
    """The lending bank of an application: a bank's own organisation, the bank an enterprise
    applies to, or the one an officer's replay names."""
    if actor.role == "bank":
        org = actor.principal.org
        if not org:
            raise Forbidden("a bank account needs its organisation", zh="银行账号须有所属机构")
        if named is not None and named != org:
            raise Invalid(f"bank_org: {actor.name} lends for {org} only", field="bank_org",
                          zh=f"bank_org：{actor.name} 只能以 {org} 的名义放贷")  # fmt: skip
        return org
    if actor.role == "enterprise":
        if named is None:
            raise Invalid("bank_org: name the bank you apply to", field="bank_org",
                          zh="bank_org：请填写申请的贷款银行")  # fmt: skip
        return named
    if named is None:
        raise Invalid("bank_org: a replayed application names its lending bank",
                      field="bank_org", zh="bank_org：补录的申请须写明贷款银行")  # fmt: skip
    return named


@contextmanager
def products() -> Iterator[None]:
    """A product file that cannot be used refuses the step (409), never a 500."""
    try:
        yield
    except ProductError as exc:
        raise Refused(str(exc)) from None


# -- subjects ---------------------------------------------------------------------------------


def _none(session: Session, actor: Actor, keys: Mapping[str, Any]) -> None:
    return None


def own_loan(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Loan:
    """The loan if the caller lends it (or an officer replays its history); NotFound otherwise,
    even for the insurer or guarantor that shares its risk."""
    loan = session.get(Loan, keys["loan_id"])
    if loan is not None:
        if replaying(actor):
            return loan
        if actor.role == "bank" and actor.principal.org and loan.bank_org == actor.principal.org:
            return loan
    raise NotFound(f"no loan {keys['loan_id']} here", zh=f"没有贷款 {keys['loan_id']}")


def visible_claim(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Claim:
    """The claim if the caller is an officer, the lending bank (to read), or the insurer or
    guarantor sharing the loan's risk; NotFound otherwise, even for another partner."""
    claim = session.get(Claim, keys["claim_id"])
    if claim is not None:
        loan = session.get(Loan, claim.loan_id)
        assert loan is not None
        if actor.role in OFFICIALS or replaying(actor):
            return claim
        if actor.role == "bank" and actor.principal.org and loan.bank_org == actor.principal.org:
            return claim
        if actor.role in PARTNER_ROLES and session.scalar(
            select(Loan.id).where(Loan.id == loan.id, partner_filter(actor.principal))
        ):
            return claim
    raise NotFound(f"no claim {keys['claim_id']} here", zh=f"没有代偿申请 {keys['claim_id']}")


def sub_fund(session: Session, actor: Actor, keys: Mapping[str, Any]) -> SubFund:
    row = session.get(SubFund, keys["sub_fund_id"])
    if row is None:
        raise NotFound(f"no sub-fund {keys['sub_fund_id']}", zh=f"没有子基金 {keys['sub_fund_id']}")
    return row


LOANS = Subject("loan", (), _none, api_path=f"{API}/loans", page_path="/finance/loans",
                return_to="/finance/loans/{id}")  # fmt: skip
LOAN = Subject(
    "loan", (Key("loan_id", help="Loan id"),), own_loan,
    api_path=f"{API}/loans/{{loan_id}}", page_path="/finance/loans/{loan_id}",
    flow=lifecycle.LOAN,
)  # fmt: skip
LOAN_BOOK = Subject("loans", (), _none, api_path=API)
FUNDS = Subject("fund", (), _none, api_path=f"{API}/funds")
CLAIM = Subject(
    "claim", (Key("claim_id", help="Claim id"),), visible_claim,
    api_path=f"{API}/claims/{{claim_id}}", page_path="/finance/claims/{claim_id}",
    flow=claims.CLAIM,
)  # fmt: skip
FOF_PAGE = "/officer/finance/fof"
FOF = Subject("fund_of_funds", (), _none, api_path=f"{API}/fof", page_path=f"{FOF_PAGE}/fund",
              return_to=FOF_PAGE)  # fmt: skip
SUB_FUNDS = Subject("sub_fund", (), _none, api_path=f"{API}/sub-funds",
                    page_path=f"{FOF_PAGE}/sub-funds", return_to=FOF_PAGE)  # fmt: skip
SUB_FUND = Subject("sub_fund", (Key("sub_fund_id", help="Sub-fund id"),), sub_fund,
                   api_path=f"{API}/sub-funds/{{sub_fund_id}}",
                   page_path=f"{FOF_PAGE}/sub-funds/{{sub_fund_id}}",
                   return_to=FOF_PAGE + "#sub-fund-{sub_fund_id}")  # fmt: skip


# -- loans ------------------------------------------------------------------------------------


def applicant(actor: Actor, uscc: str) -> None:
    """An enterprise applies for itself only; a bank (or an officer's replay) for anyone."""
    if actor.role == "enterprise" and uscc != actor.principal.uscc:
        raise Forbidden("uscc: an enterprise applies for itself only",
                        zh="uscc：企业只能为本企业申请贷款")  # fmt: skip


def _apply(ctx: Context, _: None, body: s.ApplicationIn) -> s.LoanDetail:
    applicant(ctx.actor, body.uscc)
    on, replayed_by = business_day(ctx)
    app = loans.Application(
        body.product_id, body.uscc, lender(ctx.actor, body.bank_org), body.partner_org,
        body.bank_ref, body.principal_fen, body.term_months, body.method, body.tier,
    )  # fmt: skip
    with products():
        loan = loans.apply(ctx.session, app, ctx.actor.name, on, body.facts_year,
                           replayed_by=replayed_by)  # fmt: skip
    return s.loan_detail(ctx.session, loan)


def _on_loan(service: Callable[..., Any]) -> Callable[[Context, Loan, NoInput], Loan]:
    """A step whose service takes only the loan, the actor and the day."""

    def act(ctx: Context, loan: Loan, _: NoInput) -> s.LoanDetail:
        on, replayed_by = business_day(ctx)
        service(ctx.session, loan.id, ctx.actor.name, on, replayed_by=replayed_by)
        return s.loan_detail(ctx.session, loan)

    return act


def _refuse(ctx: Context, loan: Loan, body: s.ReasonIn) -> s.LoanDetail:
    on, replayed_by = business_day(ctx)
    loans.refuse(ctx.session, loan.id, ctx.actor.name, on, body.reason, replayed_by=replayed_by)
    return s.loan_detail(ctx.session, loan)


def _close(ctx: Context, loan: Loan, body: s.ReasonIn) -> s.LoanDetail:
    on, replayed_by = business_day(ctx)
    loans.close(ctx.session, loan.id, ctx.actor.name, on, body.reason, replayed_by=replayed_by)
    return s.loan_detail(ctx.session, loan)


def _money(service: Callable[..., Any]) -> Callable[[Context, Loan, s.MoneyIn], Loan]:
    """A repayment or a recovery: idempotent by the bank's reference."""

    def act(ctx: Context, loan: Loan, body: s.MoneyIn) -> s.LoanDetail:
        on, replayed_by = business_day(ctx)
        service(ctx.session, loan.id, body.ref, body.amount_fen, ctx.actor.name, on,
                received_on=body.received_on, replayed_by=replayed_by)  # fmt: skip
        return s.loan_detail(ctx.session, loan)

    return act


def _overdue(ctx: Context, _: None, body: s.OverdueIn) -> s.OverdueOut:
    on, replayed_by = business_day(ctx)
    moved = loans.mark_overdue(ctx.session, on, ctx.actor.name, body.bank_org,
                               replayed_by=replayed_by)  # fmt: skip
    return s.OverdueOut(moved=moved)


def _loan_step(name: str, label: Label, summary: str, act: Any, **options: Any) -> Step[Any, Any]:
    return Step(
        name, subject=LOAN, roles=LENDER, input=options.pop("input", NoInput), act=act,
        output=s.LoanDetail, replayable=True, tags=TAGS, summary=summary,
        label=label, **options,
    )  # fmt: skip


LOAN_STEPS: tuple[Step[Any, Any], ...] = (
    Step("finance.apply", subject=LOANS, roles=APPLICANTS, input=s.ApplicationIn, act=_apply,
         output=s.LoanDetail, status_code=201, path="", replayable=True,
         tags=TAGS, label=Label("登记贷款申请", "Record an application"),
         summary="Record an application, pre-screened by the admission rule (with explanation)."),
    _loan_step("finance.approve", Label("审批通过", "Approve"),
               "The lending bank approves (refused when the fund is full).",
               _on_loan(loans.approve), event="approve"),
    _loan_step("finance.refuse", Label("拒绝", "Refuse"),
               "The lending bank refuses an application, with the reason.", _refuse,
               input=s.ReasonIn, event="refuse", danger=True),
    _loan_step("finance.disburse", Label("放款", "Disburse"),
               "Pay out: schedule, premium or fee, ledger entries.",
               _on_loan(loans.disburse), event="disburse"),
    _loan_step("finance.repay", Label("登记还款", "Record a repayment"),
               "A repayment (idempotent by ref), interest first then principal; recorded today, "
               "received_on (default today) is when the bank received it.",
               _money(loans.repay), input=s.MoneyIn, path="/repayments"),
    _loan_step("finance.default", Label("认定违约", "Declare default"),
               "Declare the loan in default (after the product's overdue days).",
               _on_loan(loans.declare_default), event="declare_default", danger=True),
    _loan_step("finance.claim", Label("申请代偿", "Claim compensation"),
               "File the compensation claim: the loss split by the loan's risk shares; the "
               "insurer or guarantor confirms and pays its part, then an officer approves and "
               "the fund pays (finance.claims).",
               _on_loan(loans.claim), event="file_claim"),
    _loan_step("finance.recover", Label("登记追偿回收", "Record a recovery"),
               "Money recovered from the enterprise, shared back in the claim's shares "
               "(idempotent by ref); received_on is when it came back.",
               _money(loans.recover), input=s.MoneyIn, path="/recoveries"),
    _loan_step("finance.close", Label("结案", "Close"),
               "Close a compensated loan when recovery has ended, with the reason.", _close,
               input=s.ReasonIn, event="close", danger=True),
    Step("finance.overdue", subject=LOAN_BOOK, roles=OFFICIALS, input=s.OverdueIn,
         act=_overdue, output=s.OverdueOut, path="/overdue", replayable=True, tags=TAGS,
         label=Label("逾期检查", "Mark overdue loans"),
         summary="Mark loans with an instalment unpaid past its due date overdue (a replay "
                 "judges only loans whose whole history so far is replayed)."),
)  # fmt: skip


# -- claims: the insurer or guarantor, then an officer for the fund ---------------------------


def _claim_out(claim: Claim) -> s.ClaimOut:
    return s.ClaimOut.model_validate(claim, from_attributes=True)


def _on_claim(service: Callable[..., Any]) -> Callable[[Context, Claim, NoInput], s.ClaimOut]:
    def act(ctx: Context, claim: Claim, _: NoInput) -> s.ClaimOut:
        on, replayed_by = business_day(ctx)
        return _claim_out(service(ctx.session, claim.id, ctx.actor.name, on,
                                  replayed_by=replayed_by))  # fmt: skip

    return act


def _claim_reason(service: Callable[..., Any]) -> Callable[[Context, Claim, s.ReasonIn], Any]:
    def act(ctx: Context, claim: Claim, body: s.ReasonIn) -> s.ClaimOut:
        on, replayed_by = business_day(ctx)
        return _claim_out(service(ctx.session, claim.id, ctx.actor.name, on, body.reason,
                                  replayed_by=replayed_by))  # fmt: skip

    return act


def _claim_step(
    verb: str, roles: tuple[str, ...], label: Label, summary: str, act: Any, **options: Any
) -> Step[Any, Any]:
    return Step(
        f"finance.claims.{verb}", subject=CLAIM, roles=roles,
        input=options.pop("input", NoInput), act=act, output=s.ClaimOut, replayable=True,
        tags=TAGS, summary=summary, label=label, event=options.pop("event", verb), **options,
    )  # fmt: skip


CLAIM_STEPS: tuple[Step[Any, Any], ...] = (
    _claim_step("confirm", PARTNER_ROLES, Label("确认分担", "Confirm the claim"),
                "The insurer or guarantor confirms the claim and its part of the loss.",
                _on_claim(claims.confirm)),
    _claim_step("dispute", PARTNER_ROLES, Label("提出异议", "Dispute the claim"),
                "The insurer or guarantor disputes the claim, with the reason: nothing is paid "
                "until an officer resolves the dispute or refuses the claim.",
                _claim_reason(claims.dispute), input=s.ReasonIn, danger=True),
    _claim_step("pay", PARTNER_ROLES, Label("支付分担部分", "Pay our share"),
                "The insurer or guarantor pays its part of the confirmed claim to the bank "
                "(one ledger entry).", _on_claim(claims.pay_share), event="pay_share"),
    _claim_step("resolve", OFFICIALS, Label("异议处理：维持申请", "Resolve: the claim stands"),
                "An officer resolves a dispute: the claim stands and goes back to the insurer "
                "or guarantor to confirm.", _claim_reason(claims.resolve), input=s.ReasonIn),
    _claim_step("approve", OFFICIALS, Label("审批并由资金池代偿", "Approve: the fund pays"),
                "An officer approves a claim the insurer or guarantor confirmed and paid: the "
                "fund pays its part and the loan is compensated.", _on_claim(claims.approve)),
    _claim_step("refuse", OFFICIALS, Label("驳回代偿申请", "Refuse the claim"),
                "An officer refuses a claim no money has moved on, with the reason; the loan "
                "goes back to defaulted and the bank may file again before the deadline.",
                _claim_reason(claims.refuse), input=s.ReasonIn, danger=True),
)  # fmt: skip


# -- funds and the fund of funds ---------------------------------------------------------------


def _create_fund(ctx: Context, _: None, body: s.FundIn) -> s.FundOut:
    on, _replayed_by = business_day(ctx)
    with products():
        ref = get_product(body.product_id).doc.fund
    fund = capacity.create_fund(ctx.session, ref.code, ref.name_zh, ref.name_en, body.size_fen,
                                body.leverage, ctx.actor.name, on)  # fmt: skip
    return s.FundOut.model_validate(fund, from_attributes=True)


def _fof_apply(ctx: Context, _: None, body: s.SubFundIn) -> s.SubFundOut:
    on, replayed_by = business_day(ctx)
    row = fund_of_funds.apply(ctx.session, body.name, body.manager, body.industry,
                               body.target_size_fen, body.requested_fen, dict(body.criteria),
                               on, replayed_by=replayed_by)  # fmt: skip
    return s.SubFundOut.model_validate(row, from_attributes=True)


def _capitalise(ctx: Context, _: None, body: s.FofFlowIn) -> s.CapitalOut:
    on, _replayed_by = business_day(ctx)
    fund_of_funds.capitalise(ctx.session, body.amount_fen, body.key, on, ctx.actor.name)
    return s.CapitalOut(key=body.key, amount_fen=body.amount_fen,
                        cash_fen=balance(ctx.session, fund_of_funds.FOF_CASH))  # fmt: skip


def _decide(ctx: Context, row: SubFund, body: s.DecisionIn) -> s.SubFundOut:
    decided = fund_of_funds.decide(ctx.session, row.id, body.approve, ctx.actor.name)
    return s.SubFundOut.model_validate(decided, from_attributes=True)


def _fof_flow(
    service: Callable[..., Any],
) -> Callable[[Context, SubFund, s.FofFlowIn], s.FofFlowOut]:
    def act(ctx: Context, row: SubFund, body: s.FofFlowIn) -> s.FofFlowOut:
        on, replayed_by = business_day(ctx)
        flow = service(ctx.session, row.id, body.amount_fen, body.key, on, ctx.actor.name,
                       replayed_by=replayed_by)  # fmt: skip
        return s.FofFlowOut.model_validate(flow, from_attributes=True)

    return act


def _invest(ctx: Context, row: SubFund, body: s.InvestmentIn) -> s.FofFlowOut:
    on, replayed_by = business_day(ctx)
    flow = fund_of_funds.invest(ctx.session, row.id, body.uscc, body.amount_fen, body.key, on,
                                ctx.actor.name, replayed_by=replayed_by)  # fmt: skip
    return s.FofFlowOut.model_validate(flow, from_attributes=True)


def _flow_step(verb: str, label: Label, summary: str, act: Any, **options: Any) -> Step[Any, Any]:
    return Step(
        f"finance.fof.{verb}", subject=SUB_FUND, roles=OFFICIALS,
        input=options.pop("input", s.FofFlowIn), act=act, output=s.FofFlowOut,
        replayable=True, tags=TAGS, summary=summary, label=label, **options,
    )  # fmt: skip


FUND_STEPS: tuple[Step[Any, Any], ...] = (
    Step("finance.fund.create", subject=FUNDS, roles=OFFICIALS, input=s.FundIn,
         act=_create_fund, output=s.FundOut, status_code=201, path="", replayable=True,
         tags=TAGS, label=Label("设立资金池", "Set up a fund"),
         summary="Set up the product's compensation fund or guarantee programme and pay its "
                 "size in (idempotent)."),
)  # fmt: skip

FOF_STEPS: tuple[Step[Any, Any], ...] = (
    Step("finance.fof.capitalise", subject=FOF, roles=OFFICIALS, input=s.FofFlowIn,
         act=_capitalise, output=s.CapitalOut, replayable=True, tags=TAGS,
         label=Label("母基金出资到位", "Pay capital in"),
         summary="The city pays capital into the fund of funds (idempotent by key)."),
    Step("finance.fof.apply", subject=SUB_FUNDS, roles=OFFICIALS, input=s.SubFundIn,
         act=_fof_apply, output=s.SubFundOut, status_code=201, path="", replayable=True,
         tags=TAGS, label=Label("登记子基金申请", "Record a sub-fund application"),
         summary="A sub-fund's application, scored against the published criteria."),
    Step("finance.fof.decide", subject=SUB_FUND, roles=OFFICIALS, input=s.DecisionIn,
         act=_decide, output=s.SubFundOut, tags=TAGS, label=Label("决策", "Decide"),
         summary="Approve (score at or above the pass mark) or reject a sub-fund."),
    _flow_step("commit", Label("认缴", "Commit"),
               "认缴: commit to an approved sub-fund (at most 50% of it).",
               _fof_flow(fund_of_funds.commit)),
    _flow_step("call", Label("实缴", "Pay a call"),
               "实缴: pay a capital call (up to the commitment).", _fof_flow(fund_of_funds.call)),
    _flow_step("invest", Label("登记投资", "Record an investment"),
               "A sub-fund's investment into an enterprise.", _invest, input=s.InvestmentIn),
    _flow_step("distribute", Label("登记分配", "Record a distribution"),
               "A distribution back to the fund.", _fof_flow(fund_of_funds.distribute)),
    _flow_step("value", Label("登记估值", "Record a valuation"),
               "The fund's share of the sub-fund's NAV on the day.",
               _fof_flow(fund_of_funds.value)),
)  # fmt: skip

STEPS: tuple[Step[Any, Any], ...] = LOAN_STEPS + CLAIM_STEPS + FUND_STEPS + FOF_STEPS
