"""Every illegal transition is refused with the current state and the allowed events named."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests.screening.population import eligible_usccs

from kechuang.screening import service, workflow
from kechuang.screening.errors import IllegalTransition, Refused
from kechuang.screening.runs import start_run
from kechuang.screening.tables import Award, ScreeningRun
from kechuang.screening.workflow import AwardFlow, RunFlow
from kechuang.workflow import machines
from kechuang.workflow.errors import Invalid
from kechuang.workflow.machines import allowed_events


def _events(flow: type) -> list[str]:
    return sorted({e.id for e in flow(start_value=flow.initial_state.id).events})


def _pairs(flow: type) -> list[tuple[str, str]]:
    states = [s.id for s in flow(start_value=flow.initial_state.id).states]
    return [
        (state, event)
        for state in states
        for event in _events(flow)
        if event not in allowed_events(flow, state)
    ]


@pytest.mark.parametrize(("state", "event"), _pairs(RunFlow))
def test_illegal_run_transitions(state: str, event: str) -> None:
    run = ScreeningRun(id=7, state=state)
    with pytest.raises(IllegalTransition) as refused:
        machines.check(workflow.RUN, run, event)
    assert f"run 7 is {state}: cannot {event}" in str(refused.value)
    assert refused.value.allowed == allowed_events(RunFlow, state)


@pytest.mark.parametrize(("state", "event"), _pairs(AwardFlow))
def test_illegal_award_transitions(state: str, event: str) -> None:
    award = Award(id=3, run_id=7, uscc="91310115000000001X", state=state)
    with pytest.raises(IllegalTransition, match=f"is {state}: cannot {event}; allowed now: "):
        machines.fire(None, award, workflow.AWARD, event, "officer")  # type: ignore[arg-type]
    assert award.state == state


def test_legal_transitions_are_the_documented_ones() -> None:
    assert allowed_events(RunFlow, "published") == ["approve", "withdraw"]
    assert allowed_events(AwardFlow, "approved") == ["confirm", "lapse"]
    assert allowed_events(AwardFlow, "clawed_back") == []


def test_refused_actions_on_a_store(engine: Engine, session: Session) -> None:
    run_id = start_run(engine, "first-above-scale-reward", 2024, "officer-li")
    uscc = eligible_usccs()[0]
    with pytest.raises(
        IllegalTransition, match=r"run \d+ is screened: cannot approve; allowed now: publish"
    ):
        service.approve(session, run_id, "officer-wang", on=dt.date(2025, 1, 6))
    session.rollback()
    with pytest.raises(IllegalTransition, match="is screened: cannot pay"):
        service.pay(session, run_id, "finance")
    session.rollback()
    with pytest.raises(Refused, match="while it is published"):
        service.lodge_objection(session, run_id, uscc, service.Objector(name="a", contact="b"),
                                "r", "officer-li")  # fmt: skip
    session.rollback()
    with pytest.raises(IllegalTransition, match="is proposed: cannot confirm"):
        service.confirm_account(session, run_id, uscc, "n", "b", "62220000111122223333", uscc)
    session.rollback()
    with pytest.raises(IllegalTransition, match="is proposed: cannot claw_back"):
        service.claw_back(session, run_id, uscc, "finding", "officer-zhao")
    session.rollback()
    with pytest.raises(Invalid, match="--by"):
        service.publish(session, run_id, " ", on=dt.date(2027, 3, 1))
    session.rollback()

    run = service.publish(session, run_id, "officer-li", on=dt.date(2027, 3, 1))
    session.commit()
    # 2027's holidays are not published yet: Monday to Friday, flagged provisional.
    assert (run.notice_ends_on, run.notice_provisional) == (dt.date(2027, 3, 8), True)
    with pytest.raises(
        IllegalTransition, match="is published: cannot publish; allowed now: approve"
    ):
        service.publish(session, run_id, "officer-li")
    session.rollback()
    with pytest.raises(Refused, match="an objector is"):
        service.lodge_objection(session, run_id, uscc, service.Objector(name="only a name"),
                                "r", "officer-li", on=dt.date(2027, 3, 2))  # fmt: skip
    session.rollback()
    objection = service.lodge_objection(session, run_id, uscc, service.Objector(uscc=uscc),
                                        "r", "officer-li", on=dt.date(2027, 3, 2))  # fmt: skip
    session.commit()
    with pytest.raises(Refused, match="upheld or rejected"):
        service.decide_objection(session, objection.id, "maybe", "why", "officer-zhao")
    session.rollback()
    service.decide_objection(session, objection.id, "rejected", "符合条件", "officer-zhao")
    session.commit()
    with pytest.raises(Refused, match="already rejected by officer-zhao"):
        service.decide_objection(session, objection.id, "upheld", "again", "officer-zhao")
    session.rollback()
    with pytest.raises(Refused, match="four-eyes"):
        service.approve(session, run_id, "officer-li", on=dt.date(2027, 3, 9))
    session.rollback()
    service.approve(session, run_id, "officer-wang", on=dt.date(2027, 3, 9))
    session.commit()
    with pytest.raises(IllegalTransition, match="is approved: cannot withdraw"):
        award = session.scalars(select(Award).where(Award.uscc == uscc)).one()
        machines.fire(session, award, workflow.AWARD, "withdraw", "officer-zhao")
    session.rollback()
    with pytest.raises(Refused, match="8 to 32 digits"):
        service.confirm_account(session, run_id, uscc, "n", "b", "12ab", uscc, dt.date(2027, 3, 10))
