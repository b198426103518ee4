"""An enterprise's objections as it sees them: what it filed, where each stands, the officer's
decision with the reason, and the effect on the notice list."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.http.fields import Instant
from kechuang.screening.tables import Award, Objection, ScreeningRun


class ObjectionStatus(BaseModel):
    id: int
    run_id: int
    policy_id: str
    year: int
    against_uscc: str
    against_name: str
    reason: str
    lodged_on: dt.date
    status: str  # filed | upheld | rejected
    decided_at: Instant | None
    decision_reason: str | None
    effect_zh: str
    effect_en: str
    award_state: str


def _effect(objection: Objection, award: Award) -> tuple[str, str]:
    if objection.decision is None:
        return ("待核查，公示期内作出处理", "Under examination; decided within the notice period")
    if objection.decision == "upheld":
        return ("异议成立：该拟奖励已撤销", "Upheld: the proposed award is withdrawn")
    return ("异议不成立：公示名单不变", "Rejected: the notice list stands")


def filed_by(session: Session, uscc: str) -> list[ObjectionStatus]:
    """The objections `uscc` filed, newest first."""
    rows = session.execute(
        select(Objection, Award, ScreeningRun)
        .join(Award, Award.id == Objection.award_id)
        .join(ScreeningRun, ScreeningRun.id == Objection.run_id)
        .where(Objection.objector_uscc == uscc)
        .order_by(Objection.id.desc())
    ).all()
    out = []
    for objection, award, run in rows:
        zh, en = _effect(objection, award)
        out.append(
            ObjectionStatus(
                id=objection.id,
                run_id=run.id,
                policy_id=run.policy_id,
                year=run.year,
                against_uscc=award.uscc,
                against_name=award.name,
                reason=objection.reason,
                lodged_on=objection.lodged_on,
                status=objection.decision or "filed",
                decided_at=objection.decided_at,
                decision_reason=objection.decision_reason,
                effect_zh=zh,
                effect_en=en,
                award_state=award.state,
            )
        )
    return out
