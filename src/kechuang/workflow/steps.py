"""A workflow step, declared once: who may take it, on what, with which inputs, doing what.

A feature declares each state-changing step as a `Step` (its name, subject, roles, pydantic input
model, state-machine event, service call and summary). Three adapters read the declarations: the
HTTP kit makes the API route, the form POST and the page buttons; the CLI adapter makes the Typer
command. Whatever the surface, `perform` takes the step: the same role check, the same input
model, the same state-machine check, the same service call, one audit row and one commit.

    PUBLISH = Step("run.publish", subject=RUN, roles=OFFICIALS, input=PublishIn,
                   event="publish", act=_publish, summary="公示: put the proposed awards on notice")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Strict
from pydantic.fields import FieldInfo
from sqlalchemy.orm import Session

from kechuang.accounts import audit
from kechuang.accounts.service import Principal
from kechuang.workflow.errors import Forbidden
from kechuang.workflow.machines import Flow, check

S = TypeVar("S")
I = TypeVar("I", bound=BaseModel)  # noqa: E741 - the conventional name of an input type
Surface = Literal["api", "form", "cli"]
# Who may replay a past day from the CLI: officers entering history kept on paper.
REPLAY_ROLES = ("officer", "admin")


# Numbers and flags of step inputs are strict in JSON (`"100"` and `true` are not amounts); the
# form and CLI adapters parse their strings with the same models through model_validate_strings.
Whole = Annotated[int, Strict()]
Flag = Annotated[bool, Strict()]


def described(
    en: str,
    zh: str,
    *,
    secret: bool = False,
    picker: str | None = None,
    picker_open: bool = False,
) -> dict[str, Any]:
    """Field(...) keywords naming an input for people: `Field(max_length=64, **described(
    "Login name", "登录名"))`. English is the description (CLI help, API docs), Chinese the
    form's label; `secret` marks a password; `picker` says what the field names, so that a form
    lists the caller's choices (kechuang.http.pickers), as suggestions only when `picker_open`."""
    extra: dict[str, Any] = {"label_zh": zh}
    if secret:
        extra["secret"] = True
    if picker is not None:
        extra["picker"] = picker
    if picker_open:
        extra["picker_open"] = True
    return {"description": en, "json_schema_extra": extra}


def is_secret(info: FieldInfo) -> bool:
    """A field declared `json_schema_extra={"secret": True}` (a password): never echoed on the
    command line, a password box on a form, and never written to the audit log."""
    extra = info.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("secret"))


class StepInput(BaseModel):
    """Base of step inputs: unknown fields are refused, so a misspelt option is an error."""

    model_config = ConfigDict(extra="forbid")


class NoInput(StepInput):
    """The input of a step that needs nothing beyond its subject."""


@dataclass(frozen=True)
class Actor:
    """Who takes a step, from where, and the business day it counts as (the server's clock).

    `replay_on` is set only for an officer's audited replay of history from the CLI; it never
    moves a notice period or a deadline, which are counted from `today`.
    """

    principal: Principal
    surface: Surface
    today: dt.date
    ip: str = ""
    replay_on: dt.date | None = None

    @property
    def name(self) -> str:
        return self.principal.username

    @property
    def role(self) -> str:
        return self.principal.role

    @property
    def business_day(self) -> dt.date:
        """The day the step is recorded as happening: a replay's day, else today."""
        return self.replay_on or self.today


@dataclass(frozen=True)
class Context:
    """What a step's service call gets besides its subject and input."""

    session: Session
    actor: Actor
    # The subject's address (path parameters, CLI arguments), for steps on a part of it.
    keys: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Key:
    """One part of a subject's address: a path parameter and a CLI argument."""

    name: str
    type: type = int
    help: str = ""


@dataclass(frozen=True)
class Subject(Generic[S]):
    """A kind of thing steps act on, and where it lives on each surface.

    `load(session, actor, keys)` returns the row (locked for update where the step changes it),
    raising NotFound when it does not exist or the actor may not see it. A subject without keys
    is a collection (a step on it creates something) and loads as None.
    """

    name: str
    keys: tuple[Key, ...]
    load: Callable[[Session, Actor, Mapping[str, Any]], S]
    api_path: str
    page_path: str | None = None
    flow: Flow[S] | None = None
    ident: Callable[[S], str] = lambda subject: str(getattr(subject, "id", ""))
    # Where a form sends the person back: a template of the keys (and `id` of what a
    # collection step created), e.g. "/officer/runs/{run_id}"; default: page_path.
    return_to: str | None = None

    @property
    def is_collection(self) -> bool:
        return not self.keys

    def address(self, subject: S) -> dict[str, Any]:
        """The key values of a loaded subject: its attributes of those names, else its id."""
        values = {key.name: getattr(subject, key.name, None) for key in self.keys}
        if len(self.keys) == 1 and values[self.keys[0].name] is None:
            values[self.keys[0].name] = getattr(subject, "id", None)
        return values


@dataclass(frozen=True)
class Label:
    """A button's text in each language."""

    zh: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Step(Generic[S, I]):
    """One state-changing action, declared once for the API, the page forms and the CLI."""

    name: str
    subject: Subject[S]
    roles: tuple[str, ...]
    input: type[I]
    act: Callable[[Context, S, I], Any]
    summary: str
    label: Label
    event: str | None = None
    output: type[BaseModel] | None = None
    # Builds the output model from what `act` returned, where that is not the model itself.
    present: Callable[[Session, Any], BaseModel] | None = None
    status_code: int = 200
    # The URL suffix when it is not "/{verb}" (kept where an API path predates the step).
    path: str | None = None
    method: Literal["POST", "PUT"] = "POST"
    # Officers may replay history from the CLI with --on (audited; never moves a deadline).
    replayable: bool = False
    # A form shows these fields; the others keep their defaults (None: every field).
    form_fields: tuple[str, ...] | None = None
    confirm: Label | None = None
    danger: bool = False
    # The states of the subject's flow in which a page offers a step that fires no event of it
    # (its service checks the state itself, e.g. paying an approved run); None: any state.
    offered_in: tuple[str, ...] | None = None
    # Where its form sends the person when that is what the step made, not its subject (the
    # keys and `id` of the result, e.g. "/transfer/deals/{id}"); default: the subject's.
    return_to: str | None = None
    # False when the service writes the audit row itself (its own before/after detail), so that
    # every caller of the service, surface or not, leaves exactly one row.
    audit: bool = True
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def verb(self) -> str:
        """The CLI command and the URL suffix: the part of the name after the subject."""
        return self.name.rsplit(".", 1)[-1]

    def allows_role(self, role: str) -> bool:
        return role in self.roles

    def allows(self, actor: Actor) -> bool:
        """The actor's role takes this step, or an officer replays it (replayable steps only)."""
        if self.allows_role(actor.role):
            return True
        return self.replayable and actor.replay_on is not None and actor.role in REPLAY_ROLES

    def available(self, subject: S, role: str) -> bool:
        """Whether a page should offer this step to this role on this subject now."""
        if not self.allows_role(role):
            return False
        flow = self.subject.flow
        if flow is None:
            return True
        state = flow.state_of(subject)
        if self.offered_in is not None and state not in self.offered_in:
            return False
        return self.event is None or self.event in flow.allowed(state)


def perform(
    session: Session,
    step: Step[S, I],
    actor: Actor,
    keys: Mapping[str, Any],
    data: I,
) -> Any:
    """Take a step: role, subject, state check, service call, audit row, commit.

    Anything refused raises a Refusal and rolls the whole step back; nothing half-done stays.
    """
    if not step.allows(actor):
        raise Forbidden(f"role {actor.role} may not {step.verb} a {step.subject.name}")
    try:
        subject = step.subject.load(session, actor, keys)
        flow = step.subject.flow
        before = flow.state_of(subject) if flow is not None and subject is not None else None
        if step.event is not None and flow is not None:
            check(flow, subject, step.event)
        result = step.act(Context(session, actor, keys), subject, data)
        if step.audit:
            audit.record(
                session,
                actor.name,
                step.name,
                step.subject.name,
                _ident(step, subject, result),
                before=None if before is None else {"state": before},
                after=_after(step, subject, data, actor),
                ip=actor.ip,
            )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


def _ident(step: Step[Any, Any], subject: Any, result: Any) -> str:
    if subject is not None:
        return step.subject.ident(subject)
    return str(getattr(result, "id", "") or "")


def _after(step: Step[Any, Any], subject: Any, data: BaseModel, actor: Actor) -> dict[str, Any]:
    secret = {name for name, info in type(data).model_fields.items() if is_secret(info)}
    after: dict[str, Any] = {"input": data.model_dump(mode="json", exclude=secret)}
    flow = step.subject.flow
    if flow is not None and subject is not None:
        after["state"] = flow.state_of(subject)
    if actor.replay_on is not None:
        after["replay_on"] = actor.replay_on.isoformat()
    return after


def by_subject(steps: Sequence[Step[Any, Any]]) -> dict[str, list[Step[Any, Any]]]:
    """Steps grouped by the name of their subject, in declaration order (for page buttons)."""
    grouped: dict[str, list[Step[Any, Any]]] = {}
    for step in steps:
        grouped.setdefault(step.subject.name, []).append(step)
    return grouped
