"""Ids and instants at the edge of the API (kechuang.http.fields).

Generated from app.routes: every integer path parameter of every route (API and pages) is tried
with ids that cannot exist (2^31, 2^63, -1, 0, 10^30) by every role, on SQLite and PostgreSQL; the
answer is 404 or 422 naming the parameter, never a server error. Other integer query parameters
get the same values and must not crash either.
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel

from kechuang.accounts.service import create_account
from kechuang.http.fields import MAX_ID, Instant, as_utc
from kechuang.http.problems import _flat
from kechuang.store.engine import make_engine, session_scope
from kechuang.web.app import create_app
from tests.web.conftest import PASSWORD, USCC_A

# 2^31: past PostgreSQL's INTEGER; 2^63: past what SQLite can bind.
IMPOSSIBLE_IDS = (2**31, 2**63, -1, 0, 10**30)
# Who calls: one account per role that owns routes with ids (the enterprise and the bank own
# their awards and loans, the office its transfer cases, officers the runs).
ROLES = ("officer1", "ent_a", "bank1", "tto1", "admin1")


def _int_params(route: APIRoute, where: str) -> list[Any]:
    def walk(dependant: Any) -> list[Any]:
        found = list(getattr(dependant, f"{where}_params"))
        for sub in dependant.dependencies:
            found += walk(sub)
        return found

    return [
        p
        for p in walk(route.dependant)
        if int in (typing.get_args(p.field_info.annotation) or (p.field_info.annotation,))
    ]


def _routes(app: FastAPI) -> list[APIRoute]:
    return [r for r in _flat(app.routes) if isinstance(r, APIRoute)]


def _path(route: APIRoute, values: dict[str, object]) -> str:
    filled = {}
    for param in route.dependant.path_params:
        if param.name in values:
            filled[param.name] = values[param.name]
        elif param.name == "uscc":
            filled[param.name] = USCC_A
        else:
            choices = typing.get_args(param.field_info.annotation)
            filled[param.name] = choices[0] if choices else "x"
    return route.path_format.format(**filled)


@pytest.fixture
def id_app(any_app: FastAPI) -> FastAPI:
    """The world of tests/web/conftest.py and a tech-transfer office, on both stores."""
    with session_scope(any_app.state.engine) as session:
        create_account(session, "tto1", PASSWORD, "tech_transfer", org="fudan")
    return any_app


def _tokens(client: TestClient) -> dict[str, str]:
    tokens = {}
    for username in ROLES:
        response = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
        assert response.status_code == 201, response.text
        tokens[username] = str(response.json()["token"])
        client.cookies.clear()  # the calls below ride on the Bearer token alone
    return tokens


def test_every_integer_path_parameter_is_a_bounded_id() -> None:
    app = create_app(make_engine("sqlite://"))
    checked = 0
    for route in _routes(app):
        for param in _int_params(route, "path"):
            bounds = {(c.ge, c.le) for c in param.field_info.metadata if hasattr(c, "le")}
            assert bounds == {(1, MAX_ID)}, f"{route.path}: {param.name} is not a web.fields.Id"
            checked += 1
    assert checked > 40  # runs, awards, objections, loans, transfer cases, pages


def test_impossible_ids_answer_404_or_422_on_every_route(id_app: FastAPI) -> None:
    client = TestClient(id_app, raise_server_exceptions=False)
    tokens = _tokens(client)
    tried = 0
    for route in _routes(id_app):
        names = [p.name for p in _int_params(route, "path")]
        if not names:
            continue
        for method in sorted(route.methods or ()):
            for value in IMPOSSIBLE_IDS:
                path = _path(route, dict.fromkeys(names, value))
                reached = []
                for username, token in tokens.items():
                    response = client.request(
                        method, path, json={}, headers={"Authorization": f"Bearer {token}"}
                    )
                    where = f"{method} {path} as {username}"
                    assert response.status_code in (401, 403, 404, 422), where
                    if response.status_code == 422 and route.path.startswith("/api/"):
                        bad = {tuple(e["loc"]) for e in response.json()["errors"]}
                        assert any(("path", n) in bad for n in names), (where, bad)
                    if response.status_code in (404, 422):
                        reached.append(username)
                assert reached, f"{method} {path}: no role got past authorisation"
                tried += 1
    assert tried >= 4 * 40


def test_huge_integer_query_parameters_never_crash(id_app: FastAPI) -> None:
    client = TestClient(id_app, raise_server_exceptions=False)
    token = _tokens(client)["officer1"]
    for route in _routes(id_app):
        params = _int_params(route, "query")
        if not params or "GET" not in (route.methods or ()):
            continue
        path = _path(route, {p.name: 1 for p in _int_params(route, "path")})
        for param in params:
            for value in (10**30, -(2**63) - 1):
                response = client.get(
                    path,
                    params={param.name: value},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert response.status_code < 500, f"{path}?{param.name}={value}"


class _Stamp(BaseModel):
    at: Instant


def test_a_naive_instant_from_sqlite_leaves_the_api_as_utc() -> None:
    naive = dt.datetime(2026, 12, 6, 0, 26, 28, 400215)
    assert _Stamp(at=naive).model_dump_json() == '{"at":"2026-12-06T00:26:28.400215Z"}'
    shanghai = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert _Stamp(at=shanghai).model_dump_json() == '{"at":"2026-12-06T08:00:00+08:00"}'


def test_instants_read_back_from_either_store_carry_their_offset(id_app: FastAPI) -> None:
    client = TestClient(id_app)
    token = _tokens(client)["admin1"]
    headers = {"Authorization": f"Bearer {token}"}
    accounts = client.get("/api/v1/accounts", headers=headers).json()["items"]
    audit = client.get("/api/v1/audit", headers=headers).json()["items"]
    stamps = [a["created_at"] for a in accounts] + [a["at"] for a in audit]
    assert stamps and all(dt.datetime.fromisoformat(s).tzinfo is not None for s in stamps)


def _unbounded_int_fields() -> list[str]:
    import kechuang.transfer.schemas as transfer
    from kechuang.finance import schemas as finance
    from kechuang.screening import enterprise_router as enterprises
    from kechuang.screening import runs_router as runs
    from kechuang.screening import whatif_router as whatif

    found = []
    for module in (transfer, finance, enterprises, runs, whatif):
        for name, model in vars(module).items():
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                continue
            if not name.endswith("In"):
                continue
            for field_name, field in model.model_fields.items():
                if int not in (typing.get_args(field.annotation) or (field.annotation,)):
                    continue
                if not any(hasattr(c, "le") or hasattr(c, "lt") for c in field.metadata):
                    found.append(f"{module.__name__}.{name}.{field_name}")
    return found


def test_every_integer_a_request_body_takes_has_an_upper_bound() -> None:
    # An unbounded int reaches the store as 2^63 and SQLite cannot bind it (a 500).
    assert _unbounded_int_fields() == []


def test_an_amount_of_2_to_the_63_fen_is_refused_naming_the_field(id_app: FastAPI) -> None:
    client = TestClient(id_app)
    token = _tokens(client)["tto1"]
    response = client.post(
        "/api/v1/transfer/deals/1/financings",
        json={"round_name": "A", "amount_fen": 2**63, "raised_on": "2024-01-01"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "amount_fen"]]


def _response_models(annotation: Any, seen: set[type]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for field in annotation.model_fields.values():
            _response_models(field.annotation, seen)
    for arg in typing.get_args(annotation):
        _response_models(arg, seen)


def test_every_instant_the_api_returns_is_read_as_utc() -> None:
    app = create_app(make_engine("sqlite://"))
    models: set[type] = set()
    for route in _routes(app):
        _response_models(route.response_model, models)
    naive = [
        f"{model.__name__}.{name}"
        for model in models
        for name, field in model.model_fields.items()
        if dt.datetime in (typing.get_args(field.annotation) or (field.annotation,))
        and not any(getattr(m, "func", None) is as_utc for m in field.metadata)
    ]
    assert len(models) > 30
    assert naive == []
