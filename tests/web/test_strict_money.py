"""Money in request bodies is a strict integer of fen (or minor units): `true`, `"100"` and
`100.0` are refused with 422, never coerced. Generated from app.routes, so a new body with a
money field is checked without a case of its own."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Annotated, Any, get_args

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import Engine

from kechuang.web.app import create_app
from tests.web.conftest import login

MONEY = re.compile(r"(_fen|_minor)$")
NOT_MONEY = (True, "100", 100.0)


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in get_args(annotation):
        yield from _models(arg)


def _flat(routes: list[Any]) -> Iterator[Any]:
    """Every route, included routers flattened."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from _flat(route.original_router.routes)
        else:
            yield route


def money_fields(engine: Engine) -> list[tuple[str, str, Any]]:
    """(route, model.field, annotated type) of every money field of every request body."""
    found: dict[tuple[str, str], Any] = {}
    for route in _flat(create_app(engine).routes):
        if not isinstance(route, APIRoute) or route.body_field is None:
            continue
        todo = list(_models(route.body_field.field_info.annotation))
        seen: set[type[BaseModel]] = set()
        while todo:
            model = todo.pop()
            if model in seen:
                continue
            seen.add(model)
            for name, info in model.model_fields.items():
                todo.extend(_models(info.annotation))
                if MONEY.search(name):
                    typed = (
                        Annotated[info.annotation, *info.metadata]  # type: ignore[valid-type]
                        if info.metadata
                        else info.annotation
                    )
                    found[(route.path, f"{model.__name__}.{name}")] = typed
    return [(path, field, typed) for (path, field), typed in sorted(found.items())]


def test_every_money_field_of_a_request_body_is_strict(engine: Engine) -> None:
    fields = money_fields(engine)
    names = {field for _, field, _ in fields}
    # The bodies that take money today: a new one joins this list by itself.
    assert {"ApplicationIn.principal_fen", "MoneyIn.amount_fen", "DemandIn.budget_fen",
            "DealIn.contract_amount_minor", "MilestoneIn.amount_minor"} <= names  # fmt: skip
    lax = []
    for path, field, typed in fields:
        adapter = TypeAdapter(typed)
        adapter.validate_python(100)
        for value in NOT_MONEY:
            try:
                adapter.validate_json(_json(value))
            except ValidationError:
                continue
            lax.append(f"{path} {field} accepts {value!r}")
    assert not lax


def _json(value: object) -> str:
    return json.dumps(value)


@pytest.mark.parametrize("amount", NOT_MONEY)
def test_a_demand_budget_that_is_not_an_integer_is_422(world_app: Any, amount: object) -> None:
    client = TestClient(world_app)
    client.headers["X-CSRF-Token"] = login(client, "ent_a")
    demand = {
        "title_zh": "胸部CT肺结节智能识别",
        "title_en": "AI lung nodule detection",
        "description_zh": "寻求胸部CT肺部结节自动识别算法。",
        "industry_code": "I6513",
        "budget_fen": amount,
    }
    response = client.post("/api/v1/transfer/demands", json=demand)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"][-1] == "budget_fen"
    assert client.get("/api/v1/transfer/demands").json()["total"] == 0
