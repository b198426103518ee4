"""Typer commands made from step declarations: one command per step, options from its input model.

`kechuang runs publish 3 --notice-days 5 --by officer1` is the step `run.publish` taken from the
command line: the subject's keys are arguments, every field of the input model is an option
(validated by the same model as the API, from strings), `--by` names the account that acts (its
role must be one the step allows), and an officer may replay a `replayable` step with `--on`.
Every refusal and every invalid input exits 2 with the reason; nothing is changed then.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from rich.console import Console
from sqlalchemy import Engine

from kechuang.workflow import clock
from kechuang.workflow.errors import Invalid, Refusal, lower_refusals
from kechuang.workflow.steps import REPLAY_ROLES, Actor, Step, is_secret, perform
from kechuang.workflow.strings import from_strings, person_name

EXIT_REFUSED = 2
err = Console(stderr=True)
out = Console()


def add_step_commands(group: typer.Typer, steps: Sequence[Step[Any, Any]]) -> None:
    """Add one command per step to `group` (e.g. the `runs` group), named by the step's verb."""
    for step in steps:
        group.command(step.verb, help=step.summary)(step_command(step))


def add_step_groups(
    group: typer.Typer, steps: Sequence[Step[Any, Any]], help_of: dict[str, str]
) -> None:
    """One sub-command group per noun of the step names, for a feature whose steps share verbs:
    `deal.create` on a result is `kechuang transfer deal create RESULT_ID`."""
    nouns: dict[str, list[Step[Any, Any]]] = {}
    for step in steps:
        nouns.setdefault(step.name.rsplit(".", 1)[0], []).append(step)
    for noun, noun_steps in nouns.items():
        sub = typer.Typer(help=help_of.get(noun, noun), no_args_is_help=True)
        add_step_commands(sub, noun_steps)
        group.add_typer(sub, name=noun)


def both_languages(exc: Exception) -> str:
    """A refusal as the command line shows it: English, then Chinese where there is one."""
    zh = getattr(exc, "zh", None)
    return f"{exc}\n{zh}" if zh and zh != str(exc) else str(exc)


def fail(message: str) -> typer.Exit:
    err.print(f"[red]refused:[/red] {message}", highlight=False)
    return typer.Exit(EXIT_REFUSED)


@contextmanager
def migrated_engine() -> Iterator[Engine]:
    """The configured store, brought to the latest schema (a command may be the first one run)."""
    from kechuang.store.engine import make_engine
    from kechuang.store.migrate import upgrade

    engine = make_engine()
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def step_command(step: Step[Any, Any]) -> Callable[..., None]:
    """A Typer command function for `step`, its signature built from the declaration."""
    fields = step.input.model_fields
    key_names = [key.name for key in step.subject.keys]

    def command(**kwargs: Any) -> None:
        keys = {name: kwargs.pop(name) for name in key_names}
        by = kwargs.pop("by")
        replay = kwargs.pop("on", None)
        data = _input(step.input, {person_name(name): kwargs[person_name(name)] for name in fields})
        with migrated_engine() as engine:
            from kechuang.store.engine import make_sessionmaker

            with make_sessionmaker(engine)() as session:
                try:
                    actor = _actor(session, by, replay)
                    result = perform(session, step, actor, keys, data)
                except (Refusal, *lower_refusals()) as exc:
                    raise fail(both_languages(exc)) from None
        show(step, result)

    command.__name__ = f"{step.subject.name}_{step.verb}".replace("-", "_")
    command.__doc__ = step.summary
    command.__signature__ = inspect.Signature(_parameters(step))  # type: ignore[attr-defined]
    return command


def _parameters(step: Step[Any, Any]) -> list[inspect.Parameter]:
    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter(
            key.name,
            keyword,
            annotation=Annotated[key.type, typer.Argument(help=key.help or key.name)],
        )
        for key in step.subject.keys
    ]
    for name, info in step.input.model_fields.items():
        shown = person_name(name)  # `principal_fen` is typed as --principal-yuan
        params.append(
            inspect.Parameter(shown, keyword, default=None, annotation=_option(shown, info))
        )
    params.append(
        inspect.Parameter(
            "by",
            keyword,
            annotation=Annotated[str, typer.Option("--by", help="The account that acts")],
        )
    )
    if step.replayable:
        help_text = "Officers only: the day a past event happened (replay, audited)"
        params.append(
            inspect.Parameter(
                "on",
                keyword,
                default=None,
                annotation=Annotated[str | None, typer.Option("--on", help=help_text)],
            )
        )
    return params


def _option(name: str, info: FieldInfo) -> Any:
    flag = "--" + name.replace("_", "-")
    help_text = info.description or ""
    if name.endswith("_yuan"):
        help_text = f"{help_text} (yuan, to the fen)".strip()
    if info.is_required():
        help_text = f"{help_text} (required)".strip()
    if is_secret(info):
        option = typer.Option(flag, help=help_text, prompt=True, hide_input=True,
                              confirmation_prompt=True)  # fmt: skip
        return Annotated[str, option]
    if _is_bool(info.annotation):
        no_flag = "--no-" + name.replace("_", "-")
        return Annotated[bool | None, typer.Option(f"{flag}/{no_flag}", help=help_text)]
    metavar = "YUAN" if name.endswith("_yuan") else _metavar(info.annotation)
    if _is_list(info.annotation):
        return Annotated[list[str] | None, typer.Option(flag, help=help_text, metavar=metavar)]
    return Annotated[str | None, typer.Option(flag, help=help_text, metavar=metavar)]


def _metavar(annotation: Any) -> str:
    import datetime as dt
    from decimal import Decimal

    kind = _args(annotation)[0] if _args(annotation) else annotation
    if typing.get_origin(kind) in (list, tuple):
        inner = typing.get_args(kind)[:1]
        if inner and isinstance(inner[0], type) and issubclass(inner[0], BaseModel):
            return "JSON"
        return _metavar(inner[0]) if inner else "TEXT"
    if typing.get_origin(kind) is typing.Literal:
        return "|".join(str(v) for v in typing.get_args(kind))
    if isinstance(kind, type):
        if issubclass(kind, BaseModel):
            return "JSON"
        names = {int: "INT", Decimal: "DECIMAL", float: "NUMBER", dt.date: "YYYY-MM-DD"}
        return names.get(kind, "TEXT")
    return "TEXT"


def _args(annotation: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return tuple(a for a in typing.get_args(annotation) if a is not type(None))
    if origin is typing.Annotated:
        return _args(typing.get_args(annotation)[0])
    return (annotation,)


def _is_bool(annotation: Any) -> bool:
    return all(a is bool for a in _args(annotation))


def _is_list(annotation: Any) -> bool:
    """A list of plain values (repeat the option); a list of objects is one JSON option."""
    for arg in _args(annotation):
        if typing.get_origin(arg) in (list, tuple):
            inner = typing.get_args(arg)[:1]
            return not (inner and isinstance(inner[0], type) and issubclass(inner[0], BaseModel))
    return False


def _input(model: type[BaseModel], raw: dict[str, Any]) -> BaseModel:
    """Validate command-line strings with the step's own model (the API's bounds)."""
    given = {name: value for name, value in raw.items() if value is not None}
    try:
        return model.model_validate(from_strings(model, given))
    except ValidationError as exc:
        raise fail(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "input"
        parts.append(f"--{person_name(where).replace('_', '-')}: {error['msg']}")
    return "; ".join(parts)


def _actor(session: Any, username: str, replay: str | None) -> Actor:
    import datetime as dt

    from kechuang.accounts.service import principal_by_username

    principal = principal_by_username(session, username)
    if principal is None:
        raise Invalid(f"--by {username}: no active account of that name", field="by")
    replay_on = None
    if replay is not None:
        if principal.role not in REPLAY_ROLES:
            raise Invalid("--on: only an officer may replay a past day", field="on")
        try:
            replay_on = dt.date.fromisoformat(replay)
        except ValueError:
            raise Invalid(f"--on {replay!r}: a date is YYYY-MM-DD", field="on") from None
        if replay_on > clock.today():
            raise Invalid(f"--on {replay}: a replayed day cannot be in the future", field="on")
    return Actor(principal=principal, surface="cli", today=clock.today(), replay_on=replay_on)


def show(step: Step[Any, Any], result: Any) -> None:
    """Print what the step did: its output model as `field: value` lines."""
    out.print(f"{step.name}: done", highlight=False)
    if isinstance(result, BaseModel):
        for name, value in result.model_dump(mode="json").items():
            if not isinstance(value, (list, dict)):
                out.print(f"  {name}: {value}", highlight=False)
