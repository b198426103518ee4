"""Routes, forms and page buttons made from step declarations (kechuang.workflow.steps).

`mount_steps(router, steps)` gives each step
- an API route `POST {subject.api_path}/{verb}` whose body is the step's input model (JSON, strict
  types) and whose answer is the step's output model;
- a form route `POST {subject.page_path}/{verb}` (when the subject has pages) whose fields are
  validated by the same model from strings, answering with a redirect to the subject's page or
  with the error page in the page's language;
- an entry in the registry that `offered_steps` reads, so a page shows exactly the buttons that
  the state machine and the caller's role allow.
Refusals are answered by kechuang.http.refusals, the one place that maps them to statuses.
"""

from __future__ import annotations

import enum
import inspect
import json
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.http import labels
from kechuang.http.fields import Id
from kechuang.http.i18n import LANG_COOKIE, pick_language
from kechuang.http.problems import ProblemError, problem_responses
from kechuang.http.security import authenticated, client_ip, db
from kechuang.workflow import clock
from kechuang.workflow.steps import Actor, Step, Surface, is_secret, perform
from kechuang.workflow.strings import from_strings, person_name

# Steps by the name of their subject, in the order they were mounted (the order of buttons).
_REGISTRY: dict[str, list[Step[Any, Any]]] = {}


class StepDone(BaseModel):
    """The answer of a step that has no output model of its own."""

    step: str
    subject: str


def today(request: Request) -> Any:
    """The business day for this app: its test clock if one is set, else the server's."""
    override = getattr(request.app.state, "clock", None)
    return override() if override is not None else clock.today()


def actor_of(request: Request, who: Principal, surface: Surface) -> Actor:
    return Actor(principal=who, surface=surface, today=today(request), ip=client_ip(request))


def api_path(step: Step[Any, Any]) -> str:
    return step.subject.api_path + _suffix(step)


def form_path(step: Step[Any, Any]) -> str | None:
    base = step.subject.page_path
    return None if base is None else base + _suffix(step)


def _suffix(step: Step[Any, Any]) -> str:
    return f"/{step.verb}" if step.path is None else step.path


def mount_steps(router: APIRouter, steps: Sequence[Step[Any, Any]]) -> None:
    """Add the API route and the form route of every step to `router`."""
    for step in steps:
        _mount_api(router, step)
        if step.subject.page_path is not None:
            _mount_form(router, step)
        offered = _REGISTRY.setdefault(step.subject.name, [])
        if all(existing.name != step.name for existing in offered):
            offered.append(step)


def _key_parameters(step: Step[Any, Any]) -> list[inspect.Parameter]:
    return [
        inspect.Parameter(
            key.name,
            inspect.Parameter.KEYWORD_ONLY,
            # Integer keys are ids: bounded, so 2**63 is a 422 naming the key, never a 500.
            annotation=Annotated[
                Id if key.type is int else key.type, Path(description=key.help or key.name)
            ],
        )
        for key in step.subject.keys
    ]


def _common_parameters() -> list[inspect.Parameter]:
    keyword = inspect.Parameter.KEYWORD_ONLY
    return [
        inspect.Parameter("request", keyword, annotation=Request),
        inspect.Parameter("who", keyword, annotation=Principal, default=Depends(authenticated)),
        inspect.Parameter("session", keyword, annotation=Session, default=Depends(db)),
    ]


def _mount_api(router: APIRouter, step: Step[Any, Any]) -> None:
    keys = [key.name for key in step.subject.keys]
    has_fields = bool(step.input.model_fields)

    def endpoint(**kwargs: Any) -> Any:
        request: Request = kwargs["request"]
        data = kwargs.get("body") or step.input()
        actor = actor_of(request, kwargs["who"], "api")
        result = perform(kwargs["session"], step, actor, {k: kwargs[k] for k in keys}, data)
        return _answer(step, result, kwargs)

    body = inspect.Parameter(
        "body",
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[step.input, Body()] if has_fields else step.input | None,
        default=inspect.Parameter.empty if _body_required(step) else None,
    )
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*_key_parameters(step), body, *_common_parameters()]
    )
    endpoint.__name__ = step.name.replace(".", "_").replace("-", "_")
    endpoint.__doc__ = step.summary
    router.add_api_route(
        api_path(step),
        endpoint,
        methods=[step.method],
        response_model=step.output or StepDone,
        status_code=step.status_code,
        tags=list(step.tags) or [step.subject.name],
        summary=step.summary,
        name=endpoint.__name__,
        responses=problem_responses(401, 403, 404, 409, 422),
    )


def _body_required(step: Step[Any, Any]) -> bool:
    return any(info.is_required() for info in step.input.model_fields.values())


def _answer(step: Step[Any, Any], result: Any, kwargs: dict[str, Any]) -> Any:
    if step.output is None:
        subject = "/".join(str(kwargs[key.name]) for key in step.subject.keys)
        return StepDone(step=step.name, subject=subject or str(getattr(result, "id", "")))
    if isinstance(result, step.output):
        return result
    if step.present is not None:
        return step.present(kwargs["session"], result)
    return step.output.model_validate(result, from_attributes=True)


def _mount_form(router: APIRouter, step: Step[Any, Any]) -> None:
    keys = [key.name for key in step.subject.keys]

    async def endpoint(**kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        form = await request.form()
        try:
            data = step.input.model_validate(form_values(step.input, form))
        except ValidationError as exc:
            raise ProblemError(
                422,
                describe(
                    exc,
                    pick_language(
                        request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)
                    ),
                ),
                "validation",
            ) from None
        actor = actor_of(request, kwargs["who"], "form")
        result = await _in_thread(
            perform, kwargs["session"], step, actor, {k: kwargs[k] for k in keys}, data
        )
        return RedirectResponse(_after_form(step, result, kwargs), status_code=303)

    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*_key_parameters(step), *_common_parameters()]
    )
    endpoint.__name__ = "form_" + step.name.replace(".", "_").replace("-", "_")
    path = form_path(step)
    assert path is not None
    router.add_api_route(path, endpoint, methods=["POST"], include_in_schema=False)


def _nested(info: FieldInfo) -> type[BaseModel] | None:
    """The model of a field that is itself a model (a form shows its fields as `name.sub`)."""
    kind = _plain(info.annotation)
    return kind if isinstance(kind, type) and issubclass(kind, BaseModel) else None


def form_values(model: type[BaseModel], form: Any, prefix: str = "") -> dict[str, Any]:
    """A model's values from a form's strings: a nested model's fields come as `name.sub`
    (all empty: the field is left out, so its default or "required" applies)."""
    raw: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        inner = _nested(info)
        if inner is not None:
            values = form_values(inner, form, f"{prefix}{name}.")
            if values:
                raw[name] = values
            continue
        shown = prefix + person_name(name)
        value = form.get(shown)
        if isinstance(value, str) and value != "":
            raw[person_name(name)] = value
    return from_strings(model, raw)


async def _in_thread(function: Any, *args: Any) -> Any:
    # perform() does blocking database work; keep it off the event loop like a sync route.
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function, *args)


def _after_form(step: Step[Any, Any], result: Any, kwargs: dict[str, Any]) -> str:
    """Back to the subject's page, saying which step was taken on what (`?done=&subject=`)."""
    template = step.return_to or step.subject.return_to or step.subject.page_path or "/"
    values = {key.name: kwargs[key.name] for key in step.subject.keys}
    # What a step created (a collection's new row, a row made under a subject such as an
    # application in a round, or what a step declares it returns to) is where the form goes back.
    made = step.subject.is_collection or step.return_to is not None or "{id}" in template
    if made and getattr(result, "id", None) is not None:
        values["id"] = result.id
    target, _, fragment = template.format(**values).partition("#")
    query = urlencode({"done": step.name, "subject": "/".join(str(v) for v in values.values())})
    return f"{target}?{query}" + (f"#{fragment}" if fragment else "")


# What a form's field got wrong, in Chinese, by pydantic's error type (others: its English).
_ZH_ERRORS = {
    "missing": "必填",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "float_parsing": "须为数字",
    "decimal_parsing": "须为数字",
    "bool_parsing": "须为是或否",
    "date_from_datetime_parsing": "须为日期（年-月-日）",
    "date_parsing": "须为日期（年-月-日）",
    "string_too_short": "不能为空或过短",
    "string_too_long": "过长",
    "greater_than": "过小",
    "greater_than_equal": "过小",
    "less_than": "过大",
    "less_than_equal": "过大",
    "literal_error": "不是可选的值",
    "too_short": "至少需要一项",
    "value_error": "格式不正确",
    "json_invalid": "格式不正确",
}


def describe(exc: ValidationError, lang: str = "en") -> str:
    """Each field the input got wrong, by the name a person sees on the form, in `lang`."""
    parts = []
    for error in exc.errors():
        names = [str(part) for part in error["loc"] if not isinstance(part, int)]
        known = labels.lookup("field", names[-1]) if names else None
        where = (known[lang == "en"] if known else ".".join(names)) or "input"
        reason = str(error["msg"])
        if lang == "zh" and error["type"] in _ZH_ERRORS:
            detail = (
                str(error.get("ctx", {}).get("error", "")) if error["type"] == "value_error" else ""
            )
            reason = _ZH_ERRORS[error["type"]] + (f"（{detail}）" if detail else "")
        parts.append(f"{where}: {reason}")
    return "; ".join(parts)


# Page buttons -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    """One input of a step's form, described for the template."""

    name: str
    label: str
    kind: str  # text | textarea | number | yuan | date | select | checkbox | password | picker
    required: bool
    default: Any
    minimum: Any = None
    maximum: Any = None
    max_length: int | None = None
    options: tuple[tuple[str, str], ...] = ()
    # kind "picker": what the field names (kechuang.http.pickers), listed for the caller when
    # the page is drawn; open: a value outside the list may still be typed.
    picker: str | None = None
    picker_open: bool = False


@dataclass(frozen=True)
class Offer:
    """A step a page offers now: its button label, where its form posts, and its fields."""

    step: Step[Any, Any]
    url: str
    label: str
    fields: tuple[FormField, ...]
    confirm: str | None


def offered_steps(subject_name: str, subject: Any, role: str | None, lang: str) -> list[Offer]:
    """The steps on this subject that its state and this role allow, as forms to show."""
    if role is None:
        return []
    offers = []
    for step in _REGISTRY.get(subject_name, []):
        base = step.subject.page_path
        if base is None or step.subject.is_collection != (subject is None):
            continue
        if not step.available(subject, role):
            continue
        url = base.format(**step.subject.address(subject)) + _suffix(step)
        offers.append(
            Offer(
                step=step,
                url=url,
                label=step.label(lang),
                fields=tuple(form_fields(step, lang)),
                confirm=step.confirm(lang) if step.confirm else None,
            )
        )
    return offers


def form_fields(step: Step[Any, Any], lang: str) -> list[FormField]:
    names = step.form_fields or tuple(step.input.model_fields)
    return _fields(step.input, names, lang, "")


def _fields(
    model: type[BaseModel], names: Sequence[str], lang: str, prefix: str
) -> list[FormField]:
    found: list[FormField] = []
    for name in names:
        info = model.model_fields[name]
        inner = _nested(info)
        if inner is None:
            found.append(_form_field(name, info, lang, prefix))
        else:
            found.extend(_fields(inner, tuple(inner.model_fields), lang, f"{prefix}{name}."))
    return found


def _form_field(name: str, info: FieldInfo, lang: str, prefix: str = "") -> FormField:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    # The field's own words, else the feature's registered label of the field's name.
    known = labels.lookup("field", name)
    label = str(extra.get("label_zh") or (known and known[0]) or info.description or name)
    if lang == "en":
        label = info.description or (known[1] if known else name)
    annotation = _plain(info.annotation)
    bounds = _bounds(info)
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    if isinstance(default, (list, tuple, dict)):
        # A structured field is typed as JSON; an empty one is left blank (its default applies).
        default = json.dumps(default, ensure_ascii=False) if default else None
    options: tuple[tuple[str, str], ...] = ()
    kind = "text"
    picker = extra.get("picker")
    if is_secret(info):
        kind = "password"
    elif isinstance(picker, str):
        kind = "picker"
    elif annotation is bool and not info.is_required() and info.default is None:
        # Yes, no, or not said: a checkbox could not tell "no" from "not said".
        kind = "select"
        options = (
            ("true", "是" if lang == "zh" else "Yes"),
            ("false", "否" if lang == "zh" else "No"),
        )
    elif annotation is bool:
        kind = "checkbox"
    elif annotation in (int,) or annotation is float:
        kind = "number"
    elif getattr(annotation, "__name__", "") == "date":
        kind = "date"
    elif typing.get_origin(annotation) is Literal:
        kind = "select"
        choices = extra.get("choices_zh" if lang == "zh" else "choices_en") or {}
        kind_of_label = extra.get("labels") or ("choice" if not choices else None)
        options = tuple(
            (
                str(v),
                labels.label(str(kind_of_label), v, lang)
                if kind_of_label
                else str(choices.get(str(v), v)),  # type: ignore[union-attr]
            )
            for v in typing.get_args(annotation)
        )
    elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        kind = "select"
        options = tuple((str(m.value), str(m.value)) for m in annotation)
    elif bounds.get("max_length") and bounds["max_length"] > 200:
        kind = "textarea"
    if name.endswith("_fen"):
        kind = "yuan"
        bounds = {k: _yuan_text(v) for k, v in bounds.items() if k in ("ge", "le", "gt", "lt")}
        default = None if default is None else _yuan_text(default)
    return FormField(
        name=prefix + person_name(name),
        label=label,
        kind=kind,
        required=info.is_required(),
        default=default,
        minimum=bounds.get("ge"),
        maximum=bounds.get("le"),
        max_length=bounds.get("max_length"),
        options=options,
        picker=picker if isinstance(picker, str) else None,
        picker_open=bool(extra.get("picker_open")),
    )


def _yuan_text(fen: int) -> str:
    whole, part = divmod(int(fen), 100)
    return f"{whole}.{part:02d}"


def _plain(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _plain(args[0]) if len(args) == 1 else annotation
    if origin is Annotated:
        return _plain(typing.get_args(annotation)[0])
    return annotation


def _bounds(info: FieldInfo) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in info.metadata:
        for attribute in ("ge", "le", "gt", "lt", "max_length", "min_length"):
            value = getattr(item, attribute, None)
            if value is not None:
                found[attribute] = value
    return found
