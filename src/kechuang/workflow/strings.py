"""Step inputs typed as text (a form's fields, the CLI's options) turned into JSON-like values.

The API receives JSON, whose numbers and booleans are typed; a form or a command line gives only
strings. `from_strings` reads each string by the type of the model field it is for (a whole
number, a flag, a list, a nested object as JSON text), then the step's own model validates the
result with the same bounds as the API. Text that is not what the field needs is passed on as it
is, so the model's error names the field.

Money is integer fen in every model (`principal_fen`); a person types yuan. So a field named
`<x>_fen` is offered on a form and the command line as `<x>_yuan`, and its text is read as yuan
to the exact fen (kechuang.domain.money.parse_yuan: more precision than a fen is refused).
"""

from __future__ import annotations

import json
import re
import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel

from kechuang.domain.money import InvalidAmount, parse_yuan

_WHOLE = re.compile(r"^[+-]?[0-9]+$")
_TRUE = {"true", "1", "yes", "on", "是"}
_FALSE = {"false", "0", "no", "off", "否"}


FEN = "_fen"
YUAN = "_yuan"


def person_name(field: str) -> str:
    """The name a person types a field under: `principal_fen` is given as `principal_yuan`."""
    return field[: -len(FEN)] + YUAN if field.endswith(FEN) else field


def from_strings(model: type[BaseModel], raw: dict[str, Any]) -> dict[str, Any]:
    """Values for `model.model_validate` from text values (str, or list of str for lists),
    keyed by the person's names (`principal_yuan`) or the model's (`principal_fen`)."""
    fields = model.model_fields
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name.endswith(YUAN) and (fen := name[: -len(YUAN)] + FEN) in fields:
            values[fen] = _yuan(value)
        elif name in fields:
            values[name] = _read(fields[name].annotation, value)
        else:
            values[name] = value
    return values


def _yuan(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return parse_yuan(value.strip())
    except InvalidAmount:
        return value  # the model says it is not a whole number of fen


def _read(annotation: Any, value: Any) -> Any:
    kind = _plain(annotation)
    if isinstance(value, list):
        inner = typing.get_args(kind)[0] if typing.get_args(kind) else str
        return [_read(inner, item) for item in value]
    if not isinstance(value, str):
        return value
    text = value.strip()
    if kind is bool:
        lowered = text.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else value
    if kind is int:
        return int(text) if _WHOLE.match(text) else value
    origin = typing.get_origin(kind)
    if origin in (list, tuple, dict) or (isinstance(kind, type) and issubclass(kind, BaseModel)):
        try:
            return json.loads(text)
        except ValueError:
            return value
    return value


def _plain(annotation: Any) -> Any:
    """The type under Optional[...] and Annotated[...] (a union of several stays as it is)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _plain(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _plain(args[0]) if len(args) == 1 else annotation
    return annotation
