"""A step declared once is taken the same way from every surface: the kernel and the CLI adapter.

The subject here is a toy ticket (open → closed) with its own table, so that the kernel is
specified without any feature's rules in the way.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

os.environ.setdefault("KECHUANG_PASSWORD_HASH", "fast")

import pytest
import typer
from pydantic import Field
from sqlalchemy import Engine, Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from statemachine import State, StateMachine
from typer.testing import CliRunner

from kechuang.accounts.service import create_account, principal_by_username
from kechuang.accounts.tables import AuditEntry
from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.store.migrate import upgrade
from kechuang.workflow import clock
from kechuang.workflow.cli_adapter import add_step_commands
from kechuang.workflow.errors import Forbidden, IllegalTransition, Invalid, NotFound
from kechuang.workflow.machines import Flow, Transition, allowed_events, fire
from kechuang.workflow.steps import (
    Actor,
    Context,
    Key,
    Label,
    NoInput,
    Step,
    StepInput,
    Subject,
    Whole,
    perform,
)


class ToyBase(DeclarativeBase):
    pass


class Ticket(ToyBase):
    __tablename__ = "toy_tickets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="open")
    note: Mapped[str] = mapped_column(String(200), default="")


class TicketLog(ToyBase):
    __tablename__ = "toy_ticket_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(16))
    before: Mapped[str] = mapped_column(String(16))
    after: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))


class TicketMachine(StateMachine):
    open = State(initial=True)
    closed = State()
    done = State(final=True)

    close = open.to(closed)
    reopen = closed.to(open)
    finish = closed.to(done)


def _log(session: Session, ticket: Ticket, move: Transition) -> None:
    session.add(
        TicketLog(
            ticket_id=ticket.id, event=move.event, before=move.before, after=move.after,
            actor=move.actor,
        )
    )  # fmt: skip


TICKET_FLOW = Flow(TicketMachine, label=lambda t: f"ticket {t.id}", history=_log)


def _load(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Ticket:
    ticket = session.get(Ticket, keys["ticket_id"])
    if ticket is None or (actor.role == "enterprise" and ticket.owner != actor.name):
        raise NotFound(f"no ticket {keys['ticket_id']}")
    return ticket


TICKET = Subject(
    "ticket", (Key("ticket_id"),), _load, api_path="/api/v1/tickets/{ticket_id}", flow=TICKET_FLOW
)
TICKETS = Subject("ticket", (), lambda s, a, k: None, api_path="/api/v1/tickets")


class CloseIn(StepInput):
    note: str = Field(min_length=1, max_length=200, description="Why it is closed")
    days: Whole = Field(default=5, ge=1, le=60, description="Working days of notice")


class OpenIn(StepInput):
    owner: str = Field(min_length=1)


def _close(ctx: Context, ticket: Ticket, data: CloseIn) -> Ticket:
    fire(ctx.session, ticket, TICKET_FLOW, "close", ctx.actor.name, data.note)
    ticket.note = f"{data.note} ({data.days} days, {ctx.actor.business_day})"
    return ticket


def _open(ctx: Context, _: None, data: OpenIn) -> Ticket:
    ticket = Ticket(owner=data.owner)
    ctx.session.add(ticket)
    ctx.session.flush()
    return ticket


CLOSE = Step(
    "ticket.close", subject=TICKET, roles=("officer",), input=CloseIn, act=_close,
    summary="Close a ticket", label=Label("关闭", "Close"), event="close", replayable=True,
)  # fmt: skip
FINISH = Step(
    "ticket.finish", subject=TICKET, roles=("officer", "enterprise"), input=NoInput,
    act=lambda ctx, t, _: fire(ctx.session, t, TICKET_FLOW, "finish", ctx.actor.name),
    summary="Finish", label=Label("完成", "Finish"), event="finish",
)  # fmt: skip
OPEN = Step(
    "ticket.open", subject=TICKETS, roles=("officer",), input=OpenIn, act=_open,
    summary="Open a ticket", label=Label("新建", "Open"), status_code=201, path="",
)  # fmt: skip


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    ToyBase.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        create_account(session, "officer1", "a long enough pass 1", "officer")
        create_account(
            session, "ent1", "a long enough pass 2", "enterprise", uscc="91310115MA10000015"
        )
        session.add(Ticket(owner="ent1"))
        session.commit()
    yield engine
    engine.dispose()


def _actor(session: Session, name: str, **extra: Any) -> Actor:
    principal = principal_by_username(session, name)
    assert principal is not None
    return Actor(principal=principal, surface="api", today=dt.date(2026, 3, 2), **extra)


def test_allowed_events_follow_the_machine() -> None:
    assert allowed_events(TicketMachine, "open") == ["close"]
    assert allowed_events(TicketMachine, "closed") == ["reopen", "finish"]
    assert allowed_events(TicketMachine, "done") == []


def test_unknown_state_is_invalid_not_a_crash() -> None:
    with pytest.raises(Invalid, match="not a state"):
        allowed_events(TicketMachine, "lost")


def test_perform_moves_the_state_logs_it_and_audits_once(engine: Engine) -> None:
    with make_sessionmaker(engine)() as session:
        actor = _actor(session, "officer1", ip="10.0.0.1")
        perform(session, CLOSE, actor, {"ticket_id": 1}, CloseIn(note="done"))
    with make_sessionmaker(engine)() as session:
        ticket = session.get(Ticket, 1)
        assert ticket is not None and ticket.state == "closed"
        assert [r.event for r in session.scalars(select(TicketLog))] == ["close"]
        (row,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "ticket.close"))
        assert (row.actor, row.subject_type, row.subject_id, row.ip) == (
            "officer1", "ticket", "1", "10.0.0.1",
        )  # fmt: skip
        assert row.before == {"state": "open"}
        assert row.after == {"input": {"note": "done", "days": 5}, "state": "closed"}


def test_a_refused_step_changes_nothing(engine: Engine) -> None:
    with make_sessionmaker(engine)() as session:
        actor = _actor(session, "officer1")
        with pytest.raises(IllegalTransition, match="ticket 1 is open: cannot finish"):
            perform(session, FINISH, actor, {"ticket_id": 1}, NoInput())
    with make_sessionmaker(engine)() as session:
        assert (
            session.scalars(select(AuditEntry).where(AuditEntry.action.like("ticket%"))).all() == []
        )
        assert session.scalars(select(TicketLog)).all() == []


def test_a_role_outside_the_step_is_forbidden(engine: Engine) -> None:
    with make_sessionmaker(engine)() as session:
        actor = _actor(session, "ent1")
        with pytest.raises(Forbidden):
            perform(session, CLOSE, actor, {"ticket_id": 1}, CloseIn(note="x"))


def test_a_subject_the_actor_may_not_see_is_not_found(engine: Engine) -> None:
    with make_sessionmaker(engine)() as session:
        actor = _actor(session, "officer1")
        perform(session, OPEN, actor, {}, OpenIn(owner="someone-else"))
        perform(session, CLOSE, actor, {"ticket_id": 2}, CloseIn(note="x"))
        enterprise = _actor(session, "ent1")
        with pytest.raises(NotFound):
            perform(session, FINISH, enterprise, {"ticket_id": 2}, NoInput())


def test_a_collection_step_audits_the_created_id(engine: Engine) -> None:
    with make_sessionmaker(engine)() as session:
        created = perform(session, OPEN, _actor(session, "officer1"), {}, OpenIn(owner="x"))
        assert created.id == 2
        row = session.scalars(select(AuditEntry).where(AuditEntry.action == "ticket.open")).one()
        assert (row.subject_id, row.before) == ("2", None)


def test_available_steps_follow_state_and_role(engine: Engine) -> None:
    with make_sessionmaker(engine)() as session:
        ticket = session.get(Ticket, 1)
        assert CLOSE.available(ticket, "officer")
        assert not CLOSE.available(ticket, "enterprise")
        assert not FINISH.available(ticket, "officer")


# The CLI adapter ------------------------------------------------------------------------------


@pytest.fixture
def cli(engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("KECHUANG_DATABASE_URL", database_url)
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 3, 2))
    app = typer.Typer()
    tickets = typer.Typer()
    add_step_commands(tickets, [CLOSE, FINISH, OPEN])
    app.add_typer(tickets, name="tickets")
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["tickets", *args])
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_cli_takes_the_step_with_the_same_audit_row(cli: Any, engine: Engine) -> None:
    cli("close", "1", "--note", "by hand", "--days", "7", "--by", "OFFICER1")
    with make_sessionmaker(engine)() as session:
        row = session.scalars(select(AuditEntry).where(AuditEntry.action == "ticket.close")).one()
        # the name is the account's, whatever case was typed
        assert row.actor == "officer1"
        assert row.after == {"input": {"note": "by hand", "days": 7}, "state": "closed"}


def test_cli_refuses_the_bounds_of_the_model(cli: Any, engine: Engine) -> None:
    output = cli("close", "1", "--note", "x", "--days", "500", "--by", "officer1", code=2)
    assert "--days" in output and "60" in output
    with make_sessionmaker(engine)() as session:
        assert session.get(Ticket, 1).state == "open"  # type: ignore[union-attr]


def test_cli_refuses_an_unknown_account_and_a_forbidden_role(cli: Any) -> None:
    assert "no active account" in cli("close", "1", "--note", "x", "--by", "nobody", code=2)
    assert "may not" in cli("close", "1", "--note", "x", "--by", "ent1", code=2)


def test_cli_replay_is_for_officers_and_recorded(cli: Any, engine: Engine) -> None:
    assert "future" in cli("close", "1", "--note", "x", "--by", "officer1", "--on", "2030-01-01",
                           code=2)  # fmt: skip
    cli("close", "1", "--note", "x", "--by", "officer1", "--on", "2025-12-01")
    with make_sessionmaker(engine)() as session:
        assert session.get(Ticket, 1).note.endswith("2025-12-01)")  # type: ignore[union-attr]
        row = session.scalars(select(AuditEntry).where(AuditEntry.action == "ticket.close")).one()
        assert row.after["replay_on"] == "2025-12-01"


def test_cli_has_no_replay_option_on_other_steps(cli: Any) -> None:
    output = cli("finish", "1", "--by", "officer1", "--on", "2025-12-01", code=2)
    assert "--on" in output


def test_cli_collection_step_takes_no_key(cli: Any) -> None:
    assert "ticket.open: done" in cli("open", "--owner", "x", "--by", "officer1")


def test_money_is_typed_in_yuan_and_kept_in_fen() -> None:
    from kechuang.workflow.strings import from_strings, person_name

    class GrantIn(StepInput):
        amount_fen: Whole = Field(gt=0)

    assert person_name("amount_fen") == "amount_yuan"
    assert GrantIn.model_validate(
        from_strings(GrantIn, {"amount_yuan": "1,234.56"})
    ).amount_fen == (123_456)
    with pytest.raises(ValueError, match="amount_fen"):
        GrantIn.model_validate(from_strings(GrantIn, {"amount_yuan": "0.001"}))


def test_a_refusal_speaks_chinese_with_the_flows_names() -> None:
    named = Flow(
        TicketMachine, label=lambda t: f"ticket {t.id}", history=_log,
        names={"open": ("待处理", "open"), "finish": ("办结", "finish"),
               "close": ("关闭", "close")},
        label_zh=lambda t: f"工单{t.id}",
    )  # fmt: skip
    ticket = Ticket(id=7, owner="x", state="open")
    with pytest.raises(IllegalTransition) as refused:
        from kechuang.workflow.machines import check

        check(named, ticket, "finish")
    assert refused.value.text("zh") == "工单7当前为「待处理」，不能办结；现在可以：关闭"
    assert refused.value.text("en") == "ticket 7 is open: cannot finish; allowed now: close"
