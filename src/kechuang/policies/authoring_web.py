"""The form tab of a draft (pages) and the live check of one expression field (page and API).

A section's form posts its flat fields to `/officer/policies/versions/{id}/sections/{section}`;
they become the section's document keys (policies.authoring.from_form) and the declared step
`policy-version.section` is taken with them, exactly as its API route and CLI command take it
(role, state, revision check, audit row). The live check parses one expression in the context
of the stored draft: `/officer/policies/versions/{id}/check-expression` (an htmx fragment) and
`POST /api/v1/policy-check/expression` (JSON, with the document's text).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kechuang.accounts.service import Principal
from kechuang.domain.text import CleanLine, CleanText
from kechuang.http.fields import Id
from kechuang.http.i18n import LANG_COOKIE, pick_language
from kechuang.http.problems import ProblemError
from kechuang.http.security import db, require
from kechuang.http.steps import actor_of, describe
from kechuang.http.templating import language, render, template_env
from kechuang.policies import authoring, service
from kechuang.policies.steps import STEPS, SectionIn, Source
from kechuang.workflow.errors import Invalid
from kechuang.workflow.steps import perform

router = APIRouter()
Readers = require("officer", "admin")
SECTION_STEP = next(step for step in STEPS if step.name == "policy-version.section")
PAGE = "/officer/policies/versions/{version_id}"

template_env().globals["authoring_view"] = authoring.view
template_env().globals["authoring_shown"] = authoring.shown


class ExpressionCheckIn(BaseModel):
    source: CleanText = Source
    expression: CleanText = Field(max_length=4000)
    kind: CleanLine = Field(max_length=20, description=", ".join(authoring.KINDS))
    own: CleanLine | None = Field(None, max_length=64)


class OfferOut(BaseModel):
    name: str
    label_zh: str
    label_en: str


class ExpressionCheckOut(BaseModel):
    ok: bool
    line: int
    column: int
    message: str
    suggestion: str | None
    unknown: str | None
    offers: list[OfferOut]
    server_ms: float


def _out(check: authoring.FieldCheck) -> ExpressionCheckOut:
    return ExpressionCheckOut(
        ok=check.ok, line=check.line, column=check.column, message=check.message,
        suggestion=check.suggestion, unknown=check.unknown,
        offers=[OfferOut(name=o.name, label_zh=o.label_zh, label_en=o.label_en)
                for o in check.offers],
        server_ms=check.server_ms,
    )  # fmt: skip


@router.post("/api/v1/policy-check/expression", response_model=ExpressionCheckOut,
             tags=["policy workbench"])  # fmt: skip
def check_expression_api(body: ExpressionCheckIn, _: Principal = Depends(Readers)) -> Any:
    """Check one expression as a field of a document: the error at line:column of the
    expression, the parser's suggestion, the data contract's facts close to an unknown name."""
    return _out(authoring.check_field(body.source, body.expression, body.kind, body.own))


def _whole(text: str) -> int | str:
    return int(text) if text.isascii() and text.isdigit() else text


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@router.post(PAGE + "/check-expression", include_in_schema=False)
async def check_expression_fragment(
    request: Request,
    version_id: Id,
    session: Session = Depends(db),
    _: Principal = Depends(Readers),
) -> Response:
    form = await request.form()
    name = _text(form, "field")
    row = service.get(session, version_id)
    check = authoring.check_field(
        row.source, _text(form, name)[:4000], _text(form, "kind"), _text(form, "own") or None
    )
    return render(request, "_authoring_check.html", {"check": check, "field": name})


@router.post(PAGE + "/sections/{section}", include_in_schema=False)
async def section_form(
    request: Request,
    version_id: Id,
    section: str,
    session: Session = Depends(db),
    who: Principal = Depends(Readers),
) -> Response:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if section not in authoring.SECTIONS:
        raise Invalid(f"no section {section!r}", field="section", zh=f"没有“{section}”这一部分")
    try:
        content = authoring.from_form(section, fields)
        revision = _whole(fields.get("revision", ""))
        data = SectionIn.model_validate(
            {"section": section, "content": content, "revision": revision}
        )
    except ValidationError as exc:
        lang = pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))
        raise ProblemError(422, describe(exc, lang), "validation") from None
    actor = actor_of(request, who, "form")
    await run_in_threadpool(perform, session, SECTION_STEP, actor, {"version_id": version_id},
                            data)  # fmt: skip
    lang = "&lang=en" if language(request) == "en" and request.query_params.get("lang") else ""
    target = PAGE.format(version_id=version_id)
    return RedirectResponse(
        f"{target}?tab=form&done={SECTION_STEP.name}{lang}#form-{section}", status_code=303
    )
