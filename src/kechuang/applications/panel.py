"""The expert pool and its panels: enrolment, automatic assignment by field without conflicts of
interest, and each expert's answer to an invitation (accept, decline, declare a conflict).

A conflict of interest keeps an expert off a panel when
- the expert's organisation is the applicant (its USCC), or
- the expert's organisation co-applied with the applicant in the last three years (a partner
  named on any of the applicant's applications, or the applicant named on the expert
  organisation's), or
- the expert declared a relationship with the applicant.
Candidates are the available experts whose fields (industry prefixes such as `M73`, or IPC
prefixes written `IPC:G06`) cover the application's field, taken by fewest live assignments
first, then by enrolment.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.applications.flows import APPLICATION, ASSIGNMENT, now
from kechuang.applications.rounds import get as get_round
from kechuang.applications.tables import Application, Assignment, Expert
from kechuang.workflow.errors import Conflict, Invalid
from kechuang.workflow.machines import fire

LIVE = ("invited", "accepted", "submitted")
RECENT_YEARS = 3


def enrol(session: Session, username: str, name: str, org: str, fields: list[str]) -> Expert:
    if session.scalar(select(Expert.id).where(Expert.username == username)) is not None:
        raise Conflict(f"{username} is already in the expert pool", zh=f"{username} 已在专家库中")
    cleaned = sorted({f.strip().upper() for f in fields if f.strip()})
    if not cleaned:
        raise Invalid(
            "an expert needs at least one field (IPC or industry code)",
            "fields",
            zh="专家至少需要一个领域（IPC或行业代码）",
        )
    if not org.strip():
        raise Invalid("an expert needs an organisation", "org", zh="专家须填写所在单位")
    row = Expert(
        username=username,
        name=name or username,
        org=org.strip(),
        fields=cleaned,
        available=True,
        relations=[],
    )
    session.add(row)
    session.flush()
    return row


def conflicts(session: Session, expert: Expert, application: Application) -> list[str]:
    """Why this expert may not judge this application (empty: no conflict)."""
    reasons: list[str] = []
    if expert.org == application.uscc:
        reasons.append("same organisation as the applicant")
    since = now() - dt.timedelta(days=365 * RECENT_YEARS)
    mine = session.scalars(
        select(Application.partners).where(
            Application.uscc == application.uscc, Application.created_at >= since
        )
    )
    theirs = session.scalars(
        select(Application.partners).where(
            Application.uscc == expert.org, Application.created_at >= since
        )
    )
    if (
        expert.org in application.partners
        or any(expert.org in p for p in mine)
        or any(application.uscc in p for p in theirs)
    ):
        reasons.append("recent co-applicant with the applicant")
    if application.uscc in (expert.relations or []):
        reasons.append("declared relationship with the applicant")
    return reasons


def covers(expert: Expert, field: str) -> bool:
    code = field.upper()
    return any(code.startswith(prefix) for prefix in expert.fields)


def live(session: Session, application_id: int) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .where(Assignment.application_id == application_id, Assignment.state.in_(LIVE))
            .order_by(Assignment.id)
        )
    )


def assign(session: Session, application: Application, who: str) -> list[Assignment]:
    """Fill the panel to the round's size; Conflict when the pool cannot."""
    round_ = get_round(session, application.round_id)
    seated = live(session, application.id)
    tried = set(
        session.scalars(
            select(Assignment.expert_id).where(Assignment.application_id == application.id)
        )
    )
    load: dict[int, int] = dict(
        session.execute(  # type: ignore[arg-type]
            select(Assignment.expert_id, func.count())
            .where(Assignment.state.in_(("invited", "accepted")))
            .group_by(Assignment.expert_id)
        ).all()
    )
    pool = session.scalars(select(Expert).where(Expert.available.is_(True)).order_by(Expert.id))
    candidates = [
        e
        for e in pool
        if e.id not in tried
        and covers(e, application.field)
        and not conflicts(session, e, application)
    ]
    candidates.sort(key=lambda e: (load.get(e.id, 0), e.id))
    wanted = round_.panel_size - len(seated)
    if wanted > len(candidates):
        raise Conflict(
            f"the pool has {len(candidates)} available expert(s) without conflict in field "
            f"{application.field or '—'}; {wanted} needed",
            zh=f"专家库中领域 {application.field or '—'} 无利益冲突的可用专家仅 "
            f"{len(candidates)} 名，需要 {wanted} 名",
        )
    added = []
    for expert in candidates[:wanted]:
        row = Assignment(
            application_id=application.id,
            expert_id=expert.id,
            state="invited",
            note="",
            assigned_at=now(),
        )
        session.add(row)
        added.append(row)
    session.flush()
    fire(session, application, APPLICATION, "assign", who, f"{len(added)} expert(s) invited")
    return added


def take(session: Session, assignment: Assignment, who: str) -> None:
    fire(session, assignment, ASSIGNMENT, "take", who)


def decline(session: Session, assignment: Assignment, who: str, reason: str) -> None:
    assignment.note = reason
    fire(session, assignment, ASSIGNMENT, "decline", who, reason)


def declare(session: Session, assignment: Assignment, who: str, relation: str) -> None:
    """The expert declares a conflict: it leaves the panel and the relationship is recorded."""
    if not relation.strip():
        raise Invalid("say what the relationship is", "relation", zh="请说明利益关系")
    expert = session.get(Expert, assignment.expert_id)
    application = session.get(Application, assignment.application_id)
    if expert is not None and application is not None:
        expert.relations = sorted({*(expert.relations or []), application.uscc})
    assignment.note = relation.strip()
    fire(session, assignment, ASSIGNMENT, "declare", who, relation.strip())
