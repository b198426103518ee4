"""The audit log: one append-only row per state change (who, when, what, before and after)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.accounts.tables import AuditEntry


def record(
    session: Session,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str = "",
) -> AuditEntry:
    """Add an audit row in the caller's transaction: it commits with the change or not at all."""
    entry = AuditEntry(
        at=dt.datetime.now(dt.UTC),
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        before=before,
        after=after,
        ip=ip,
    )
    session.add(entry)
    return entry


def entries(session: Session, limit: int, offset: int) -> tuple[int, list[AuditEntry]]:
    total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    rows = session.scalars(
        select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    ).all()
    return total, list(rows)
