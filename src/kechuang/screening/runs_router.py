"""Officer workflow: start a screening run and watch it, review results with explanations,
publish, decide objections, approve (four-eyes), pay, withdraw, export the lists as .xlsx.

A run repeating a live run (same policy, version, year) needs a reason (409 without one); an
eligible enterprise the policy's once scope excludes is shown with the award that holds it.

Starting a run (a background job), the lists and the exports are written here; every other
state-changing step is declared once in kechuang.screening.steps and mounted here as its API
route and its form (`mount_steps`), with the buttons the run page shows (`_steps.html`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from kechuang.accounts import audit
from kechuang.accounts.service import Principal
from kechuang.domain.text import CleanLine, CleanText
from kechuang.enterprises.tables import enterprises
from kechuang.http.fields import Id, Year
from kechuang.http.pagination import Offset, Page, PageParams, page, page_params
from kechuang.http.problems import ProblemError, problem_responses
from kechuang.http.security import client_ip, db, require
from kechuang.http.steps import mount_steps
from kechuang.http.templating import language, register_templates, render
from kechuang.policies import catalogue
from kechuang.rules.policy import ONCE_SCOPE_TEXT, OnceScope
from kechuang.screening.awards import refused
from kechuang.screening.errors import NotFound
from kechuang.screening.jobs import Job, Jobs
from kechuang.screening.schemas import ObjectionOut, RunAwardOut, RunOut, run_out
from kechuang.screening.steps import STEPS

router = APIRouter(responses=problem_responses(401, 403, 404, 422))
register_templates("kechuang.screening")
Officer = require("officer")
Reader = require("officer", "admin")
Outcome = Literal["eligible", "ineligible", "manual_review", "unknown"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RunIn(BaseModel):
    policy_id: CleanLine = Field(min_length=1, max_length=64)
    year: int = Field(ge=1990, le=2100)
    budget_yuan: str | None = Field(None, pattern=r"^[0-9]{1,13}(\.[0-9]{1,2})?$")
    sets: list[CleanLine] = Field(default_factory=list, max_length=20)
    reason: CleanText | None = Field(
        None,
        max_length=2000,
        description="Why another run: required when a live run of this policy version and "
        "year exists (else 409); stored on the run and in its log",
    )


class JobOut(BaseModel):
    id: str
    policy_id: str
    year: int
    stage: str
    done: int
    total: int | None
    run_id: int | None
    error: str | None
    finished: bool


class ExclusionOut(BaseModel):
    """Why an eligible enterprise has no award in this run: its once scope is held."""

    scope_key: str
    held_by_run_id: int
    held_by_award_id: int
    held_state: Literal["live", "paid"]
    reason_zh: str
    reason_en: str


class ResultOut(BaseModel):
    uscc: str
    name: str | None
    district: str | None
    outcome: str
    score: str | None
    benefit_fen: int | None
    unmet: list[str]
    excluded: ExclusionOut | None = None


def _jobs(request: Request) -> Jobs:
    jobs: Jobs | None = getattr(request.app.state, "jobs", None)
    if jobs is None:
        jobs = request.app.state.jobs = Jobs()
    return jobs


def _job_out(job: Job) -> JobOut:
    with job.lock:
        return JobOut(
            id=job.id,
            policy_id=job.policy_id,
            year=job.year,
            stage=job.stage,
            done=job.done,
            total=job.total,
            run_id=job.run_id,
            error=job.error,
            finished=job.finished,
        )


def exclusion_reason(held_state: str, run_id: int) -> tuple[str, str]:
    """The reason an enterprise is excluded, in Chinese and English."""
    if held_state == "paid":
        return (
            f"已在批次 #{run_id} 获拨付，按政策只享受一次",
            f"already paid in run #{run_id}; the policy pays once",
        )
    return (
        f"已在批次 #{run_id} 有在办奖励，按政策只享受一次",
        f"holds a live award in run #{run_id}; the policy pays once",
    )


def _exclusion_out(scope_key: str | None, run_id: int | None, award_id: int | None,
                   state: str | None) -> ExclusionOut | None:  # fmt: skip
    if scope_key is None or run_id is None or award_id is None or state is None:
        return None
    zh, en = exclusion_reason(state, run_id)
    return ExclusionOut(
        scope_key=scope_key,
        held_by_run_id=run_id,
        held_by_award_id=award_id,
        held_state="paid" if state == "paid" else "live",
        reason_zh=zh,
        reason_en=en,
    )


def check_start(request: Request, body: RunIn, who: Principal) -> None:
    """Every check of a start, before a thread starts: 409 for a repeated live run without a
    reason (naming the run it repeats), 422 for a bad override or budget."""
    from kechuang.screening.errors import DuplicateRun, Refused
    from kechuang.screening.runs import plan_start

    with request.app.state.sessionmaker() as session:
        try:
            plan_start(session, body.policy_id, body.year, who.username, body.sets,
                       body.budget_yuan, body.reason)  # fmt: skip
        except DuplicateRun as exc:
            raise DuplicateProblem(exc) from None
        except Refused as exc:
            raise ProblemError(422, str(exc), "bad-run") from None


class DuplicateProblem(ProblemError):
    """409: the run would repeat a live one; the page reads the run it repeats from here."""

    def __init__(self, duplicate: Any) -> None:
        super().__init__(409, str(duplicate), "duplicate-run")
        self.duplicate = duplicate


def start(request: Request, body: RunIn, who: Principal) -> Job:
    catalogue.version(body.policy_id, year=body.year)  # 404 before a thread starts
    check_start(request, body, who)
    engine = request.app.state.engine

    def on_done(job: Job) -> None:
        with request.app.state.sessionmaker() as session:
            audit.record(
                session,
                who.username,
                "run.start",
                "run",
                job.run_id,
                None,
                body.model_dump(),
                client_ip(request),
            )
            session.commit()

    return _jobs(request).start(
        engine,
        body.policy_id,
        body.year,
        who.username,
        body.sets,
        body.budget_yuan,
        on_done,
        body.reason,
    )


@router.post(
    "/api/v1/runs",
    response_model=JobOut,
    status_code=202,
    tags=["runs"],
    responses=problem_responses(409),
)
def start_run_api(request: Request, body: RunIn, who: Principal = Depends(Officer)) -> JobOut:
    """Start screening the stored population with a policy; poll the job for progress."""
    return _job_out(start(request, body, who))


@router.get("/api/v1/jobs/{job_id}", response_model=JobOut, tags=["runs"])
def job_api(request: Request, job_id: str, _: Principal = Depends(Reader)) -> JobOut:
    job = _jobs(request).get(job_id)
    if job is None:
        raise ProblemError(404, f"no job {job_id}")
    return _job_out(job)


@router.get("/api/v1/runs", response_model=Page[RunOut], tags=["runs"])
def list_runs_api(
    request: Request,
    params: PageParams = Depends(page_params),
    session: Session = Depends(db),
    _: Principal = Depends(Reader),
) -> Page[RunOut]:
    from kechuang.screening.tables import ScreeningRun

    total = session.scalar(select(func.count()).select_from(ScreeningRun)) or 0
    ids = session.scalars(
        select(ScreeningRun.id)
        .order_by(ScreeningRun.id.desc())
        .limit(params.limit)
        .offset(params.offset)
    ).all()
    return page(request, [run_out(session, i) for i in ids], total, params)


@router.get("/api/v1/runs/{run_id}", response_model=RunOut, tags=["runs"])
def run_api(run_id: Id, session: Session = Depends(db), _: Principal = Depends(Reader)) -> RunOut:
    return run_out(session, run_id)


def results_query(run_id: int, outcome: str | None, q: str | None, district: str | None) -> Any:
    from kechuang.screening.tables import OnceExclusion as X
    from kechuang.screening.tables import ScreeningResult as R

    query = (
        select(
            R.uscc,
            enterprises.c.name,
            enterprises.c.district,
            R.outcome,
            R.score,
            R.benefit_fen,
            R.unmet,
            X.scope_key,
            X.held_by_run_id,
            X.held_by_award_id,
            X.held_state,
        )
        .outerjoin(enterprises, enterprises.c.uscc == R.uscc)
        .outerjoin(X, (X.run_id == R.run_id) & (X.uscc == R.uscc))
        .where(R.run_id == run_id)
    )
    if outcome:
        query = query.where(R.outcome == outcome)
    if q:
        query = query.where((R.uscc == q.upper()) | enterprises.c.name.contains(q))
    if district:
        query = query.where(enterprises.c.district == district)
    return query


@router.get("/api/v1/runs/{run_id}/results", response_model=Page[ResultOut], tags=["runs"])
def results_api(
    request: Request,
    run_id: Id,
    outcome: Outcome | None = None,
    q: str | None = Query(None, max_length=100),
    district: str | None = Query(None, max_length=6),
    params: PageParams = Depends(page_params),
    session: Session = Depends(db),
    _: Principal = Depends(Reader),
) -> Page[ResultOut]:
    """One row per screened enterprise, filtered by outcome, name/USCC and district."""
    run_out(session, run_id)
    query = results_query(run_id, outcome, q, district)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by("uscc").limit(params.limit).offset(params.offset))
    items = [
        ResultOut(
            uscc=u,
            name=n,
            district=d,
            outcome=o,
            score=s,
            benefit_fen=b,
            unmet=[x for x in (m or "").split(";") if x],
            excluded=_exclusion_out(*held),
        )
        for u, n, d, o, s, b, m, *held in rows
    ]
    return page(request, items, total, params)


@router.get("/api/v1/runs/{run_id}/awards", response_model=Page[RunAwardOut], tags=["runs"])
def awards_api(
    request: Request,
    run_id: Id,
    state: str | None = Query(None, max_length=16),
    params: PageParams = Depends(page_params),
    session: Session = Depends(db),
    _: Principal = Depends(Reader),
) -> Page[RunAwardOut]:
    from kechuang.screening.tables import Award

    run_out(session, run_id)
    where = [Award.run_id == run_id] + ([Award.state == state] if state else [])
    total = session.scalar(select(func.count()).select_from(Award).where(*where)) or 0
    rows = session.scalars(
        select(Award).where(*where).order_by(Award.uscc).limit(params.limit).offset(params.offset)
    )
    items = [
        RunAwardOut(
            id=a.id,
            uscc=a.uscc,
            name=a.name,
            eligible_fen=a.eligible_fen,
            allocated_fen=a.allocated_fen,
            state=a.state,
            paid_at=a.paid_at,
        )
        for a in rows
    ]
    return page(request, items, total, params)


def objections_of(session: Session, run_id: int) -> list[ObjectionOut]:
    from kechuang.screening.tables import Award, Objection

    rows = session.execute(
        select(Objection, Award.uscc)
        .join(Award, Award.id == Objection.award_id)
        .where(Objection.run_id == run_id)
        .order_by(Objection.id)
    ).all()
    return [
        ObjectionOut(
            id=o.id,
            award_id=o.award_id,
            uscc=uscc,
            objector=o.objector_uscc or f"{o.objector_name} ({o.objector_contact})",
            reason=o.reason,
            lodged_on=o.lodged_on,
            decision=o.decision,
            decided_by=o.decided_by,
            decision_reason=o.decision_reason,
        )
        for o, uscc in rows
    ]


@router.get("/api/v1/runs/{run_id}/objections", response_model=Page[ObjectionOut], tags=["runs"])
def objections_api(
    request: Request,
    run_id: Id,
    params: PageParams = Depends(page_params),
    session: Session = Depends(db),
    _: Principal = Depends(Reader),
) -> Page[ObjectionOut]:
    run_out(session, run_id)
    items = objections_of(session, run_id)
    return page(request, items[params.offset : params.offset + params.limit], len(items), params)


# Steps: publish, object, approve, lapse, pay, withdraw, decide, claw back (screening.steps) --

_action_errors = problem_responses(409)
mount_steps(router, STEPS)


@router.get(
    "/api/v1/runs/{run_id}/export/{kind}",
    tags=["runs"],
    response_class=FileResponse,
    responses={200: {"content": {XLSX: {}}, "description": "The list as .xlsx"}, **_action_errors},
)
def export_api(
    request: Request,
    run_id: Id,
    kind: Literal["notice", "payment"],
    session: Session = Depends(db),
    who: Principal = Depends(Reader),
) -> Response:
    """The public notice list (公示名单) or the payment list, as an .xlsx download."""
    from kechuang.screening import export

    work = Path(tempfile.mkdtemp(prefix="kechuang-export-"))
    path = work / f"run-{run_id}-{kind}.xlsx"
    with refused():
        (export.notice_list if kind == "notice" else export.payment_list)(session, run_id, path)
    audit.record(session, who.username, f"run.export_{kind}", "run", run_id, ip=client_ip(request))
    session.commit()

    def cleanup() -> None:
        path.unlink(missing_ok=True)
        work.rmdir()

    return FileResponse(
        path, media_type=XLSX, filename=path.name, background=BackgroundTask(cleanup)
    )


# Pages ---------------------------------------------------------------------------------------


@router.get("/officer/runs", include_in_schema=False)
def runs_page(
    request: Request, session: Session = Depends(db), who: Principal = Depends(Reader)
) -> Response:
    return _runs_page(request, session)


def _runs_page(
    request: Request, session: Session, form: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    from kechuang.screening import budget_check
    from kechuang.screening.tables import ScreeningRun

    ids = session.scalars(select(ScreeningRun.id).order_by(ScreeningRun.id.desc()).limit(100))
    runs = [run_out(session, i) for i in ids]
    # One choice per published version, with exactly the years its effective period covers:
    # the version shown is the version the run uses.
    choices = catalogue.run_choices()
    years = sorted({y for _, covered in choices for y in covered}, reverse=True)
    return render(
        request,
        "runs.html",
        {
            "runs": runs,
            "choices": choices,
            "years": years,
            "form": form or {},
            "budget": budget_check.budget_rows(session),
        },
        status_code=status_code,
    )


@router.post("/officer/runs", include_in_schema=False)
def start_form(
    request: Request,
    policy_id: str = Form(...),
    year: Year = Form(...),
    budget_yuan: str = Form(""),
    reason: str = Form(""),
    session: Session = Depends(db),
    who: Principal = Depends(Officer),
) -> Response:
    form: dict[str, Any] = {"policy_id": policy_id, "year": year, "budget_yuan": budget_yuan,
                            "reason": reason}  # fmt: skip
    # The form names the version it shows (`id@version`): that version must be the one in force
    # in the chosen year, or the run would screen another than the officer saw.
    policy_id, _, shown = policy_id.partition("@")
    if shown:
        try:
            used = catalogue.version(policy_id, year=year).version
        except ProblemError as exc:
            form["error"] = exc.detail
            return _runs_page(request, session, form, 422)
        if used != shown:
            form["error"] = (
                f"{policy_id} v{shown} does not cover {year} (v{used} does): choose that version"
                if language(request) == "en"
                else f"{policy_id} 版本 {shown} 不适用于 {year} 年度（适用版本为 {used}），"
                "请选择该版本"
            )
            return _runs_page(request, session, form, 422)
    try:
        body = RunIn(
            policy_id=policy_id,
            year=year,
            budget_yuan=budget_yuan.strip() or None,
            reason=reason.strip() or None,
        )
        job = start(request, body, who)
    except ValidationError:
        form["error"] = "invalid"
        return _runs_page(request, session, form, 422)
    except DuplicateProblem as exc:
        # The page says which run it repeats, in its own language, and asks for the reason.
        form["duplicate"] = exc.duplicate
        return _runs_page(request, session, form, 409)
    except ProblemError as exc:
        form["error"] = exc.detail
        return _runs_page(request, session, form, exc.status)
    return RedirectResponse(f"/officer/jobs/{job.id}", status_code=303)


@router.get("/officer/jobs/{job_id}", include_in_schema=False)
def job_page(request: Request, job_id: str, who: Principal = Depends(Reader)) -> Response:
    job = _jobs(request).get(job_id)
    if job is None:
        raise ProblemError(404, f"no job {job_id}")
    out = _job_out(job)
    if request.headers.get("hx-request"):
        response = render(request, "_job.html", {"job": out})
        if out.finished and out.run_id and not out.error:
            response.headers["HX-Redirect"] = f"/officer/runs/{out.run_id}"
        return response
    return render(request, "job.html", {"job": out})


@router.get("/officer/runs/{run_id}", include_in_schema=False)
def run_page(
    request: Request,
    run_id: Id,
    outcome: str | None = None,
    q: str | None = None,
    district: str | None = None,
    offset: Offset = 0,
    session: Session = Depends(db),
    who: Principal = Depends(Reader),
) -> Response:
    run = run_out(session, run_id)
    query = results_query(run_id, outcome or None, q or None, district or None)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by("uscc").limit(50).offset(offset)).all()
    from kechuang.domain import district as districts

    return render(
        request,
        "run.html",
        {
            "run": run,
            "rows": rows,
            "total": total,
            "offset": offset,
            "filters": {"outcome": outcome or "", "q": q or "", "district": district or ""},
            "objections": objections_of(session, run_id),
            "awards": _awards_page(session, run_id) if run.state != "screened" else [],
            "districts": sorted(districts.SHANGHAI.items()),
            "message": request.query_params.get("message"),
            "done": request.query_params.get("done"),
            "policy": catalogue.of_run(run.policy_id, run.policy_version, run.year),
            "once_text": ONCE_SCOPE_TEXT[OnceScope(run.once_scope)] if run.once_scope else None,
            "excluded": {
                r.uscc: exclusion_reason(r.held_state, r.held_by_run_id)
                for r in rows
                if r.held_state is not None
            },
        },
    )


def _awards_page(session: Session, run_id: int) -> list[Any]:
    from kechuang.screening.tables import Award

    # Paid and confirmed first: what an officer acts on after approval.
    order = {"paid": 0, "confirmed": 1, "approved": 2}
    awards = session.scalars(select(Award).where(Award.run_id == run_id)).all()
    return sorted(awards, key=lambda a: (order.get(a.state, 3), a.uscc))[:100]


@router.get("/officer/objections/{objection_id}", include_in_schema=False)
def objection_page(
    request: Request,
    objection_id: Id,
    session: Session = Depends(db),
    who: Principal = Depends(Reader),
) -> Response:
    """An objection is shown on its run's page (where a decision's form sends the officer)."""
    from kechuang.screening.tables import Objection

    objection = session.get(Objection, objection_id)
    if objection is None:
        raise NotFound(f"no objection {objection_id}")
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/officer/runs/{objection.run_id}{query}#objections", status_code=303)
