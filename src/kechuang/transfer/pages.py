"""The transfer pages (zh first, English with ?lang=en): a tech-transfer office's whole job.

The register (单列管理) with the form to register a result; one result with its inventors,
赋权 cases and deals; a 赋权 case with its due-diligence checklist and agreement; a deal with
its incomes, each inventor's part and the statutory minimum of 第四十五条; the demands with
their matches; the 揭榜挂帅 challenges and their answers; the public listing; an inventor's own
results and payouts (read only); the pilot indicators.

Every form on these pages comes from a step declaration (transfer.steps, through
kechuang.http.steps and the `_steps.html` macro): a page shows exactly the steps the caller's
role and the subject's state allow. Templates live in transfer/templates and use the kit's one
environment; the same scoping as the API applies (transfer.access), and anything out of scope
is a 404 page.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import jinja2
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.domain import industry
from kechuang.http import labels as kit_labels
from kechuang.http.fields import Id
from kechuang.http.labels import label
from kechuang.http.pagination import Offset
from kechuang.http.problems import ProblemError
from kechuang.http.security import authenticated, db
from kechuang.http.templating import language, register_templates, render, template_env
from kechuang.ledger.tables import LedgerEntry
from kechuang.transfer import (
    challenges,
    deals,
    demands,
    empowerment,
    flows,
    income,
    labels,
    pilot,
    register,
)
from kechuang.transfer.access import Actor
from kechuang.transfer.distribution import STATUTORY_MINIMUM_BP, IncomeKind
from kechuang.transfer.errors import NotFound
from kechuang.transfer.steps import STEPS
from kechuang.transfer.tables import Deal, DealIncome, Empowerment, Inventor, Payout, Result

router = APIRouter(include_in_schema=False)
register_templates("kechuang.transfer")
assert labels  # registers the transfer forms' field and choice labels

_env = template_env()
_env.filters["bp"] = lambda bp: "—" if bp is None else f"{bp / 100:g}%"


def _industry_name(code: str | None, lang: str) -> str:
    """The GB/T 4754 division (or, for a bare letter, section) of a code by its name: people
    read names, not codes."""
    entry = industry.catalogue().get(code if len(code) == 1 else code[1:3]) if code else None
    if entry is None:
        return "—"
    return entry.name_en if lang == "en" else entry.name_zh


kit_labels.register("step", {step.name: (step.label.zh, step.label.en) for step in STEPS})


@jinja2.pass_context
def _coded_note(context: Any, note: str) -> str:
    """A history note as people read it: the codes it names in brackets become labels
    ("deal 3 (licence)" -> "deal 3 (许可)"), and so does a note that is an agreement's kind."""
    lang = context.get("lang", "zh")
    if kit_labels.lookup("agreement_kind", note.strip()):  # an agreement's kind ("co_ownership")
        return label("agreement_kind", note.strip(), lang)
    return _CODE_IN_NOTE.sub(lambda m: f"({label('deal_kind', m.group(1), lang)})", note)


_CODE_IN_NOTE = re.compile(r"\(([a-z_]+)\)")
_env.filters["coded_note"] = _coded_note
_env.globals["kind_name"] = lambda kind, lang: label("result_kind", kind, lang)
_env.globals["industry_name"] = _industry_name

# The statutory minimum of 第四十五条 for each kind of deal income, with its clause.
MINIMUMS = {
    "licence": (STATUTORY_MINIMUM_BP[IncomeKind.LICENCE], "第四十五条第一款第一项"),
    "transfer": (STATUTORY_MINIMUM_BP[IncomeKind.TRANSFER], "第四十五条第一款第一项"),
    "equity_investment": (STATUTORY_MINIMUM_BP[IncomeKind.EQUITY], "第四十五条第一款第二项"),
    "own_implementation": (
        STATUTORY_MINIMUM_BP[IncomeKind.OPERATING_PROFIT], "第四十五条第一款第三项"
    ),
}  # fmt: skip


def _actor(who: Principal = Depends(authenticated)) -> Actor:
    return Actor(who.username, who.role, org=who.org, uscc=who.uscc)


def _page(request: Request, template: str, context: dict[str, Any]) -> Response:
    return render(request, template, {"done": request.query_params.get("done"), **context})


def _found(load: Any, *args: Any) -> Any:
    try:
        return load(*args)
    except NotFound as exc:
        raise ProblemError(404, str(exc), zh=exc.text("zh")) from None


# -- the register and one result --------------------------------------------------------------


@router.get("/transfer", response_class=HTMLResponse)
def register_page(
    request: Request, offset: Offset = 0, session: Session = Depends(db),
    who: Actor = Depends(_actor),
) -> Response:  # fmt: skip
    if who.is_enterprise:
        return RedirectResponse("/transfer/demands", status_code=303)
    if who.role == "inventor":
        return RedirectResponse("/transfer/mine", status_code=303)
    if not (who.reads_all or who.is_office):
        raise ProblemError(
            403, "the register is kept by tech-transfer offices", zh="成果登记簿由技术转移机构管理"
        )
    total, rows = register.list_results(session, who, limit=100, offset=offset)
    rule = register.rule_of(session, who.org) if who.is_office and who.org else None
    return _page(request, "transfer_register.html", {
        "results": rows, "total": total, "offset": offset, "who": who, "rule": rule,
        "minimums": MINIMUMS,
    })  # fmt: skip


@router.get("/transfer/results/{result_id}", response_class=HTMLResponse)
def result_page(
    result_id: Id, request: Request, session: Session = Depends(db), who: Actor = Depends(_actor)
) -> Response:
    result = _found(register.get_result, session, who, result_id)
    result_deals = list(
        session.scalars(select(Deal).where(Deal.result_id == result_id).order_by(Deal.id))
    )
    cases = list(
        session.scalars(
            select(Empowerment).where(Empowerment.result_id == result_id).order_by(Empowerment.id)
        )
    )
    return _page(request, "transfer_result.html", {
        "result": result, "inventors": register.inventors_of(session, result_id),
        "deals": result_deals, "cases": cases,
        "history": flows.history(session, "result", result_id),
        "rule": register.rule_of(session, result.institution), "minimums": MINIMUMS,
    })  # fmt: skip


@router.get("/transfer/empowerments/{case_id}", response_class=HTMLResponse)
def empowerment_page(
    case_id: Id, request: Request, session: Session = Depends(db), who: Actor = Depends(_actor)
) -> Response:
    case = _found(empowerment.get, session, who, case_id)
    result = session.get(Result, case.result_id)
    return _page(request, "transfer_empowerment.html", {
        "case": case, "result": result, "history": flows.history(session, "empowerment", case.id),
    })  # fmt: skip


def paid_incomes(session: Session, ids: list[int]) -> set[int]:
    """The incomes whose cash reward has been paid (their ledger entry exists)."""
    if not ids:
        return set()
    keys = {f"transfer:pay:{i}": i for i in ids}
    found = session.scalars(
        select(LedgerEntry.idempotency_key).where(LedgerEntry.idempotency_key.in_(list(keys)))
    )
    return {keys[k] for k in found}


@router.get("/transfer/deals/{deal_id}", response_class=HTMLResponse)
def deal_page(
    deal_id: Id, request: Request, session: Session = Depends(db), who: Actor = Depends(_actor)
) -> Response:
    deal = _found(deals.get, session, who, deal_id)
    result = session.get(Result, deal.result_id)
    party = who.is_enterprise  # a counterparty sees the deal, not the inventors' rewards
    rows = [] if party else list(
        session.scalars(
            select(DealIncome).where(DealIncome.deal_id == deal.id).order_by(DealIncome.id)
        )
    )  # fmt: skip
    payouts = {r.id: {p.inventor_id: p for p in income.payouts_of(session, r.id)} for r in rows}
    return _page(request, "transfer_deal.html", {
        "deal": deal, "result": result, "incomes": rows, "payouts": payouts,
        "paid": paid_incomes(session, [r.id for r in rows]),
        "inventors": [] if party else register.inventors_of(session, deal.result_id),
        "rule": income.effective_rule(session, deal), "minimum": MINIMUMS[deal.kind],
        "kinds": list(income.INCOME_KINDS[deal.kind]),
    })  # fmt: skip


@router.get("/transfer/incomes/{income_id}", response_class=HTMLResponse)
def income_page(
    income_id: Id, session: Session = Depends(db), who: Actor = Depends(_actor)
) -> Response:
    """An income is shown on its deal's page (where its form sends the person back)."""
    row = session.get(DealIncome, income_id)
    if row is None:
        raise ProblemError(404, f"no income {income_id} here", zh=f"没有转化收入 {income_id}")
    _found(deals.get, session, who, row.deal_id)
    if who.is_enterprise:
        raise ProblemError(404, f"no income {income_id} here", zh=f"没有转化收入 {income_id}")
    return RedirectResponse(f"/transfer/deals/{row.deal_id}#income-{row.id}", status_code=303)


# -- an inventor's own page -------------------------------------------------------------------


@router.get("/transfer/mine", response_class=HTMLResponse)
def inventor_page(
    request: Request, session: Session = Depends(db),
    who: Principal = Depends(authenticated),
) -> Response:  # fmt: skip
    """An inventor's results and payouts, read only: exactly the inventor records the office
    linked to this account (step result.link-inventor), never another's of the same name."""
    if who.role != "inventor" or not who.org:
        raise ProblemError(403, "this page is an inventor's own", zh="此页面仅供成果完成人本人查看")
    mine = list(
        session.execute(
            select(Inventor, Result).join(Result, Result.id == Inventor.result_id)
            .where(Inventor.account_id == who.account_id)
            .order_by(Result.id)
        ).tuples()
    )  # fmt: skip
    ids = [inv.id for inv, _ in mine]
    rows = list(
        session.execute(
            select(Payout, DealIncome, Deal)
            .join(DealIncome, DealIncome.id == Payout.income_id)
            .join(Deal, Deal.id == DealIncome.deal_id)
            .where(Payout.inventor_id.in_(ids)).order_by(DealIncome.received_on, Payout.id)
        ).tuples()
    ) if ids else []  # fmt: skip
    paid = paid_incomes(session, [row.id for _, row, _ in rows])
    return _page(request, "transfer_mine.html", {
        "mine": mine, "payouts": rows, "paid": paid,
        "total_fen": sum(p.amount_fen for p, _, _ in rows),
        "paid_fen": sum(p.amount_fen for p, row, _ in rows if row.id in paid),
    })  # fmt: skip


# -- demands, matches, the listing ------------------------------------------------------------


@router.get("/transfer/demands", response_class=HTMLResponse)
def demands_page(
    request: Request, session: Session = Depends(db), who: Actor = Depends(_actor)
) -> Response:
    total, rows = demands.list_demands(session, who, limit=200)
    return _page(request, "transfer_demands.html", {"demands": rows, "total": total})


def _titles(session: Session, ids: list[int], lang: str) -> dict[int, str]:
    """Result titles in the page's language, for matches found in the other one."""
    column = Result.title_en if lang == "en" else Result.title_zh
    rows = session.execute(select(Result.id, column).where(Result.id.in_(ids))).tuples()
    return {ident: title for ident, title in rows}


@router.get("/transfer/demands/{demand_id}", response_class=HTMLResponse)
def demand_page(
    demand_id: Id, request: Request, session: Session = Depends(db), who: Actor = Depends(_actor)
) -> Response:
    lang = language(request)
    demand = _found(demands.get, session, who, demand_id)
    # An English page matches in English where the demand has an English description.
    match_lang = "en" if lang == "en" and demand.description_en.strip() else "zh"
    matches = _found(demands.match, session, who, demand_id, 10, match_lang)
    return _page(request, "transfer_demand.html", {
        "demand": demand, "matches": matches,
        "titles": _titles(session, [m.id for m in matches], lang),
    })  # fmt: skip


@router.get("/transfer/listing", response_class=HTMLResponse)
def listing_page(
    request: Request, q: str = Query("", max_length=500), offset: Offset = 0,
    session: Session = Depends(db), who: Actor = Depends(_actor),
) -> Response:  # fmt: skip
    """The public listing of results; with q, the results that answer q, each explained.
    ?lang=en lists English titles and summaries and searches them in English."""
    lang = language(request)
    total, rows = demands.listing(session, limit=50, offset=offset)
    matches = demands.listing_index(session, lang).search(q, k=10) if q.strip() else []
    return _page(request, "transfer_listing.html", {
        "rows": [demands.listed_view(r, lang) for r in rows], "total": total, "offset": offset,
        "q": q, "matches": matches, "titles": _titles(session, [m.id for m in matches], lang),
    })  # fmt: skip


@router.get("/transfer/listing/{result_id}", response_class=HTMLResponse)
def listed_result_page(
    result_id: Id, request: Request, session: Session = Depends(db),
    who: Actor = Depends(_actor),
) -> Response:  # fmt: skip
    """One listed result as the listing shows it to anyone signed in (a match links here)."""
    row = session.get(Result, result_id)
    if row is None or not row.listed or row.status == "withdrawn":
        raise ProblemError(404, f"no listed result {result_id}", zh=f"没有挂牌成果 {result_id}")
    return _page(request, "transfer_listed.html", {
        "r": demands.listed_view(row, language(request)), "row": row,
    })  # fmt: skip


# -- 揭榜挂帅 ----------------------------------------------------------------------------------


@router.get("/transfer/challenges", response_class=HTMLResponse)
def challenges_page(
    request: Request, session: Session = Depends(db), who: Actor = Depends(_actor)
) -> Response:
    return _page(request, "transfer_challenges.html",
                 {"challenges": challenges.list_challenges(session, who)})  # fmt: skip


@router.get("/transfer/challenges/{challenge_id}", response_class=HTMLResponse)
def challenge_page(
    challenge_id: Id, request: Request, session: Session = Depends(db),
    who: Actor = Depends(_actor),
) -> Response:  # fmt: skip
    challenge = _found(challenges.get, session, who, challenge_id)
    answers = challenges.answers(session, who, challenge_id)
    owner = who.is_enterprise and who.uscc == challenge.uscc
    return _page(request, "transfer_challenge.html", {
        "challenge": challenge, "owner": owner,
        "answers": [
            (a, SimpleNamespace(challenge_id=challenge.id, answer_id=a.id)) for a in answers
        ],
    })  # fmt: skip


# -- indicators -------------------------------------------------------------------------------


@router.get("/transfer/indicators", response_class=HTMLResponse)
def indicators_page(
    request: Request, year: int | None = Query(None, ge=2000, le=2100),
    session: Session = Depends(db), who: Actor = Depends(_actor),
) -> Response:  # fmt: skip
    if not (who.reads_all or who.is_office):
        raise ProblemError(
            403,
            "indicators are for offices, officers and analysts",
            zh="指标仅供技术转移机构、科委工作人员和分析人员查看",
        )
    rows = pilot.indicators(session, who, year)
    return _page(request, "transfer_indicators.html",
                 {"rows": rows, "totals": pilot.totals(rows), "year": year})  # fmt: skip
