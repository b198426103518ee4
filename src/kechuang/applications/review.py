"""Formal review (形式审查): an officer returns an application with reasons, or accepts it.

A returned application gets a deadline to resubmit counted in working days; the submitted
version it was returned from keeps the reasons, and the next submission is a new version.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.applications.flows import APPLICATION
from kechuang.applications.tables import Application, Version
from kechuang.domain.workdays import add_working_days
from kechuang.workflow.errors import Invalid
from kechuang.workflow.machines import fire

RESUBMIT_WORKING_DAYS = 5


def send_back(
    session: Session, application: Application, who: str, reasons: str, today: dt.date
) -> Application:
    if not reasons.strip():
        raise Invalid(
            "returning an application needs the reasons", "reasons", zh="退回申报须写明理由"
        )
    fire(session, application, APPLICATION, "send_back", who, reasons.strip())
    version = session.scalar(
        select(Version).where(
            Version.application_id == application.id, Version.version == application.version
        )
    )
    if version is not None:
        version.returned_reasons = reasons.strip()
    application.resubmit_by = add_working_days(today, RESUBMIT_WORKING_DAYS).day
    return application


def accept(session: Session, application: Application, who: str) -> Application:
    fire(session, application, APPLICATION, "accept", who)
    application.resubmit_by = None
    return application


def versions(session: Session, application_id: int) -> list[Version]:
    return list(
        session.scalars(
            select(Version)
            .where(Version.application_id == application_id)
            .order_by(Version.version)
        )
    )
