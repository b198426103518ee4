"""No API body can store NUL or a bidirectional control: every string of every request model in
the OpenAPI document refuses them, so a field added later cannot forget to.

The walk reads each operation's request model from the app's routes, finds every place a string
can stand in its JSON Schema (nested models, list items, dict keys and values, optional
fields), puts a hostile string there and checks that validation refuses that very place.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Engine, select

from kechuang.store.engine import make_engine
from kechuang.web.app import create_app
from kechuang.web.problems import _flat
from tests.web.conftest import USCC_A, login

HOSTILE = ("上海\x00科技", "上海\u202e科技", "a\u2066b", "x\u200fy", "a\x1bb")
KEY = object()  # a dict's key
VALUE = object()  # a dict's value
Path = tuple[object, ...]


def _body_routes() -> list[APIRoute]:
    app = create_app(make_engine("sqlite://"))
    return [
        route
        for route in _flat(app.routes)
        if isinstance(route, APIRoute) and route.include_in_schema and route.body_field is not None
    ]


def _string_places(schema: dict[str, Any], defs: dict[str, Any], path: Path) -> Iterator[Path]:
    """Every path in an instance of schema where a free string can stand."""
    if "$ref" in schema:
        yield from _string_places(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, path)
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, ()):
            yield from _string_places(branch, defs, path)
    kind = schema.get("type")
    if kind == "string" and "enum" not in schema and "const" not in schema:
        yield path
    elif kind == "array" and isinstance(schema.get("items"), dict):
        yield from _string_places(schema["items"], defs, (*path, 0))
    elif kind == "object":
        for name, sub in schema.get("properties", {}).items():
            yield from _string_places(sub, defs, (*path, name))
        values = [schema.get("additionalProperties"), *schema.get("patternProperties", {}).values()]
        for sub in values:
            if isinstance(sub, dict):
                yield (*path, KEY)
                yield from _string_places(sub, defs, (*path, VALUE))


def _instance(path: Path, bad: str) -> Any:
    if not path:
        return bad
    head, rest = path[0], path[1:]
    if head is KEY:
        return {bad: "x"}
    if head is VALUE:
        return {"k": _instance(rest, bad)}
    if head == 0:
        return [_instance(rest, bad)]
    return {head: _instance(rest, bad)}


def _loc(path: Path, bad: str) -> tuple[object, ...]:
    loc: list[object] = []
    for part in path:
        if part is KEY:
            loc += [bad, "[key]"]
        elif part is VALUE:
            loc.append("k")
        else:
            loc.append(part)
    return tuple(loc)


def _cases() -> list[Any]:
    cases = []
    for route in _body_routes():
        annotation = route.body_field.field_info.annotation  # type: ignore[union-attr]
        adapter = TypeAdapter(annotation)
        schema = adapter.json_schema()
        places = sorted(
            set(_string_places(schema, schema.get("$defs", {}), ())),
            key=lambda p: [str(x) for x in p],
        )
        for place in places:
            label = ".".join(
                "<key>" if p is KEY else "<value>" if p is VALUE else str(p) for p in place
            )
            method = sorted(route.methods)[0]
            cases.append(pytest.param(adapter, place, id=f"{method} {route.path} {label}"))
    return cases


CASES = _cases()


def test_the_walk_finds_the_string_fields_of_every_package() -> None:
    ids = " ".join(str(case.id) for case in CASES)
    for expected in (
        "/api/v1/session username",
        "/objections reason",
        "/bank-account account_name",
        "/api/v1/finance/loans bank_ref",
        "/api/v1/transfer/results inventors.0.name",
        "/api/v1/whatif overrides.<key>",
        "/api/v1/whatif overrides.<value>",
        "/api/v1/runs sets.0",
    ):
        assert expected in ids, expected
    assert len(CASES) > 60


@pytest.mark.parametrize(("adapter", "place"), CASES)
def test_every_string_field_of_every_api_body_refuses_nul_and_bidi_controls(
    adapter: TypeAdapter[Any], place: Path
) -> None:
    for bad in HOSTILE:
        with pytest.raises(ValidationError) as caught:
            adapter.validate_python(_instance(place, bad))
        locs = {tuple(error["loc"]) for error in caught.value.errors()}
        assert _loc(place, bad) in locs, f"{bad!r} accepted at {place}"


# Through the HTTP API and the page forms ----------------------------------------------------


def test_an_objection_with_a_bidi_override_is_refused_with_422_and_not_stored(
    world_app: Any, world_engine: Engine
) -> None:
    from kechuang.screening.tables import Objection

    client = TestClient(world_app)
    csrf = login(client, "ent_a")
    response = client.post(
        f"/api/v1/enterprises/{USCC_A}/awards/1/objections",
        json={"reason": "金额\u202e错误"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    (error,) = response.json()["errors"]
    assert error["loc"] == ["body", "reason"] and "U+202E" in error["msg"]
    with world_engine.connect() as conn:
        assert conn.execute(select(Objection)).first() is None


def test_a_login_name_with_nul_is_refused_without_touching_the_store(world_app: Any) -> None:
    client = TestClient(world_app)
    response = client.post("/api/v1/session", json={"username": "officer1\x00", "password": "x"})
    assert response.status_code == 422
    assert "U+0000" in response.json()["errors"][0]["msg"]
