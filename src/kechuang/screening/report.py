"""Reading runs back: the list of runs, one run's report (who got what, who was excluded by the
once scope) and its transition log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.screening.errors import NotFound
from kechuang.screening.tables import (
    Award,
    Objection,
    OnceExclusion,
    ScreeningRun,
    WorkflowEvent,
)


@dataclass(frozen=True)
class RunReport:
    run: ScreeningRun
    awards: list[Award]
    by_state: dict[str, tuple[int, int]]  # state -> (awards, allocated fen)
    objections: list[Objection]
    events: list[WorkflowEvent]
    excluded: int  # eligible enterprises given no award: their once scope was held


def list_runs(session: Session) -> list[ScreeningRun]:
    return list(session.scalars(select(ScreeningRun).order_by(ScreeningRun.id)))


def run_report(session: Session, run_id: int) -> RunReport:
    run = session.get(ScreeningRun, run_id)
    if run is None:
        raise NotFound(f"no screening run {run_id}")
    awards = list(session.scalars(select(Award).where(Award.run_id == run_id).order_by(Award.uscc)))
    by_state = {
        state: (int(n), int(total))
        for state, n, total in session.execute(
            select(Award.state, func.count(), func.coalesce(func.sum(Award.allocated_fen), 0))
            .where(Award.run_id == run_id)
            .group_by(Award.state)
        )
    }
    objections = list(
        session.scalars(select(Objection).where(Objection.run_id == run_id).order_by(Objection.id))
    )
    events = list(
        session.scalars(
            select(WorkflowEvent).where(WorkflowEvent.run_id == run_id).order_by(WorkflowEvent.id)
        )
    )
    excluded = session.scalar(
        select(func.count()).select_from(OnceExclusion).where(OnceExclusion.run_id == run_id)
    )
    return RunReport(run, awards, by_state, objections, events, int(excluded or 0))
