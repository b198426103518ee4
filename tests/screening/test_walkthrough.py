"""A run of first-above-scale-reward from screening to payment, on SQLite and PostgreSQL.

With a budget cut (5 eligible × 5,000,000 yuan against the policy's 20,000,000 budget, pro rata),
an objection upheld and one rejected, a lapse, a double `pay` that pays nothing more and a
clawback; the trial balance is zero and the run reconciles with the ledger after every step.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.enterprises.panels import uscc_for
from tests.screening.population import COUNT, eligible_usccs

from kechuang.ledger import balance, trial_balance
from kechuang.screening import books, service
from kechuang.screening.errors import Refused
from kechuang.screening.runs import start_run
from kechuang.screening.service import Objector
from kechuang.screening.tables import (
    Award,
    Notification,
    ScreeningResult,
    ScreeningRun,
    WorkflowEvent,
)

POLICY = "first-above-scale-reward"
PUBLISHED = dt.date(2025, 9, 26)  # a Friday before the National Day holiday
FEN = 100


def balanced(session: Session, run_id: int) -> None:
    session.expire_all()
    assert trial_balance(session) == 0
    run = session.get(ScreeningRun, run_id)
    assert run is not None
    assert books.reconcile(session, run) == []


def awards(session: Session, run_id: int) -> dict[str, Award]:
    session.expire_all()
    return {a.uscc: a for a in session.scalars(select(Award).where(Award.run_id == run_id))}


def test_walk_a_run_to_payment(engine: Engine, session: Session) -> None:
    run_id = start_run(engine, POLICY, 2024, "officer-li", sets=[f"{POLICY}.amount=5000000"])
    run = session.get(ScreeningRun, run_id)
    assert run is not None and run.state == "screened"
    assert run.result_rows == COUNT and run.counts["eligible"] == 5
    assert run.policy_version == "2026.2" and len(run.snapshot_sha256) == 64
    assert run.overrides == {"amount": "5000000"}
    assert session.scalar(select(func.count()).select_from(ScreeningResult)) == COUNT
    # Budget cut: 25,000,000 eligible against 20,000,000, pro rata: 4,000,000 each.
    found = awards(session, run_id)
    assert sorted(found) == eligible_usccs()
    assert {a.eligible_fen for a in found.values()} == {5_000_000 * FEN}
    assert {a.allocated_fen for a in found.values()} == {4_000_000 * FEN}
    assert run.allocated_fen == 20_000_000 * FEN == run.budget_fen
    balanced(session, run_id)

    service.publish(session, run_id, "officer-li", on=PUBLISHED)
    session.commit()
    run = session.get(ScreeningRun, run_id)
    assert run is not None
    assert run.notice_ends_on == dt.date(2025, 10, 10)  # 9/28 is a 调休 workday; 10/1-8 off
    assert not run.notice_provisional
    texts = session.scalars(select(Notification.text_zh).where(Notification.kind == "publication"))
    assert all("拟获奖励¥4,000,000.00" in t for t in texts)
    balanced(session, run_id)

    target, other = uscc_for(1), uscc_for(4)
    upheld = service.lodge_objection(
        session, run_id, target, Objector(name="张三", contact="13800000000"),
        "该企业2023年营业收入已超过1000万元", "officer-li", on=dt.date(2025, 10, 9),
    )  # fmt: skip
    rejected = service.lodge_objection(
        session, run_id, other, Objector(uscc=uscc_for(3)), "不符合条件", "officer-li",
        on=dt.date(2025, 10, 10),
    )  # fmt: skip
    session.commit()
    with pytest.raises(Refused, match="outside"):
        service.lodge_objection(
            session, run_id, other, Objector(uscc=uscc_for(3)), "迟到", "officer-li",
            on=dt.date(2025, 10, 11),
        )  # fmt: skip
    session.rollback()
    with pytest.raises(Refused, match="undecided"):
        service.approve(session, run_id, "officer-wang", on=dt.date(2025, 10, 13))
    session.rollback()
    service.decide_objection(session, upheld.id, "upheld", "核实属实", "officer-zhao")
    service.decide_objection(session, rejected.id, "rejected", "经核查符合条件", "officer-zhao")
    session.commit()
    assert awards(session, run_id)[target].state == "withdrawn"
    balanced(session, run_id)

    with pytest.raises(Refused, match="four-eyes"):
        service.approve(session, run_id, "officer-li", on=dt.date(2025, 10, 13))
    session.rollback()
    with pytest.raises(Refused, match="until 2025-10-10"):
        service.approve(session, run_id, "officer-wang", on=dt.date(2025, 10, 10))
    session.rollback()
    service.approve(session, run_id, "officer-wang", on=dt.date(2025, 10, 13))
    session.commit()
    run = session.get(ScreeningRun, run_id)
    assert run is not None and run.confirm_by == dt.date(2025, 10, 27)
    # The withdrawn award's share is not redistributed: the notice amounts stand.
    assert balance(session, books.run_code(run_id, "committed")) == 4 * 4_000_000 * FEN
    assert balance(session, books.run_code(run_id, "budget")) == 4_000_000 * FEN
    balanced(session, run_id)

    confirmed = [u for u in eligible_usccs() if u != target][:3]
    lapsing = next(u for u in eligible_usccs() if u not in (*confirmed, target))
    for uscc in confirmed:
        service.confirm_account(
            session, run_id, uscc, f"企业{uscc[-4:]}", "中国银行上海分行", "6217 0000 1234 5678",
            actor=uscc, on=dt.date(2025, 10, 20),
        )  # fmt: skip
        session.commit()
        balanced(session, run_id)
    with pytest.raises(Refused, match="ended on 2025-10-27"):
        service.confirm_account(
            session, run_id, lapsing, "迟到企业", "工商银行", "62220000111122223333",
            actor=lapsing, on=dt.date(2025, 10, 28),
        )  # fmt: skip
    session.rollback()
    with pytest.raises(Refused, match="until 2025-10-27"):
        service.lapse(session, run_id, "officer-wang", as_of=dt.date(2025, 10, 27))
    session.rollback()
    lapsed = service.lapse(session, run_id, "officer-wang", as_of=dt.date(2025, 10, 28))
    session.commit()
    assert [a.uscc for a in lapsed] == [lapsing]
    balanced(session, run_id)

    first = service.pay(session, run_id, "finance-chen")
    assert (first.paid, first.paid_fen, first.waiting) == (3, 3 * 4_000_000 * FEN, 0)
    balanced(session, run_id)
    second = service.pay(session, run_id, "finance-chen")
    assert (second.paid, second.paid_fen) == (0, 0)
    balanced(session, run_id)
    session.expire_all()
    run = session.get(ScreeningRun, run_id)
    assert run is not None and run.state == "closed"
    assert balance(session, books.run_code(run_id, "committed")) == 0
    assert -balance(session, books.run_code(run_id, f"payable:{confirmed[0]}")) == 0

    with pytest.raises(Refused, match="reason"):
        service.claw_back(session, run_id, confirmed[0], "  ", "officer-zhao")
    session.rollback()
    service.claw_back(session, run_id, confirmed[0], "审计发现营业收入虚报", "officer-zhao")
    session.commit()
    assert awards(session, run_id)[confirmed[0]].state == "clawed_back"
    assert balance(session, books.expense_code(POLICY)) == 2 * 4_000_000 * FEN
    balanced(session, run_id)

    states = {u: a.state for u, a in awards(session, run_id).items()}
    assert sorted(states.values()) == ["clawed_back", "lapsed", "paid", "paid", "withdrawn"]
    events = session.scalars(
        select(WorkflowEvent).where(WorkflowEvent.run_id == run_id).order_by(WorkflowEvent.id)
    ).all()
    run_events = [e.event for e in events if e.subject_type == "run"]
    assert run_events == ["finish", "publish", "approve", "close"]
    assert all(e.actor and e.at for e in events)
    assert sum(1 for e in events if e.event == "pay") == 3
