"""A policy's benefit is paid once per enterprise within its once scope, across runs, on SQLite and
PostgreSQL: a later run excludes an enterprise already paid (or holding a live award) and says
why, a repeated live run needs a reason, a withdrawal, lapse or clawback frees the scope, and two
payments in one scope cannot both commit, even at the same moment.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.screening.population import ELIGIBLE, eligible_usccs
from tests.screening.steps import (
    POLICY,
    approve_and_confirm,
    assert_paid_once_and_balanced,
)

from kechuang.ledger import entries
from kechuang.policies.pack import Pack
from kechuang.rules.load import load_policy_text
from kechuang.screening import once, service
from kechuang.screening.errors import DuplicateRun, IllegalTransition, Refused
from kechuang.screening.runs import start_run
from kechuang.screening.tables import (
    Award,
    Notification,
    OnceClaim,
    OnceExclusion,
    ScreeningRun,
    WorkflowEvent,
)
from kechuang.store.engine import make_sessionmaker

FEN = 100
REWARD_FEN = 200_000 * FEN


def states(session: Session, run_id: int) -> dict[str, str]:
    session.expire_all()
    return {a.uscc: a.state for a in session.scalars(select(Award).where(Award.run_id == run_id))}


def excluded(session: Session, run_id: int) -> dict[str, OnceExclusion]:
    return {x.uscc: x for x in once.exclusions(session, run_id)}


def payments_per_enterprise(session: Session) -> dict[str, int]:
    counted: dict[str, int] = {}
    for entry in entries(session, kind="screening_payment"):
        uscc = entry.idempotency_key.split(":")[3]
        counted[uscc] = counted.get(uscc, 0) + 1
    return counted


@contextmanager
def stored_as_before_claims_existed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Runs started inside store their awards as the code before once scopes did: nobody is
    excluded and no claim is taken (a store upgraded by 0015 holds such duplicates)."""
    with monkeypatch.context() as patch:
        patch.setattr(once, "held", lambda *_: {})
        patch.setattr(once, "claim_awards", lambda *_: None)
        yield


def test_a_second_run_after_payment_pays_nobody_again(engine: Engine, session: Session) -> None:
    """The repro of issue 18: run 2024 again after the first run was paid; publish, approve,
    confirm, pay: nobody is paid twice, and the run says why each one was left out."""
    first = start_run(engine, POLICY, 2024, "officer-li")
    approve_and_confirm(session, first)
    assert service.pay(session, first, "finance-chen").paid == len(ELIGIBLE)
    assert session.get(ScreeningRun, first).state == "closed"  # type: ignore[union-attr]

    second = start_run(engine, POLICY, 2024, "officer-li")  # the first is closed: no reason
    run = session.get(ScreeningRun, second)
    assert run is not None and run.counts["eligible"] == len(ELIGIBLE)
    assert (run.once_scope, run.scope_key) == ("ever", "ever")
    assert states(session, second) == {}
    held = excluded(session, second)
    assert sorted(held) == eligible_usccs()
    assert {(x.held_state, x.held_by_run_id, x.eligible_fen) for x in held.values()} == {
        ("paid", first, REWARD_FEN)
    }
    assert run.allocated_fen == 0 and run.eligible_fen == 0

    service.publish(session, second, "officer-li", on=dt.date(2025, 4, 1))
    service.approve(session, second, "officer-wang", on=dt.date(2025, 4, 21))
    session.commit()
    for uscc in eligible_usccs():
        with pytest.raises(Refused):
            service.confirm_account(session, second, uscc, uscc, "中国银行", "6217000012345678",
                                    uscc, on=dt.date(2025, 4, 22))  # fmt: skip
        session.rollback()
    result = service.pay(session, second, "finance-chen")
    assert (result.paid, result.paid_fen) == (0, 0)
    assert payments_per_enterprise(session) == dict.fromkeys(eligible_usccs(), 1)
    assert_paid_once_and_balanced(session)


def test_repeating_a_live_run_needs_a_reason_that_is_kept(engine: Engine, session: Session) -> None:
    first = start_run(engine, POLICY, 2024, "officer-li")
    for reason in (None, "   "):
        with pytest.raises(
            DuplicateRun, match=f"run {first} already screens {POLICY} 2026.2 for 2024"
        ):
            start_run(engine, POLICY, 2024, "officer-zhao", reason=reason)
    assert session.scalar(select(func.count()).select_from(ScreeningRun)) == 1

    why = "补充导入2家企业的更正数据后重新筛查"
    second = start_run(engine, POLICY, 2024, "officer-zhao", reason=why)
    run = session.get(ScreeningRun, second)
    assert run is not None
    assert (run.start_reason, run.duplicate_of) == (why, first)
    start = session.scalars(
        select(WorkflowEvent).where(WorkflowEvent.run_id == second).order_by(WorkflowEvent.id)
    ).first()
    assert start is not None and start.event == "start" and start.actor == "officer-zhao"
    assert start.reason == f"repeats run {first}: {why}"
    # Everyone eligible holds a live award in the first run: no award here, each saying so.
    assert states(session, second) == {}
    assert {(x.held_state, x.held_by_run_id) for x in excluded(session, second).values()} == {
        ("live", first)
    }


def test_a_withdrawn_run_frees_its_scopes(engine: Engine, session: Session) -> None:
    first = start_run(engine, POLICY, 2024, "officer-li")
    service.publish(session, first, "officer-li", on=dt.date(2025, 3, 3))
    session.commit()
    with pytest.raises(Refused, match="reason"):
        service.withdraw_run(session, first, " ", "officer-li")
    session.rollback()
    service.withdraw_run(session, first, "导入数据有误", "officer-li")
    session.commit()
    assert set(states(session, first).values()) == {"withdrawn"}
    assert (
        session.scalar(
            select(func.count()).select_from(OnceClaim).where(OnceClaim.state != "released")
        )
        == 0
    )
    told = session.scalars(select(Notification.text_zh).where(Notification.kind == "withdrawn"))
    assert all("本批次已撤回" in text and "导入数据有误" in text for text in told)
    with pytest.raises(IllegalTransition, match="is withdrawn: cannot withdraw"):
        service.withdraw_run(session, first, "again", "officer-li")
    session.rollback()

    second = start_run(engine, POLICY, 2024, "officer-li")  # the first is no longer live
    assert sorted(states(session, second)) == eligible_usccs()
    assert excluded(session, second) == {}
    approve_and_confirm(session, second)
    with pytest.raises(IllegalTransition, match="is approved: cannot withdraw"):
        service.withdraw_run(session, second, "too late", "officer-li")
    session.rollback()


def test_lapse_and_clawback_free_the_scope_for_a_later_run(
    engine: Engine, session: Session
) -> None:
    usccs = eligible_usccs()
    first = start_run(engine, POLICY, 2024, "officer-li")
    approve_and_confirm(session, first, usccs[:3])
    run = session.get(ScreeningRun, first)
    assert run is not None and run.confirm_by is not None
    service.lapse(session, first, "officer-wang", as_of=run.confirm_by + dt.timedelta(days=1))
    session.commit()
    service.pay(session, first, "finance-chen")
    service.claw_back(session, first, usccs[0], "审计发现虚报", "officer-zhao")
    session.commit()

    second = start_run(engine, POLICY, 2024, "officer-li")
    # The lapsed two and the clawed-back one may be paid again; the two still paid may not.
    assert sorted(states(session, second)) == sorted([usccs[0], *usccs[3:]])
    assert {u: x.held_state for u, x in excluded(session, second).items()} == {
        usccs[1]: "paid",
        usccs[2]: "paid",
    }
    approve_and_confirm(session, second)
    assert service.pay(session, second, "finance-chen").paid == 3
    assert_paid_once_and_balanced(session)


YEARLY = """
id: test-section-m-reward
version: "1"
title: {{zh: 测试奖励, en: Test reward}}
issuer: 测试
document_number: 测试
effective: {{from: 2020-01-01, to: null}}
mode: automatic
conditions:
  - id: section_m
    label: {{zh: M门类, en: section M}}
    expr: section(industry_code) == 'M'
benefit:
  amount: 1000
  once: {once}
"""


@pytest.mark.parametrize(
    ("scope", "paid_in_2024"), [("per_year", 6), ("ever", 0), ("per_period", 0)]
)
def test_the_scope_decides_whether_a_second_year_pays(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch, scope: str, paid_in_2024: int
) -> None:
    """Six section-M enterprises are eligible in 2023 and in 2024: a per-year reward pays them
    in both years; a reward once ever (or once per period of this version) only in 2023."""
    policy = load_policy_text(YEARLY.format(once=scope), "test-section-m-reward.yaml")
    monkeypatch.setattr("kechuang.policies.pack.load_pack", lambda: Pack((policy,)))
    runs = []
    for year in (2023, 2024):
        run_id = start_run(engine, policy.id, year, "officer-li")
        approve_and_confirm(session, run_id)
        runs.append(service.pay(session, run_id, "finance-chen").paid)
    assert runs == [6, paid_in_2024]
    assert_paid_once_and_balanced(session)


@pytest.mark.parametrize("legacy_holder", [True, False], ids=["first-holds", "neither-holds"])
def test_concurrent_payments_of_two_runs_pay_each_enterprise_once(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch, legacy_holder: bool
) -> None:
    """Two runs hold confirmed awards for the same enterprises, as a store from before once
    scopes may (the second run, or both, stored without claims). Both are paid at the same
    moment: the database refuses the second paid claim inside its payment's transaction."""
    if legacy_holder:
        first = start_run(engine, POLICY, 2024, "officer-li")
    with stored_as_before_claims_existed(monkeypatch):
        if not legacy_holder:
            first = start_run(engine, POLICY, 2024, "officer-li")
        second = start_run(engine, POLICY, 2024, "officer-li", reason="重复批次（旧数据）")
    approve_and_confirm(session, first)
    approve_and_confirm(session, second)
    sessions = make_sessionmaker(engine)
    barrier = threading.Barrier(2)

    def pay(run_id: int) -> service.PayResult:
        with sessions() as own:
            own.connection()  # a connection each before the barrier: both start together
            barrier.wait(timeout=30)
            return service.pay(own, run_id, f"finance-{run_id}")

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(pay, (first, second)))

    n = len(ELIGIBLE)
    assert sum(r.paid for r in results) == n and sum(r.excluded for r in results) == n
    if legacy_holder:
        assert (results[0].paid, results[1].excluded) == (n, n)
    assert payments_per_enterprise(session) == dict.fromkeys(eligible_usccs(), 1)
    for uscc in eligible_usccs():
        pair = sorted((states(session, first)[uscc], states(session, second)[uscc]))
        assert pair == ["excluded", "paid"], uscc
    notices = session.scalar(
        select(func.count()).select_from(Notification).where(Notification.kind == "excluded")
    )
    assert notices == n
    assert_paid_once_and_balanced(session)


def test_concurrent_runs_give_each_enterprise_one_award(engine: Engine, session: Session) -> None:
    """Two runs of the policy store their awards at the same moment: every eligible enterprise
    gets one award between them, and the other run records it as excluded."""
    barrier = threading.Barrier(2)

    def start(who: str) -> int:
        barrier.wait(timeout=30)
        return start_run(engine, POLICY, 2024, who, reason=f"并行筛查 {who}")

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(start, ("officer-li", "officer-zhao")))
    awarded = [set(states(session, r)) for r in runs]
    left_out = [set(excluded(session, r)) for r in runs]
    assert awarded[0].isdisjoint(awarded[1])
    assert awarded[0] | awarded[1] == set(eligible_usccs())
    assert left_out == [awarded[1], awarded[0]]
