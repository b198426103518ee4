"""An enterprise's verdict on a policy from its stored facts (its latest year), for the
subscription messages; None when it has no facts."""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from kechuang.enterprises import facts
from kechuang.policies import catalogue
from kechuang.rules.policy import Policy
from kechuang.rules.scalar import evaluate
from kechuang.rules.verdict import Verdict
from kechuang.screening.tables import ScreeningRun


def verdict_on_facts(conn: Connection, uscc: str, policy: Policy) -> Verdict | None:
    years = facts.years(conn, uscc)
    if not years:
        return None
    year = years[-1]
    history = facts.history(conn, uscc, year - policy.history_years, year)
    return evaluate(policy, history, year)


def current_policies(year: int) -> list[Policy]:
    """The pack's policies in force this year or last, one per version."""
    seen: dict[tuple[str, str], Policy] = {}
    for y in (year - 1, year):
        for p in catalogue.in_force(y):
            seen.setdefault((p.id, p.version), p)
    return list(seen.values())


def published_runs(session: Session) -> list[ScreeningRun]:
    """Every run that has been put on public notice."""
    return list(session.scalars(select(ScreeningRun).where(ScreeningRun.published_on.is_not(None))))


def policy_of(run: ScreeningRun) -> Policy | None:
    from kechuang.policies.source import current_pack

    try:
        return current_pack().get(run.policy_id, run.year)
    except LookupError:
        return None
