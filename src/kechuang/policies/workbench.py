"""The policy workbench for officers: versions, the editor with live checking, golden cases,
review and publication (pages under /officer/policies, API under /api/v1/policies/versions).

The state-changing steps come from policies.steps (mounted here); this module adds what only
reads: lists, a version with its problems, its YAML (export), history, diff, golden results,
and the live check of a document as it is typed (an htmx fragment, file:line:col at the field).
"""

from __future__ import annotations

import json
import time
from fractions import Fraction
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.domain.panel import FIELDS
from kechuang.domain.text import CleanText
from kechuang.http.fields import Id
from kechuang.http.problems import ProblemError, problem_responses
from kechuang.http.security import db, require
from kechuang.http.steps import mount_steps
from kechuang.http.templating import register_templates, render, template_env
from kechuang.policies import flows, golden, review, service
from kechuang.policies.steps import STEPS, CommentOut, Source, VersionOut, version_out
from kechuang.policies.tables import PolicyEvent
from kechuang.rules import safe_yaml
from kechuang.rules.errors import PolicyError
from kechuang.rules.load import load_policy_text

router = APIRouter(responses=problem_responses(401, 403, 404, 422))
register_templates("kechuang.policies")


def state_label(code: str) -> str:
    """A state or event of a policy version in the page's language."""
    zh, en = flows.NAMES.get(code, (code, code))
    return template_env().globals["tt"](zh, en)  # type: ignore[no-any-return]


template_env().globals["policy_state"] = state_label
OUTCOMES = {
    "eligible": ("符合", "Eligible"),
    "ineligible": ("不符合", "Not eligible"),
    "manual_review": ("待人工审核", "Manual review"),
    "unknown": ("数据不足", "Data missing"),
}
template_env().filters["policy_outcome"] = lambda code: template_env().globals["tt"](
    *OUTCOMES.get(code, (code, code))
)
Readers = require("officer", "admin")
API = "/api/v1/policies/versions"
FACTORS = ("before_factor", "after_factor")

TEMPLATE = """\
id: new-city-reward
version: "1"
title: {zh: 新政策（请修改）, en: "New policy (edit me)"}
issuer: 市科学技术委员会
document_number: 待定
source_url: ""
effective: {from: 2024-01-01, to: null}
mode: automatic

parameters:
  amount:
    label: {zh: 奖励金额, en: "Reward"}
    unit: yuan
    reference: 第三条
    values:
      - {from: 2024-01-01, value: 100000}

conditions:
  - id: section_m
    label: {zh: 属于科学研究和技术服务业, en: "In section M"}
    clause: 第二条
    expr: section(industry_code) == 'M'

benefit:
  label: {zh: 奖励, en: "Reward"}
  clause: 第三条
  amount: amount
  once: per_year
"""


mount_steps(router, STEPS)


class EventOut(BaseModel):
    event: str
    from_state: str | None
    to_state: str
    actor: str
    note: str
    at: Any


class CaseResultOut(BaseModel):
    name: str
    year: int
    expected: str
    passed: bool
    detail: str
    scalar_passed: bool = False
    scalar_got: str = ""
    sql_passed: bool = False
    sql_got: str = ""


class CheckOut(BaseModel):
    ok: bool
    errors: list[dict[str, Any]]
    server_ms: float


def check_text(text: str) -> CheckOut:
    """Validate a document as typed: its first error with line and column, and the time."""
    started = time.perf_counter()
    errors: list[dict[str, Any]] = []
    if len(text) > safe_yaml.MAX_CHARS:
        errors.append({"line": 0, "column": 0, "message": "the document exceeds 1 MiB"})
    else:
        try:
            load_policy_text(text, "draft.yaml")
        except PolicyError as exc:
            errors.append({"line": exc.line, "column": exc.column, "message": exc.message,
                           "text": str(exc)})  # fmt: skip
    return CheckOut(ok=not errors, errors=errors, server_ms=(time.perf_counter() - started) * 1000)


# -- API ----------------------------------------------------------------------------------------


@router.get(API, response_model=list[VersionOut], tags=["policy workbench"])
def versions_api(session: Session = Depends(db), _: Principal = Depends(Readers)) -> Any:
    """Every policy version in the store, drafts included (officers and admins)."""
    return [VersionOut.model_validate(r) for r in service.all_versions(session)]


@router.get(f"{API}/{{version_id}}", response_model=VersionOut, tags=["policy workbench"])
def version_api(
    version_id: Id, session: Session = Depends(db), _: Principal = Depends(Readers)
) -> Any:
    """A version with the problems that stop its submission (drafts)."""
    return version_out(session, service.get(session, version_id))


@router.get(f"{API}/{{version_id}}/yaml", tags=["policy workbench"])
def version_yaml(
    version_id: Id, session: Session = Depends(db), _: Principal = Depends(Readers)
) -> Response:
    """The version's YAML document, exactly as stored (its sha256 is the content hash)."""
    row = service.get(session, version_id)
    return PlainTextResponse(
        row.source,
        media_type="application/yaml",
        headers={
            "Content-Disposition": f'attachment; filename="{row.policy_id}-{row.version}.yaml"'
        },
    )


@router.get(f"{API}/{{version_id}}/history", response_model=list[EventOut],
            tags=["policy workbench"])  # fmt: skip
def history_api(
    version_id: Id, session: Session = Depends(db), _: Principal = Depends(Readers)
) -> Any:
    return [_event(e) for e in service.history(session, service.get(session, version_id))]


@router.get(f"{API}/{{version_id}}/diff", tags=["policy workbench"])
def diff_api(
    version_id: Id, session: Session = Depends(db), _: Principal = Depends(Readers)
) -> Response:
    """A unified diff of the version against the version it would replace."""
    row = service.get(session, version_id)
    return PlainTextResponse(service.diff(service.baseline_of(session, row), row))


@router.get(f"{API}/{{version_id}}/simulation.csv", tags=["policy workbench"])
def simulation_csv(
    version_id: Id, session: Session = Depends(db), _: Principal = Depends(Readers)
) -> Response:
    """The enterprises the latest simulation of the version changes, as CSV."""
    from kechuang.policies import simulation

    row = service.get(session, version_id)
    saved = simulation.latest(session, row)
    if saved is None:
        raise ProblemError(404, f"version {version_id} has not been simulated yet")
    return PlainTextResponse(
        simulation.changes_csv(saved),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="simulation-{saved.id}.csv"'},
    )


@router.get(f"{API}/{{version_id}}/cases", response_model=list[CaseResultOut],
            tags=["policy workbench"])  # fmt: skip
def cases_api(
    version_id: Id, session: Session = Depends(db), _: Principal = Depends(Readers)
) -> Any:
    """The version's golden cases, each run through the scalar evaluator and SQL."""
    return [_case(r) for r in golden.run(session, service.get(session, version_id))]


@router.get(f"{API}/{{version_id}}/comments", response_model=list[CommentOut],
            tags=["policy workbench"])  # fmt: skip
def comments_api(
    version_id: Id, session: Session = Depends(db), _: Principal = Depends(Readers)
) -> Any:
    """The version's review thread in order: comments, answers (`reply_to`), the reasons it was
    sent back, the approval's comment and the resubmissions."""
    return [CommentOut.model_validate(c)
            for c in review.comments_of(session, service.get(session, version_id))]  # fmt: skip


class CheckIn(BaseModel):
    source: CleanText = Source


@router.post("/api/v1/policy-check", response_model=CheckOut, tags=["policy workbench"])
def check_api(body: CheckIn, _: Principal = Depends(Readers)) -> CheckOut:
    """Validate a policy document without storing it: file:line:col errors, server time."""
    return check_text(body.source)


def _event(e: PolicyEvent) -> EventOut:
    return EventOut(event=e.event, from_state=e.from_state, to_state=e.to_state, actor=e.actor,
                    note=e.note, at=e.at)  # fmt: skip


def _case(result: golden.CaseResult) -> CaseResultOut:
    case = result.case
    return CaseResultOut(
        name=case.name, year=case.year, expected=golden.expected_text(case),
        passed=result.passed, detail="" if result.passed else result.describe(),
        scalar_passed=result.path_passed("scalar"), scalar_got=result.got_text("scalar"),
        sql_passed=result.path_passed("sql"), sql_got=result.got_text("sql"),
    )  # fmt: skip


# -- pages ------------------------------------------------------------------------------------


@router.get("/officer/policies", include_in_schema=False)
def workbench_page(
    request: Request, session: Session = Depends(db), _: Principal = Depends(Readers)
) -> Response:
    return render(
        request,
        "workbench.html",
        {"versions": service.all_versions(session), "template": TEMPLATE, "facts": FIELDS},
    )


@router.get("/officer/policies/versions/{version_id}", include_in_schema=False)
def version_page(
    request: Request,
    version_id: Id,
    session: Session = Depends(db),
    _: Principal = Depends(Readers),
) -> Response:
    from kechuang.policies.router import detail

    row = service.get(session, version_id)
    results = golden.run(session, row)
    problems = service.problems(session, row, results) if row.state == "draft" else []
    try:
        policy = service.parse(row)
        preview = detail(policy)
        reads = golden.facts_read(policy)
    except PolicyError:
        preview, reads = None, []
    baseline = service.baseline_of(session, row)
    from kechuang.policies import simulation

    saved = simulation.latest(session, row)
    summary = json.loads(saved.summary) if saved is not None else None
    return render(
        request,
        "workbench_version.html",
        {
            "v": row,
            "problems": problems,
            "preview": preview,
            "cases": [_case(r) for r in results],
            "history": service.history(session, row),
            "threads": review.threads(review.comments_of(session, row)),
            "comment_kinds": review.KINDS,
            "baseline": baseline,
            "diff": service.diff(baseline, row),
            "facts": FIELDS,
            "facts_read": reads,
            "done": request.query_params.get("done"),
            "simulation": summary,
            "factors": [round(float(Fraction(summary[k])), 4) for k in FACTORS] if summary else [],
        },
    )


@router.post("/officer/policies/check", include_in_schema=False)
async def check_fragment(request: Request, _: Principal = Depends(Readers)) -> Response:
    form = await request.form()
    text = form.get("source")
    result = check_text(text if isinstance(text, str) else "")
    return render(request, "_policy_check.html", {"check": result})


from kechuang.policies.authoring_web import router as authoring_router  # noqa: E402

router.include_router(authoring_router)
