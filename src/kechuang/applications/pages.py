"""The applications pages (zh first, English with ?lang=en): rounds and the queue, one
application (the form from the policy with its live pre-check, re-run as the enterprise types
without saving (POST /applications/{id}/precheck, an htmx fragment), the officers' review, the
panel and the decision), the multipart upload of evidence, and the expert's own pages.

Every page reads through applications.views, so the pages show exactly what the API shows the
same caller; anything out of scope is a 404 page.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kechuang.accounts.service import Principal
from kechuang.applications import access, attachments, live, rounds, views
from kechuang.applications.flows import APPLICATION_NAMES, ASSIGNMENT_NAMES, MILESTONE_NAMES
from kechuang.applications.schemas import AttachIn
from kechuang.applications.steps import STEPS
from kechuang.applications.tables import Attachment, Milestone
from kechuang.http.fields import Id
from kechuang.http.security import authenticated, db
from kechuang.http.steps import actor_of
from kechuang.http.templating import language, render, template_env
from kechuang.workflow.errors import Invalid, NotFound
from kechuang.workflow.steps import perform

router = APIRouter(include_in_schema=False)
STATUS_NAMES = {
    "met": ("满足", "met"),
    "unmet": ("不满足", "unmet"),
    "unknown": ("未知", "unknown"),
    "manual_review": ("待专家评审", "expert review"),
    "granted": ("通过", "granted"),
    "refused": ("未通过", "refused"),
}
NAMES = {**MILESTONE_NAMES, **ASSIGNMENT_NAMES, **APPLICATION_NAMES, **STATUS_NAMES}
SEAT_NAMES = {**NAMES, **ASSIGNMENT_NAMES}  # an expert seat's own states first


def _name(code: str | None, lang: str, kind: str | None = None) -> str:
    """A code's label; `kind="assignment"` reads an expert seat's states first (an assignment's
    `submitted` is 已提交评分, an application's is 已提交)."""
    if code is None:
        return "—"
    pair = (SEAT_NAMES if kind == "assignment" else NAMES).get(str(code))
    return str(code) if pair is None else pair[lang == "en"]


template_env().globals["app_name"] = _name


@router.get("/applications", response_class=HTMLResponse)
def index(
    request: Request, session: Session = Depends(db), who: Principal = Depends(authenticated)
) -> Response:
    return render(
        request,
        "applications_index.html",
        {
            "rounds": rounds.listing(session),
            "applications": views.listing(session, who),
        },
    )


@router.get("/applications/new", include_in_schema=False)
def new_for_policy(
    policy: str, session: Session = Depends(db), _: Principal = Depends(authenticated)
) -> Response:
    """Where a policy page's "在线申报" link lands: the policy's open round (the latest), or the
    list of rounds when none is open for it now."""
    open_rounds = [
        r for r in rounds.listing(session) if r.policy_id == policy and r.state == "open"
    ]
    if not open_rounds:
        return RedirectResponse(f"/applications?policy={quote(policy)}", status_code=303)
    return RedirectResponse(f"/applications/rounds/{open_rounds[-1].id}", status_code=303)


@router.get("/applications/rounds/{round_id}", response_class=HTMLResponse)
def round_page(
    round_id: Id,
    request: Request,
    session: Session = Depends(db),
    who: Principal = Depends(authenticated),
) -> Response:
    round_ = rounds.get(session, round_id)
    return render(
        request,
        "applications_round.html",
        {
            "round": round_,
            "policy": rounds.policy_of(round_),
            "sheet": rounds.items(round_),
        },
    )


@router.get("/applications/milestones/{milestone_id}", include_in_schema=False)
def milestone_page(
    milestone_id: Id,
    request: Request,
    session: Session = Depends(db),
    who: Principal = Depends(authenticated),
) -> Response:
    """A milestone is shown in its application's plan: go there (after the same access check)."""
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound(f"no milestone {milestone_id}", zh=f"没有里程碑 {milestone_id}")
    views.view(session, who, milestone.application_id)
    query = f"?{request.url.query}" if request.url.query else ""
    target = f"/applications/{milestone.application_id}{query}#milestone-{milestone.seq}"
    return RedirectResponse(target, status_code=303)


@router.get("/applications/{application_id}", response_class=HTMLResponse)
def application_page(
    application_id: Id,
    request: Request,
    session: Session = Depends(db),
    who: Principal = Depends(authenticated),
) -> Response:
    v = views.view(session, who, application_id)
    return render(
        request,
        "applications_detail.html",
        {
            "v": v,
            "a": v.application,
            "check": v.check,
            "max_bytes": attachments.MAX_BYTES,
            "done": request.query_params.get("done"),
        },
    )


@router.post("/applications/{application_id}/precheck", response_class=HTMLResponse)
async def live_precheck(
    application_id: Id,
    request: Request,
    session: Session = Depends(db),
    who: Principal = Depends(authenticated),
) -> Response:
    """The pre-check again with the values being typed in one of the forms (nothing saved):
    the `#precheck` section, which htmx swaps in as the enterprise types."""
    form = await request.form()
    result = await run_in_threadpool(
        live.run, session, who, application_id, dict(form), language(request)
    )
    return render(request, "_precheck.html", {"check": result.check, "live": result})


ATTACH = next(step for step in STEPS if step.name == "application.attach")


@router.post("/applications/{application_id}/upload")
async def upload(
    application_id: Id,
    request: Request,
    requirement: str = Form(max_length=64),
    file: UploadFile = File(),
    session: Session = Depends(db),
    who: Principal = Depends(authenticated),
) -> Response:
    """The page's file form: the same `application.attach` step as the API, from a multipart
    upload (read up to one byte over the limit, so an oversized file is refused whole)."""
    content = await file.read(attachments.MAX_BYTES + 1)
    if len(content) > attachments.MAX_BYTES:
        raise attachments.refuse(
            f"the file is over {attachments.MAX_BYTES:,} bytes",
            f"文件超过 {attachments.MAX_BYTES:,} 字节的上限",
        )
    if not content:
        raise attachments.refuse("the file is empty", "文件为空")
    try:
        data = AttachIn(
            requirement=requirement,
            file_name=file.filename or "upload",
            media_type=file.content_type or "",
            content_base64=base64.b64encode(content).decode(),
        )
    except ValueError as exc:
        raise Invalid(str(exc), "file") from None
    from starlette.concurrency import run_in_threadpool

    actor = actor_of(request, who, "form")
    await run_in_threadpool(
        perform, session, ATTACH, actor, {"application_id": application_id}, data
    )
    return RedirectResponse(
        f"/applications/{application_id}?done=application.attach", status_code=303
    )


@router.get("/applications/{application_id}/attachments/{attachment_id}")
def download(
    application_id: Id,
    attachment_id: Id,
    session: Session = Depends(db),
    who: Principal = Depends(authenticated),
) -> Response:
    """One evidence file, to whoever may see the application (its enterprise, its panel,
    officers): served as a download of its checked type, never rendered in the page."""
    access.application(session, who, application_id)
    row = session.get(Attachment, attachment_id)
    if row is None or row.application_id != application_id:
        raise NotFound(f"no attachment {attachment_id} here", zh="没有该附件")
    quoted = quote(row.file_name)
    return Response(
        row.content,
        media_type=row.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quoted}",
            "X-Content-Type-Options": "nosniff",
            "X-Checksum-SHA256": row.sha256,
        },
    )


@router.get("/expert", response_class=HTMLResponse)
def expert_index(
    request: Request, session: Session = Depends(db), who: Principal = Depends(authenticated)
) -> Response:
    return render(
        request,
        "applications_expert.html",
        {"seats": views.my_assignments(session, who), "expert": access.expert_of(session, who)},
    )


@router.get("/expert/assignments/{assignment_id}", response_class=HTMLResponse)
def expert_assignment(
    assignment_id: Id,
    request: Request,
    session: Session = Depends(db),
    who: Principal = Depends(authenticated),
) -> Response:
    seat = views.own_assignment(session, who, assignment_id)
    context: dict[str, Any] = {"seat": seat, "v": None}
    if seat.state in ("invited", "accepted", "submitted"):
        context["v"] = views.view(session, who, seat.application_id)
    else:
        context["sheet"] = []
    return render(request, "applications_assignment.html", context)
