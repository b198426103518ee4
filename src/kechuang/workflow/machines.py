"""The one workflow kernel: drive a python-statemachine machine over an ORM row and log it.

A feature declares a `Flow` (its machine class, the row's state column, how to name a subject,
and how to write a line of its history table) and calls `fire`; the kernel checks the event,
moves the state and appends the history line in the caller's transaction, so a state never
changes without its log line. A refused event raises IllegalTransition naming the events the
current state allows. Features keep only their machines and their event tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session
from statemachine import StateMachine
from statemachine.exceptions import TransitionNotAllowed

from kechuang.workflow.errors import IllegalTransition, Invalid

S = TypeVar("S")


@dataclass(frozen=True)
class Transition:
    """One move of one subject: what the history line records."""

    event: str
    before: str
    after: str
    actor: str
    reason: str
    at: dt.datetime


@dataclass(frozen=True)
class Flow(Generic[S]):
    """How the kernel drives one kind of subject.

    `machine` is the state machine class, `state_field` the row attribute holding the state,
    `label` names a subject in messages ("run 3"), and `history` appends its history line.
    """

    machine: type[StateMachine]
    label: Callable[[S], str]
    history: Callable[[Session, S, Transition], None]
    state_field: str = "state"
    # Names of states and events for people, code -> (zh, en); a refusal uses them in Chinese.
    names: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    label_zh: Callable[[S], str] | None = None

    def name(self, code: str, lang: str = "zh") -> str:
        pair = self.names.get(code)
        if pair is None:
            return code
        return pair[0] if lang == "zh" else pair[1]

    def refusal(self, subject: S, state: str, event: str, allowed: list[str]) -> IllegalTransition:
        """The refusal of `event` in `state`, in English and in Chinese."""
        who = self.label_zh(subject) if self.label_zh else self.label(subject)
        choices = "、".join(self.name(e) for e in allowed) or "无（已结束）"
        zh = f"{who}当前为「{self.name(state)}」，不能{self.name(event)}；现在可以：{choices}"
        return IllegalTransition(self.label(subject), state, event, allowed, zh=zh)

    def state_of(self, subject: S) -> str:
        return str(getattr(subject, self.state_field))

    def allowed(self, state: str) -> list[str]:
        return allowed_events(self.machine, state)


@cache
def _events_by_state(machine: type[StateMachine]) -> dict[str, tuple[str, ...]]:
    # Built once per machine class: pages ask for the allowed events of every row they show.
    table: dict[str, tuple[str, ...]] = {}
    for state in machine.states:
        table[state.id] = tuple(event.id for event in machine(start_value=state.id).allowed_events)
    return table


def allowed_events(machine: type[StateMachine], state: str) -> list[str]:
    """The events a machine of this kind accepts in `state`, in declaration order."""
    try:
        return list(_events_by_state(machine)[state])
    except KeyError:
        raise Invalid(f"{state!r} is not a state of {machine.__name__}") from None


def check(flow: Flow[Any], subject: Any, event: str) -> None:
    """IllegalTransition unless `event` is allowed in the subject's state (nothing changes)."""
    state = flow.state_of(subject)
    allowed = flow.allowed(state)
    if event not in allowed:
        raise flow.refusal(subject, state, event, allowed)


def fire(
    session: Session,
    subject: S,
    flow: Flow[S],
    event: str,
    actor: str,
    reason: str = "",
    at: dt.datetime | None = None,
) -> Transition:
    """Move the subject by `event` and log it; IllegalTransition if its state does not allow it."""
    if not actor or not actor.strip():
        raise Invalid("every action names who takes it (--by)", field="by")
    before = flow.state_of(subject)
    machine = flow.machine(model=subject, state_field=flow.state_field, start_value=before)
    try:
        machine.send(event)
    except TransitionNotAllowed:
        raise flow.refusal(subject, before, event, flow.allowed(before)) from None
    transition = Transition(
        event=event,
        before=before,
        after=flow.state_of(subject),
        actor=actor,
        reason=reason,
        at=at or dt.datetime.now(dt.UTC),
    )
    flow.history(session, subject, transition)
    return transition
