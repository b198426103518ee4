"""The transfer API under /api/v1/transfer, for tech-transfer offices, enterprises and officers.

Every route goes through `Actor` scoping (transfer.access): an office reaches only its own
institution's register, 赋权 cases and deals, an enterprise only its own demands and
challenges and the deals it is party to; anything else answers 404. State changes are written
to the audit log in the same transaction. The pages (transfer.pages) are included here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.accounts import audit
from kechuang.accounts.service import Principal
from kechuang.ledger import LedgerError
from kechuang.transfer import (
    challenges,
    deals,
    demands,
    empowerment,
    flows,
    income,
    pages,
    pilot,
    register,
)
from kechuang.transfer import schemas as s
from kechuang.transfer.access import Actor
from kechuang.transfer.distribution import BelowStatutoryMinimum, InvalidShares, Rule
from kechuang.transfer.drafts import InventorDraft, check_result
from kechuang.transfer.due_diligence import Agreement, Incomplete
from kechuang.transfer.errors import IllegalTransition, NotFound, TransferError
from kechuang.transfer.fx import InvalidRate
from kechuang.transfer.ipc import InvalidIpc, parse_list
from kechuang.transfer.tables import DealIncome
from kechuang.web.fields import Id
from kechuang.web.pagination import Page, PageParams, page, page_params
from kechuang.web.problems import ProblemError, problem_responses
from kechuang.web.security import authenticated, client_ip, db

API = "/api/v1/transfer"
router = APIRouter(tags=["transfer"], responses=problem_responses(401, 403, 404, 409, 422))
REFUSALS = (TransferError, BelowStatutoryMinimum, InvalidShares, Incomplete, InvalidRate,
            LedgerError)  # fmt: skip


def actor(who: Principal = Depends(authenticated)) -> Actor:
    return Actor(who.username, who.role, org=who.org, uscc=who.uscc)


@contextmanager
def refusals() -> Iterator[None]:
    """Service refusals as problems: not found 404, wrong state 409, bad input 422."""
    try:
        yield
    except NotFound as exc:
        raise ProblemError(404, str(exc)) from None
    except IllegalTransition as exc:
        raise ProblemError(409, str(exc), "illegal-transition") from None
    except REFUSALS as exc:
        raise ProblemError(422, str(exc), "refused") from None


def _audit(
    session: Session, request: Request, who: Actor, action: str, kind: str, ident: int,
    after: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    audit.record(session, who.username, f"transfer.{action}", kind, ident, None, after,
                 client_ip(request))  # fmt: skip


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


@router.post(f"{API}/results", response_model=s.ResultOut, status_code=201)
def add_result(
    body: s.ResultIn, request: Request, session: Session = Depends(db), who: Actor = Depends(actor)
) -> s.ResultOut:
    """Disclose a result into the caller's register (inventors' shares sum to 10,000 bp)."""
    institution = _office(who)
    draft, problems = check_result(
        kind=body.kind, title_zh=body.title_zh, title_en=body.title_en,
        abstract_zh=body.abstract_zh, abstract_en=body.abstract_en, keywords=body.keywords,
        application_number=body.application_number, ipc_codes=body.ipc_codes,
        industry_code=body.industry_code, disclosed_on=body.disclosed_on,
        inventors=[InventorDraft(i.name, i.share_bp, i.main) for i in body.inventors],
    )  # fmt: skip
    if draft is None:
        raise ProblemError(422, "; ".join(f"{p.column}: {p.reason}" for p in problems), "refused")
    with refusals():
        result = register.add_result(session, institution, draft, who.username, listed=body.listed)
    _audit(session, request, who, "result.add", "result", result.id, {"title": result.title_zh})
    session.commit()
    return s.ResultOut.model_validate(result)


@router.get(f"{API}/results/{{result_id}}", response_model=s.ResultDetail)
def get_result(
    result_id: Id, session: Session = Depends(db), who: Actor = Depends(actor)
) -> s.ResultDetail:
    with refusals():
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


@router.put(f"{API}/rule", response_model=s.RuleIO)
def put_rule(
    body: s.RuleIO, request: Request, session: Session = Depends(db), who: Actor = Depends(actor)
) -> s.RuleIO:
    """Set the institution's rule; any share below the statutory minimum is refused (422)."""
    institution = _office(who)
    with refusals():
        register.set_rule(session, institution, Rule(**body.model_dump()))
    _audit(session, request, who, "rule.set", "institution", 0, body.model_dump())
    session.commit()
    return body


# -- 赋权 -------------------------------------------------------------------------------------


@router.post(f"{API}/results/{{result_id}}/empowerments", response_model=s.EmpowermentOut,
             status_code=201)  # fmt: skip
def request_empowerment(
    result_id: Id, body: s.RequestIn, request: Request, session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> s.EmpowermentOut:  # fmt: skip
    with refusals():
        case = empowerment.request(session, who, result_id, body.note)
    _audit(session, request, who, "empowerment.request", "empowerment", case.id)
    session.commit()
    return s.EmpowermentOut.model_validate(case)


@router.get(f"{API}/empowerments/{{case_id}}", response_model=s.EmpowermentOut)
def get_empowerment(
    case_id: Id, session: Session = Depends(db), who: Actor = Depends(actor)
) -> s.EmpowermentOut:
    with refusals():
        return s.EmpowermentOut.model_validate(empowerment.get(session, who, case_id))


def _case_step(
    session: Session, request: Request, who: Actor, case_id: int, action: str, step: Any
) -> s.EmpowermentOut:
    with refusals():
        case = step()
    _audit(session, request, who, f"empowerment.{action}", "empowerment", case_id,
           {"state": case.state})  # fmt: skip
    session.commit()
    return s.EmpowermentOut.model_validate(case)


@router.post(f"{API}/empowerments/{{case_id}}/review", response_model=s.EmpowermentOut)
def review_empowerment(
    case_id: Id, request: Request, session: Session = Depends(db), who: Actor = Depends(actor)
) -> s.EmpowermentOut:
    return _case_step(
        session,
        request,
        who,
        case_id,
        "review",
        lambda: empowerment.start_review(session, who, case_id),
    )


@router.post(f"{API}/empowerments/{{case_id}}/rejection", response_model=s.EmpowermentOut)
def reject_empowerment(
    case_id: Id, body: s.ReasonIn, request: Request, session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> s.EmpowermentOut:  # fmt: skip
    return _case_step(
        session,
        request,
        who,
        case_id,
        "reject",
        lambda: empowerment.reject(session, who, case_id, body.reason),
    )


@router.post(f"{API}/empowerments/{{case_id}}/agreement", response_model=s.EmpowermentOut)
def agree_empowerment(
    case_id: Id, body: s.AgreementIn, request: Request, session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> s.EmpowermentOut:  # fmt: skip
    """Record the due-diligence checklist and the signed agreement (refused if incomplete)."""
    terms = Agreement(
        kind=body.kind, inventor_ownership_bp=body.inventor_ownership_bp,
        term_years=body.term_years, licence_bp=body.licence_bp, transfer_bp=body.transfer_bp,
        equity_bp=body.equity_bp, decision_rights=body.decision_rights, costs=body.costs,
    )  # fmt: skip
    checklist = body.checklist.model_dump()
    return _case_step(session, request, who, case_id, "agree",
                      lambda: empowerment.agree(session, who, case_id, checklist, terms,
                                                body.agreed_on))  # fmt: skip


@router.post(f"{API}/empowerments/{{case_id}}/registration", response_model=s.EmpowermentOut)
def register_empowerment(
    case_id: Id, body: s.RegistrationIn, request: Request, session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> s.EmpowermentOut:  # fmt: skip
    return _case_step(session, request, who, case_id, "register",
                      lambda: empowerment.register_change(session, who, case_id,
                                                          body.registration_number,
                                                          body.registered_on))  # fmt: skip


# -- deals and income -------------------------------------------------------------------------


@router.post(f"{API}/results/{{result_id}}/deals", response_model=s.DealOut, status_code=201)
def create_deal(
    result_id: Id, body: s.DealIn, request: Request, session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> s.DealOut:  # fmt: skip
    """A licence, transfer, equity investment or own implementation; a foreign counterparty
    flags the export-control check."""
    draft = deals.DealDraft(
        **{**body.model_dump(), "milestones": [m.model_dump() for m in body.milestones]}
    )
    with refusals():
        deal = deals.create(session, who, result_id, draft)
    _audit(session, request, who, "deal.create", "deal", deal.id, {"kind": deal.kind})
    session.commit()
    return s.DealOut.model_validate(deal)


@router.get(f"{API}/deals", response_model=Page[s.DealOut])
def list_deals(
    request: Request, params: PageParams = Depends(page_params), session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> Page[s.DealOut]:  # fmt: skip
    total, rows = deals.list_deals(session, who, limit=params.limit, offset=params.offset)
    return page(request, [s.DealOut.model_validate(r) for r in rows], total, params)


@router.get(f"{API}/deals/{{deal_id}}", response_model=s.DealOut)
def get_deal(deal_id: Id, session: Session = Depends(db), who: Actor = Depends(actor)) -> s.DealOut:
    with refusals():
        return s.DealOut.model_validate(deals.get(session, who, deal_id))


@router.post(f"{API}/deals/{{deal_id}}/export-clearance", response_model=s.DealOut)
def clear_export(
    deal_id: Id, body: s.ExportClearanceIn, request: Request, session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> s.DealOut:  # fmt: skip
    with refusals():
        deal = deals.clear_export(session, who, deal_id, body.licence_number)
    _audit(
        session,
        request,
        who,
        "deal.export_cleared",
        "deal",
        deal_id,
        {"licence": body.licence_number},
    )
    session.commit()
    return s.DealOut.model_validate(deal)


def _income_out(session: Session, row: Any) -> s.IncomeOut:
    out = s.IncomeOut.model_validate(row)
    out.payouts = [s.PayoutOut.model_validate(p) for p in income.payouts_of(session, row.id)]
    return out


@router.post(f"{API}/deals/{{deal_id}}/incomes", response_model=s.IncomeOut, status_code=201)
def record_income(
    deal_id: Id, body: s.IncomeIn, request: Request, session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> s.IncomeOut:  # fmt: skip
    """Record income (idempotent by receipt) and distribute it to the inventors by the rule."""
    with refusals():
        row = income.record(session, who, deal_id, income.IncomeDraft(**body.model_dump()))
        _audit(session, request, who, "income.record", "income", row.id,
               {"net_fen": row.net_fen, "inventors_fen": row.inventors_fen})  # fmt: skip
        session.commit()
    return _income_out(session, row)


@router.get(f"{API}/deals/{{deal_id}}/incomes", response_model=list[s.IncomeOut])
def list_incomes(
    deal_id: Id, session: Session = Depends(db), who: Actor = Depends(actor)
) -> list[s.IncomeOut]:
    with refusals():
        deal = deals.get(session, who, deal_id)
        if who.is_enterprise:  # a counterparty sees the deal, not the inventors' rewards
            raise NotFound(f"no income of deal {deal_id} here")
    rows = session.scalars(
        select(DealIncome).where(DealIncome.deal_id == deal.id).order_by(DealIncome.id)
    )
    return [_income_out(session, r) for r in rows]


@router.post(f"{API}/incomes/{{income_id}}/payment", status_code=200)
def pay_income(
    income_id: Id, request: Request, session: Session = Depends(db), who: Actor = Depends(actor)
) -> dict[str, bool]:
    """Pay the inventors' cash reward of one income (idempotent: `paid` false the second time)."""
    with refusals():
        paid = income.pay(session, who, income_id)
        _audit(session, request, who, "income.pay", "income", income_id, {"paid": paid})
        session.commit()
    return {"paid": paid}


@router.post(f"{API}/deals/{{deal_id}}/financings", status_code=201)
def add_financing(
    deal_id: Id, body: s.FinancingIn, request: Request, session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> dict[str, int]:  # fmt: skip
    with refusals():
        row = pilot.record_financing(session, who, deal_id, body.round_name, body.amount_fen,
                                     body.raised_on)  # fmt: skip
    _audit(
        session, request, who, "financing.record", "deal", deal_id, {"amount_fen": body.amount_fen}
    )
    session.commit()
    return {"id": row.id}


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


@router.post(f"{API}/demands", response_model=s.DemandOut, status_code=201)
def post_demand(
    body: s.DemandIn, request: Request, session: Session = Depends(db), who: Actor = Depends(actor)
) -> s.DemandOut:
    with refusals():
        demand = demands.post(session, who, demands.DemandDraft(**body.model_dump()))
    _audit(session, request, who, "demand.post", "demand", demand.id)
    session.commit()
    return s.DemandOut.model_validate(demand)


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
    with refusals():
        return _match_out(demands.match(session, who, demand_id, k, lang))


@router.get(f"{API}/results/{{result_id}}/demands", response_model=list[s.MatchOut])
def match_result(
    result_id: Id, k: int = Query(10, ge=1, le=50), session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> list[s.MatchOut]:  # fmt: skip
    """Open demands that the office's result could answer."""
    with refusals():
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


@router.post(f"{API}/challenges", response_model=s.ChallengeOut, status_code=201)
def post_challenge(
    body: s.ChallengeIn, request: Request, session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> s.ChallengeOut:  # fmt: skip
    with refusals():
        row = challenges.post(session, who, **body.model_dump())
    _audit(session, request, who, "challenge.post", "challenge", row.id)
    session.commit()
    return s.ChallengeOut.model_validate(row)


@router.get(f"{API}/challenges", response_model=list[s.ChallengeOut])
def list_challenges(
    session: Session = Depends(db), who: Actor = Depends(actor)
) -> list[s.ChallengeOut]:
    """Open challenges, and the caller's own in any state."""
    return [s.ChallengeOut.model_validate(c) for c in challenges.list_challenges(session, who)]


@router.post(f"{API}/challenges/{{challenge_id}}/answers", response_model=s.AnswerOut,
             status_code=201)  # fmt: skip
def answer_challenge(
    challenge_id: Id, body: s.AnswerIn, request: Request, session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> s.AnswerOut:  # fmt: skip
    with refusals():
        row = challenges.answer(session, who, challenge_id, **body.model_dump())
    _audit(session, request, who, "challenge.answer", "challenge", challenge_id)
    session.commit()
    return s.AnswerOut.model_validate(row)


@router.get(f"{API}/challenges/{{challenge_id}}/answers", response_model=list[s.AnswerOut])
def list_answers(
    challenge_id: Id, session: Session = Depends(db), who: Actor = Depends(actor)
) -> list[s.AnswerOut]:
    with refusals():
        return [
            s.AnswerOut.model_validate(a) for a in challenges.answers(session, who, challenge_id)
        ]


def _challenge_step(session: Session, request: Request, who: Actor, ident: int, action: str,
                    step: Any) -> s.ChallengeOut:  # fmt: skip
    with refusals():
        row = step()
    _audit(session, request, who, f"challenge.{action}", "challenge", ident, {"state": row.state})
    session.commit()
    return s.ChallengeOut.model_validate(row)


@router.post(f"{API}/challenges/{{challenge_id}}/evaluation", response_model=s.ChallengeOut)
def start_evaluation(
    challenge_id: Id, request: Request, session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> s.ChallengeOut:  # fmt: skip
    """Close the answers and start 阅卷."""
    return _challenge_step(
        session,
        request,
        who,
        challenge_id,
        "evaluate",
        lambda: challenges.start_evaluation(session, who, challenge_id),
    )


@router.post(f"{API}/challenges/{{challenge_id}}/answers/{{answer_id}}/score",
             response_model=s.AnswerOut)  # fmt: skip
def score_answer(
    challenge_id: Id, answer_id: Id, body: s.ScoreIn, request: Request,
    session: Session = Depends(db), who: Actor = Depends(actor),
) -> s.AnswerOut:  # fmt: skip
    with refusals():
        row = challenges.evaluate(session, who, challenge_id, answer_id, body.score, body.comment)
    _audit(session, request, who, "challenge.score", "challenge", challenge_id,
           {"answer": answer_id, "score": body.score})  # fmt: skip
    session.commit()
    return s.AnswerOut.model_validate(row)


@router.post(f"{API}/challenges/{{challenge_id}}/award", response_model=s.ChallengeOut)
def award_challenge(
    challenge_id: Id, body: s.AwardIn, request: Request, session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> s.ChallengeOut:  # fmt: skip
    return _challenge_step(
        session,
        request,
        who,
        challenge_id,
        "award",
        lambda: challenges.award(session, who, challenge_id, body.answer_id),
    )


@router.post(f"{API}/challenges/{{challenge_id}}/close", response_model=s.ChallengeOut)
def close_challenge(
    challenge_id: Id, body: s.ReasonIn, request: Request, session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> s.ChallengeOut:  # fmt: skip
    return _challenge_step(
        session,
        request,
        who,
        challenge_id,
        "close",
        lambda: challenges.close(session, who, challenge_id, body.reason),
    )


# -- pilot ------------------------------------------------------------------------------------


@router.put(f"{API}/pilot-units", status_code=200)
def put_pilot_unit(
    body: s.PilotUnitIn, request: Request, session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> dict[str, str]:  # fmt: skip
    with refusals():
        pilot.set_pilot_unit(session, who, **body.model_dump())
    _audit(session, request, who, "pilot_unit.set", "institution", 0, body.model_dump())
    session.commit()
    return {"institution": body.institution}


@router.get(f"{API}/indicators", response_model=list[s.IndicatorsOut])
def get_indicators(
    year: int | None = Query(None, ge=2000, le=2100), session: Session = Depends(db),
    who: Actor = Depends(actor),
) -> list[s.IndicatorsOut]:  # fmt: skip
    """Pilot indicators per institution and year (an office sees its own institution)."""
    if not (who.reads_all or who.is_office):
        raise ProblemError(403, "indicators are for offices, officers and analysts")
    return [s.IndicatorsOut(**r.as_dict()) for r in pilot.indicators(session, who, year)]


router.include_router(pages.router)
