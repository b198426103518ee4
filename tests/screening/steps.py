"""Workflow steps the once-scope tests repeat: a run taken to confirmed accounts, the paid
awards per enterprise, and the invariants (paid once per scope, trial balance zero)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.ledger import trial_balance
from kechuang.screening import books, service
from kechuang.screening.tables import Award, ScreeningRun

POLICY = "first-above-scale-reward"
PUBLISHED = dt.date(2025, 3, 3)
APPROVED = dt.date(2025, 3, 11)  # after the 5 working days of notice
CONFIRMED = dt.date(2025, 3, 12)
ACCOUNT = "6217000012345678"


def approve_and_confirm(session: Session, run_id: int, usccs: list[str] | None = None) -> None:
    """Publish, approve (a second officer) and confirm the accounts of `usccs` (default all)."""
    service.publish(session, run_id, "officer-li", on=PUBLISHED)
    service.approve(session, run_id, "officer-wang", on=APPROVED)
    session.commit()
    approved = session.scalars(
        select(Award.uscc).where(Award.run_id == run_id, Award.state == "approved")
    ).all()
    for uscc in approved if usccs is None else [u for u in usccs if u in approved]:
        service.confirm_account(session, run_id, uscc, uscc, "中国银行", ACCOUNT, uscc,
                                on=CONFIRMED)  # fmt: skip
    session.commit()


def paid_count(session: Session) -> Counter[tuple[str, str, str]]:
    """How many awards are paid (not clawed back) per (policy, enterprise, scope key)."""
    session.expire_all()
    rows = session.execute(
        select(ScreeningRun.policy_id, Award.uscc, ScreeningRun.scope_key)
        .join(ScreeningRun, ScreeningRun.id == Award.run_id)
        .where(Award.state == "paid")
    ).all()
    return Counter((p, u, k or "") for p, u, k in rows)


def assert_paid_once_and_balanced(session: Session) -> None:
    """No enterprise holds two paid awards in one scope; the ledger balances and every run
    reconciles with its awards."""
    twice = {key: n for key, n in paid_count(session).items() if n > 1}
    assert not twice, f"paid twice in one scope: {twice}"
    assert trial_balance(session) == 0
    for run in session.scalars(select(ScreeningRun)):
        assert books.reconcile(session, run) == [], run.id
