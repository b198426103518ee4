"""The applications API under /api/v1/applications: the steps (applications.steps) and the
reading routes, each scoped by applications.access (anything out of scope answers 404), and
the pages (applications.pages)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.applications import pages, rounds, views
from kechuang.applications import schemas as s
from kechuang.applications.steps import API, STEPS
from kechuang.http.fields import Id
from kechuang.http.problems import problem_responses
from kechuang.http.security import authenticated, db
from kechuang.http.steps import mount_steps
from kechuang.http.templating import register_templates

router = APIRouter(tags=["applications"], responses=problem_responses(401, 403, 404, 409, 422))
register_templates("kechuang.applications")


class MissingOut(BaseModel):
    what: str
    key: str
    zh: str
    en: str


class ConditionOut(BaseModel):
    id: str
    clause: str
    status: str | None


class DetailOut(s.ApplicationOut):
    missing: list[MissingOut]
    conditions: list[ConditionOut]
    attachments: list[s.AttachmentOut]
    milestones: list[s.MilestoneOut]
    versions: list[int]
    decision: dict[str, Any] | None
    certificate: str | None


class SeatOut(BaseModel):
    assignment_id: int
    expert: str
    state: str
    marks: dict[str, int] | None
    total: int | None
    outlier: bool


class SheetOut(BaseModel):
    assignment: s.AssignmentOut
    scores: list[s.ScoreOut]


@router.get(f"{API}/rounds", response_model=list[s.RoundOut])
def list_rounds(
    session: Session = Depends(db), who: Principal = Depends(authenticated)
) -> list[Any]:
    """The rounds (open and closed): public to every signed-in caller."""
    return [s.RoundOut.model_validate(r) for r in rounds.listing(session)]


@router.get(f"{API}", response_model=list[s.ApplicationOut])
def list_applications(
    state: str | None = Query(None, max_length=16),
    session: Session = Depends(db),
    who: Principal = Depends(authenticated),
) -> list[Any]:
    """An enterprise's own applications; officers and analysts: all (the review queue)."""
    return [_out(who, a) for a in views.listing(session, who, state)]


def _out(who: Principal, application: Any) -> s.ApplicationOut:
    out = s.ApplicationOut.model_validate(application)
    hidden = application.state not in (
        views.CLOSED if who.role in ("officer", "admin", "analyst") else views.PUBLIC
    )
    if hidden:
        out.outcome, out.final_score = None, None
    return out


@router.get(f"{API}/assignments", response_model=list[s.AssignmentOut])
def list_assignments(
    session: Session = Depends(db), who: Principal = Depends(authenticated)
) -> list[Any]:
    """The caller's own panel seats (experts)."""
    return [s.AssignmentOut.model_validate(a) for a, _ in views.my_assignments(session, who)]


@router.get(f"{API}/assignments/{{assignment_id}}/scores", response_model=SheetOut)
def own_sheet(
    assignment_id: Id, session: Session = Depends(db), who: Principal = Depends(authenticated)
) -> SheetOut:
    """The caller's own score sheet: never another expert's."""
    from kechuang.applications import scoring

    row = views.own_assignment(session, who, assignment_id)
    scores = scoring.own_scores(session, row)
    return SheetOut(
        assignment=s.AssignmentOut.model_validate(row),
        scores=[s.ScoreOut.model_validate(v) for v in scores.values()],
    )


@router.get(f"{API}/{{application_id}}", response_model=DetailOut)
def detail(
    application_id: Id, session: Session = Depends(db), who: Principal = Depends(authenticated)
) -> DetailOut:
    """One application with its pre-check, files, milestones and versions; the decision only
    once the caller may see it (officers: panel closed; the enterprise: published)."""
    v = views.view(session, who, application_id)
    verdict = v.check.verdict if v.check else None
    return DetailOut(
        **_out(who, v.application).model_dump(),
        missing=[MissingOut(**m.__dict__) for m in (v.check.missing if v.check else [])],
        conditions=[
            ConditionOut(id=c.id, clause=c.clause, status=c.status)
            for c in (verdict.conditions if verdict else [])
        ],
        attachments=[s.AttachmentOut.model_validate(a) for a in v.attachments],
        milestones=[s.MilestoneOut.model_validate(m) for m in v.milestones],
        versions=[x.version for x in v.versions],
        decision=v.decision,
        certificate=v.certificate.number if v.certificate else None,
    )


@router.get(f"{API}/{{application_id}}/panel", response_model=list[SeatOut])
def panel_seats(
    application_id: Id, session: Session = Depends(db), who: Principal = Depends(authenticated)
) -> list[SeatOut]:
    """The panel for officers: who sits and their state; the marks only after it closed."""
    v = views.view(session, who, application_id)
    return [
        SeatOut(
            assignment_id=seat.assignment.id,
            expert=seat.expert.name,
            state=seat.assignment.state,
            marks={k: m.points for k, m in seat.marks.items()} if seat.marks else None,
            total=seat.total,
            outlier=seat.outlier,
        )
        for seat in v.seats
    ]


mount_steps(router, STEPS)
router.include_router(pages.router)
