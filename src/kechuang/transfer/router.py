"""The transfer API under /api/v1/transfer, for tech-transfer offices, enterprises and officers.

Every route goes through `Actor` scoping (transfer.access): an office reaches only its own
institution's register, 赋权 cases and deals, an enterprise only its own demands and
challenges and the deals it is party to; anything else answers 404. State changes are written
to the audit log in the same transaction. The state-changing routes are made from the step
declarations (transfer.steps); the reading routes are here, and the pages (transfer.pages).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.http.fields import Id
from kechuang.http.pagination import Page, PageParams, page, page_params
from kechuang.http.problems import ProblemError, problem_responses
from kechuang.http.security import authenticated, db
from kechuang.http.steps import mount_steps
from kechuang.transfer import challenges, deals, demands, empowerment, flows, pages, pilot, register
from kechuang.transfer import schemas as s
from kechuang.transfer.access import Actor
from kechuang.transfer.errors import NotFound
from kechuang.transfer.ipc import InvalidIpc, parse_list
from kechuang.transfer.steps import STEPS, income_out
from kechuang.transfer.tables import DealIncome

API = "/api/v1/transfer"
router = APIRouter(tags=["transfer"], responses=problem_responses(401, 403, 404, 409, 422))


def actor(who: Principal = Depends(authenticated)) -> Actor:
    return Actor(who.username, who.role, org=who.org, uscc=who.uscc)


def _office(who: Actor) -> str:
    if not who.is_office:
        raise ProblemError(403, "only a tech-transfer office keeps a register")
    return who.org or ""


# -- register ---------------------------------------------------------------------------------


@router.get(f"{API}/results", response_model=Page[s.ResultOut])
def list_results(
    request: Request, status: str | None = Query(None, max_length=16),
    params: PageParams = Depends(page_params), session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> Page[s.ResultOut]:  # fmt: skip
    """The register of the caller's institution (officers and analysts: all institutions)."""
    if not (who.reads_all or who.is_office):
        raise ProblemError(403, "the register is kept by tech-transfer offices")
    total, rows = register.list_results(
        session, who, limit=params.limit, offset=params.offset, status=status
    )
    return page(request, [s.ResultOut.model_validate(r) for r in rows], total, params)


@router.get(f"{API}/results/{{result_id}}", response_model=s.ResultDetail)
def get_result(
    result_id: Id, session: Session = Depends(db), who: Actor = Depends(actor)
) -> s.ResultDetail:
    result = register.get_result(session, who, result_id)
    return s.ResultDetail(
        **s.ResultOut.model_validate(result).model_dump(),
        inventors=[
            s.InventorOut.model_validate(i) for i in register.inventors_of(session, result_id)
        ],
        history=[s.EventOut.model_validate(e) for e in flows.history(session, "result", result_id)],
    )


@router.get(f"{API}/rule", response_model=s.RuleIO)
def get_rule(session: Session = Depends(db), who: Actor = Depends(actor)) -> s.RuleIO:
    """The caller's institution's distribution rule (the statutory minimums if none is set)."""
    rule = register.rule_of(session, _office(who))
    return s.RuleIO(**rule.__dict__)


# -- 赋权 -------------------------------------------------------------------------------------


@router.get(f"{API}/empowerments/{{case_id}}", response_model=s.EmpowermentOut)
def get_empowerment(
    case_id: Id, session: Session = Depends(db), who: Actor = Depends(actor)
) -> s.EmpowermentOut:
    return s.EmpowermentOut.model_validate(empowerment.get(session, who, case_id))


# -- deals and income -------------------------------------------------------------------------


@router.get(f"{API}/deals", response_model=Page[s.DealOut])
def list_deals(
    request: Request, params: PageParams = Depends(page_params), session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> Page[s.DealOut]:  # fmt: skip
    total, rows = deals.list_deals(session, who, limit=params.limit, offset=params.offset)
    return page(request, [s.DealOut.model_validate(r) for r in rows], total, params)


@router.get(f"{API}/deals/{{deal_id}}", response_model=s.DealOut)
def get_deal(deal_id: Id, session: Session = Depends(db), who: Actor = Depends(actor)) -> s.DealOut:
    return s.DealOut.model_validate(deals.get(session, who, deal_id))


@router.get(f"{API}/deals/{{deal_id}}/incomes", response_model=list[s.IncomeOut])
def list_incomes(
    deal_id: Id, session: Session = Depends(db), who: Actor = Depends(actor)
) -> list[s.IncomeOut]:
    deal = deals.get(session, who, deal_id)
    if who.is_enterprise:  # a counterparty sees the deal, not the inventors' rewards
        raise NotFound(f"no income of deal {deal_id} here")
    rows = session.scalars(
        select(DealIncome).where(DealIncome.deal_id == deal.id).order_by(DealIncome.id)
    )
    return [income_out(session, r) for r in rows]


# -- demands and matching ---------------------------------------------------------------------


LANG = Query("zh", pattern="^(zh|en)$", description="zh, or en for the cross-border listing")


def _match_out(matches: list[Any]) -> list[s.MatchOut]:
    return [
        s.MatchOut(
            id=m.id, title=m.title, score=m.score, text_score=m.text_score, terms=list(m.terms),
            ipc_subclasses=list(m.ipc_subclasses), ipc_classes=list(m.ipc_classes),
            industry=m.industry, reasons=list(m.reasons),
            needs=[s.NeedOut(**n.__dict__) for n in m.needs],
            explanation_zh=m.explanation_zh, explanation_en=m.explanation_en,
        )
        for m in matches
    ]  # fmt: skip


@router.get(f"{API}/demands", response_model=Page[s.DemandOut])
def list_demands(
    request: Request, params: PageParams = Depends(page_params), session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> Page[s.DemandOut]:  # fmt: skip
    """An enterprise's own demands; offices see every open demand."""
    total, rows = demands.list_demands(session, who, limit=params.limit, offset=params.offset)
    return page(request, [s.DemandOut.model_validate(r) for r in rows], total, params)


@router.get(f"{API}/demands/{{demand_id}}/matches", response_model=list[s.MatchOut])
def match_demand(
    demand_id: Id, k: int = Query(10, ge=1, le=50), lang: str = LANG,
    session: Session = Depends(db), who: Actor = Depends(actor),
) -> list[s.MatchOut]:  # fmt: skip
    """Listed results that answer the demand, best first, each with the needs it answers and
    why; lang=en matches the demand's English text against the English listing."""
    return _match_out(demands.match(session, who, demand_id, k, lang))


@router.get(f"{API}/results/{{result_id}}/demands", response_model=list[s.MatchOut])
def match_result(
    result_id: Id, k: int = Query(10, ge=1, le=50), session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> list[s.MatchOut]:  # fmt: skip
    """Open demands that the office's result could answer."""
    return _match_out(demands.demands_for_result(session, who, result_id, k))


@router.get(f"{API}/listing", response_model=list[s.MatchOut])
def search_listing(
    q: str = Query(min_length=1, max_length=500), ipc: str = Query("", max_length=200),
    industry: str | None = Query(None, max_length=8), k: int = Query(10, ge=1, le=50),
    lang: str = LANG, session: Session = Depends(db), who: Actor = Depends(actor),
) -> list[s.MatchOut]:  # fmt: skip
    """Search the public listing of results (titles, abstracts, classes) with a demand's text,
    in Chinese or (lang=en) in English; each match says which needs it answers and why."""
    try:
        codes = [str(c) for c in parse_list(ipc)]
    except InvalidIpc as exc:
        raise ProblemError(422, str(exc), "refused") from None
    index = demands.listing_index(session, lang)
    return _match_out(index.search(q, ipc_codes=codes, industry_code=industry, k=k))


@router.get(f"{API}/listing/results", response_model=Page[s.ListedResultOut])
def browse_listing(
    request: Request, lang: str = LANG, params: PageParams = Depends(page_params),
    session: Session = Depends(db), who: Actor = Depends(actor),
) -> Page[s.ListedResultOut]:  # fmt: skip
    """The public listing of every institution's results, newest first, with titles and
    summaries in Chinese or (lang=en) in English: the cross-border listing."""
    total, rows = demands.listing(session, limit=params.limit, offset=params.offset)
    items = [s.ListedResultOut(**demands.listed_view(r, lang)) for r in rows]
    return page(request, items, total, params)


# -- challenges -------------------------------------------------------------------------------


@router.get(f"{API}/challenges", response_model=list[s.ChallengeOut])
def list_challenges(
    session: Session = Depends(db), who: Actor = Depends(actor)
) -> list[s.ChallengeOut]:
    """Open challenges, and the caller's own in any state."""
    return [s.ChallengeOut.model_validate(c) for c in challenges.list_challenges(session, who)]


@router.get(f"{API}/challenges/{{challenge_id}}/answers", response_model=list[s.AnswerOut])
def list_answers(
    challenge_id: Id, session: Session = Depends(db), who: Actor = Depends(actor)
) -> list[s.AnswerOut]:
    return [s.AnswerOut.model_validate(a) for a in challenges.answers(session, who, challenge_id)]


# -- pilot ------------------------------------------------------------------------------------


@router.get(f"{API}/indicators", response_model=list[s.IndicatorsOut])
def get_indicators(
    year: int | None = Query(None, ge=2000, le=2100), session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> list[s.IndicatorsOut]:  # fmt: skip
    """Pilot indicators per institution and year (an office sees its own institution)."""
    if not (who.reads_all or who.is_office):
        raise ProblemError(403, "indicators are for offices, officers and analysts")
    return [s.IndicatorsOut(**r.as_dict()) for r in pilot.indicators(session, who, year)]


mount_steps(router, STEPS)
router.include_router(pages.router)
