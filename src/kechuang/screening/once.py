"""Paying once per enterprise within a policy's once scope, across runs (GLOSSARY: once_scope).

A run of a paying policy records its scope key (`Policy.once_scope_key`: "ever", "year:2024",
"period:2024-01-01"). Each award it creates takes a claim on (policy, enterprise, key) in the
transaction that creates it; the claim follows the award (`follow`, called by `workflow.fire`):
live while the award may still be paid, paid when it is, released when it ends with no money
kept. The partial unique index on held claims (tables.OnceClaim) is the rule: the database
refuses a second live-or-paid claim in a scope, on SQLite and PostgreSQL, under any timing.

So an enterprise whose scope is held (paid, or live in another run) is excluded from a later
run's awards (`held`, an exclusion row says by whom), and a payment whose award holds no claim
(a duplicate stored before this rule existed) must win the claim in its own transaction
(`settle`) or is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kechuang.screening.tables import (
    HELD_CLAIM_STATES,
    Award,
    OnceClaim,
    OnceExclusion,
    ScreeningRun,
)

LIVE_AWARD_STATES = ("proposed", "approved", "confirmed")
INSERT_ROWS = 10_000


def claim_state(award_state: str) -> str:
    """The state of the claim of an award in `award_state`."""
    if award_state in LIVE_AWARD_STATES:
        return "live"
    return "paid" if award_state == "paid" else "released"


@dataclass(frozen=True)
class Holder:
    """The award that holds an enterprise's scope: its id, run and claim state (live | paid)."""

    award_id: int
    run_id: int
    state: str


def held(session: Session, policy_id: str, scope_key: str) -> dict[str, Holder]:
    """Every enterprise whose scope of this policy is held now, with the award holding it."""
    rows = session.execute(
        select(OnceClaim.uscc, OnceClaim.award_id, OnceClaim.run_id, OnceClaim.state).where(
            OnceClaim.policy_id == policy_id,
            OnceClaim.scope_key == scope_key,
            OnceClaim.state.in_(HELD_CLAIM_STATES),
        )
    )
    return {uscc: Holder(award_id, run_id, state) for uscc, award_id, run_id, state in rows}


def claim_awards(session: Session, run: ScreeningRun) -> None:
    """A live claim for every award of the run (just inserted, in the same transaction).

    Raises IntegrityError if another transaction holds one of the scopes (the caller retries
    with the holders it can now see).
    """
    if run.scope_key is None:
        return
    now = dt.datetime.now(dt.UTC)
    # USCC order: two runs claiming the same enterprises wait on each other in one order.
    awards = session.execute(
        select(Award.id, Award.uscc).where(Award.run_id == run.id).order_by(Award.uscc)
    ).all()
    rows = [
        {"award_id": award_id, "run_id": run.id, "policy_id": run.policy_id, "uscc": uscc,
         "scope_key": run.scope_key, "state": "live", "claimed_at": now, "changed_at": now}
        for award_id, uscc in awards
    ]  # fmt: skip
    for start in range(0, len(rows), INSERT_ROWS):
        session.execute(insert(OnceClaim), rows[start : start + INSERT_ROWS])


def exclude(
    session: Session,
    run: ScreeningRun,
    excluded: Iterable[tuple[str, int]],
    holders: dict[str, Holder],
) -> int:
    """Record the eligible enterprises (uscc, eligible fen) the run gives no award; how many."""
    assert run.scope_key is not None
    rows = [
        {"run_id": run.id, "uscc": uscc, "scope_key": run.scope_key,
         "held_by_award_id": holders[uscc].award_id, "held_by_run_id": holders[uscc].run_id,
         "held_state": holders[uscc].state, "eligible_fen": fen}
        for uscc, fen in excluded
    ]  # fmt: skip
    for start in range(0, len(rows), INSERT_ROWS):
        session.execute(insert(OnceExclusion), rows[start : start + INSERT_ROWS])
    return len(rows)


def follow(session: Session, award: Award, before: str) -> None:
    """Move the award's claim to the state its new award state implies (no-op if unchanged)."""
    wanted = claim_state(award.state)
    if wanted == claim_state(before):
        return
    session.execute(
        update(OnceClaim)
        .where(OnceClaim.award_id == award.id, OnceClaim.state != wanted)
        .values(state=wanted, changed_at=dt.datetime.now(dt.UTC))
    )


def settle(session: Session, run: ScreeningRun, award: Award) -> Holder | None:
    """Make the award's claim paid, before its payment, in the payment's transaction.

    None when the award may be paid: its claim is paid now (or the policy has no scope). An
    award whose claim is not live (one stored before claims existed has none) must win the
    scope here; if the database refuses, the holder is returned and the award is not paid.
    """
    if run.scope_key is None:
        return None
    now = dt.datetime.now(dt.UTC)
    moved = session.execute(
        update(OnceClaim)
        .where(OnceClaim.award_id == award.id, OnceClaim.state == "live")
        .values(state="paid", changed_at=now)
    )
    if cast(CursorResult[Any], moved).rowcount == 1:
        return None
    mine = session.execute(
        select(OnceClaim.id, OnceClaim.state).where(OnceClaim.award_id == award.id)
    ).one_or_none()
    if mine is not None and mine.state == "paid":
        return None
    try:
        with session.begin_nested():
            if mine is None:
                session.add(
                    OnceClaim(
                        award_id=award.id,
                        run_id=run.id,
                        policy_id=run.policy_id,
                        uscc=award.uscc,
                        scope_key=run.scope_key,
                        state="paid",
                        claimed_at=now,
                        changed_at=now,
                    )
                )
            else:
                session.execute(
                    update(OnceClaim)
                    .where(OnceClaim.id == mine.id)
                    .values(state="paid", changed_at=now)
                )
    except IntegrityError:
        # PostgreSQL waited on the unique index for the other transaction to commit; the
        # holder is visible now (READ COMMITTED). SQLite serialised the writers already.
        holder = _holder(session, run, award.uscc)
        if holder is None:
            raise
        return holder
    return None


def _holder(session: Session, run: ScreeningRun, uscc: str) -> Holder | None:
    assert run.scope_key is not None
    row = session.execute(
        select(OnceClaim.award_id, OnceClaim.run_id, OnceClaim.state).where(
            OnceClaim.policy_id == run.policy_id,
            OnceClaim.uscc == uscc,
            OnceClaim.scope_key == run.scope_key,
            OnceClaim.state.in_(HELD_CLAIM_STATES),
        )
    ).one_or_none()
    return Holder(*row) if row is not None else None


def exclusions(session: Session, run_id: int) -> Sequence[OnceExclusion]:
    """The run's excluded enterprises, by USCC."""
    return session.scalars(
        select(OnceExclusion).where(OnceExclusion.run_id == run_id).order_by(OnceExclusion.uscc)
    ).all()
