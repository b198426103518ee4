"""What each reader may see of an application, computed once for the API and the pages.

Blindness: an expert sees its own sheet and nothing of the others'; the panel's aggregate and
each expert's marks exist for officers only once the panel is closed; the enterprise sees the
decision (the final score and its clause-by-clause explanation) only once it is published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.applications import access, panel, precheck, review, scoring
from kechuang.applications.rounds import Item, items
from kechuang.applications.rounds import get as get_round
from kechuang.applications.tables import (
    Application,
    Assignment,
    Attachment,
    Certificate,
    Expert,
    Milestone,
    Round,
    Version,
)
from kechuang.workflow.errors import NotFound

PUBLIC = ("published", "decided")
CLOSED = ("scored", "published", "decided")


@dataclass
class Seat:
    """One panel seat as an officer sees it after the panel closed (before: state only)."""

    assignment: Assignment
    expert: Expert
    marks: dict[str, Any] = field(default_factory=dict)  # item -> Score (closed panels only)
    total: int | None = None
    outlier: bool = False


@dataclass
class ApplicationView:
    application: Application
    round: Round
    check: precheck.Precheck | None
    sheet: list[Item]
    attachments: list[Attachment]
    milestones: list[Milestone]
    versions: list[Version]
    seats: list[Seat]
    own: Assignment | None  # the caller's own seat (an expert)
    own_scores: dict[str, Any]
    decision: dict[str, Any] | None  # None: not visible to this caller yet
    certificate: Certificate | None


def view(session: Session, who: Principal, application_id: int) -> ApplicationView:
    application = access.application(session, who, application_id)
    round_ = get_round(session, application.round_id)
    officer = who.role in access.READERS
    own = access.assignment_of(session, who, application.id)
    check = precheck.run(session, application, round_)
    seats: list[Seat] = []
    if officer:
        for a in session.scalars(
            select(Assignment)
            .where(Assignment.application_id == application.id)
            .order_by(Assignment.id)
        ):
            expert = session.get(Expert, a.expert_id)
            assert expert is not None
            seats.append(Seat(a, expert))
        if application.state in CLOSED:
            outliers = set(application.decision.get("outliers", []))
            for seat in seats:
                if seat.assignment.state == "submitted":
                    seat.marks = scoring.own_scores(session, seat.assignment)
                    seat.total = sum(
                        m.points
                        for i, m in seat.marks.items()
                        if not any(x.id == i and x.judgement for x in items(round_))
                    )
                    seat.outlier = seat.assignment.id in outliers
    visible = officer and application.state in CLOSED
    visible = visible or (who.role == "enterprise" and application.state in PUBLIC)
    return ApplicationView(
        application=application,
        round=round_,
        check=check,
        sheet=items(round_),
        attachments=list(
            session.scalars(
                select(Attachment)
                .where(Attachment.application_id == application.id)
                .order_by(Attachment.id)
            )
        ),
        milestones=list(
            session.scalars(
                select(Milestone)
                .where(Milestone.application_id == application.id)
                .order_by(Milestone.seq)
            )
        ),
        versions=review.versions(session, application.id) if who.role != "expert" else [],
        seats=seats,
        own=own,
        own_scores=scoring.own_scores(session, own) if own is not None else {},
        decision=application.decision if visible and application.decision else None,
        certificate=session.scalar(
            select(Certificate).where(Certificate.application_id == application.id)
        ),
    )


def listing(session: Session, who: Principal, state: str | None = None) -> list[Application]:
    query = select(Application).order_by(Application.id)
    if state:
        query = query.where(Application.state == state)
    if who.role in access.READERS:
        return list(session.scalars(query))
    if who.role == "enterprise" and who.uscc:
        return list(session.scalars(query.where(Application.uscc == who.uscc)))
    return []


def my_assignments(session: Session, who: Principal) -> list[tuple[Assignment, Application]]:
    expert = access.expert_of(session, who)
    if expert is None:
        return []
    rows = session.execute(
        select(Assignment, Application)
        .join(Application, Application.id == Assignment.application_id)
        .where(Assignment.expert_id == expert.id)
        .order_by(Assignment.id)
    )
    return [(a, app) for a, app in rows.tuples()]


def own_assignment(session: Session, who: Principal, assignment_id: int) -> Assignment:
    expert = access.expert_of(session, who)
    row = session.get(Assignment, assignment_id)
    if row is None or expert is None or row.expert_id != expert.id:
        raise NotFound(f"no assignment {assignment_id} of yours", zh="没有该评审任务")
    return row


def conflicts_of(session: Session, application: Application) -> dict[int, list[str]]:
    """Each pool member's conflicts with the application (officers' view of the exclusions)."""
    return {
        e.id: panel.conflicts(session, e, application)
        for e in session.scalars(select(Expert).order_by(Expert.id))
    }
