"""Who may read or change which application, as one place of rules.

An enterprise reaches only its own applications (its USCC); an expert only the applications it
is assigned to and has not declined or recused itself from; officers, admins and analysts read
everything and officers and admins act. Anything outside the caller's scope is "not found", so
no caller learns that another party's application exists.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.applications.tables import Application, Assignment, Expert
from kechuang.workflow.errors import NotFound

READERS = ("officer", "admin", "analyst")
OFFICIALS = ("officer", "admin")
LIVE = ("invited", "accepted", "submitted")


def expert_of(session: Session, who: Principal) -> Expert | None:
    if who.role != "expert":
        return None
    return session.scalar(select(Expert).where(Expert.username == who.username))


def assignment_of(session: Session, who: Principal, application_id: int) -> Assignment | None:
    """The caller's live assignment to the application (None for anyone else)."""
    expert = expert_of(session, who)
    if expert is None:
        return None
    return session.scalar(
        select(Assignment).where(
            Assignment.application_id == application_id,
            Assignment.expert_id == expert.id,
            Assignment.state.in_(LIVE),
        )
    )


def application(
    session: Session, who: Principal, application_id: int, *, lock: bool = False
) -> Application:
    """The application if the caller may see it, else NotFound (the two are never told apart)."""
    query = select(Application).where(Application.id == application_id)
    if lock:
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None or not may_see(session, who, row):
        raise NotFound(f"no application {application_id} here", zh=f"没有申报 {application_id}")
    return row


def may_see(session: Session, who: Principal, row: Application) -> bool:
    if who.role in READERS:
        return True
    if who.role == "enterprise":
        return bool(who.uscc) and row.uscc == who.uscc
    if who.role == "expert":
        return assignment_of(session, who, row.id) is not None
    return False


def own_application(session: Session, who: Principal, application_id: int) -> Application:
    """The enterprise's own application, locked for a change (officers may not fill it in)."""
    row = application(session, who, application_id, lock=True)
    if who.role != "enterprise":
        raise NotFound(f"no application {application_id} of yours", zh="这不是您的申报")
    return row
