"""JSON bodies nested deeper than 32 levels are refused with 422 problem+json before parsing.

json_depth measures without parsing; a property test holds it to a recursive count over the
decoded value for any JSON that Python writes, whatever brackets and escapes its strings hold.
"""

from __future__ import annotations

import json
import time

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from kechuang.web.app import create_app
from kechuang.web.nesting import MAX_JSON_DEPTH, json_depth


def _client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine), raise_server_exceptions=False)


def _login_body(username: str) -> bytes:
    return ('{"username": ' + username + ', "password": "x"}').encode()


def test_a_body_nested_100k_deep_is_refused_with_422_problem(engine: Engine) -> None:
    start = time.monotonic()
    response = _client(engine).post(
        "/api/v1/session",
        content=_login_body("[" * 100_000 + "]" * 100_000),
        headers={"content-type": "application/json"},
    )
    assert time.monotonic() - start < 20
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["detail"] == ("the JSON body nests 100,001 levels deep; at most 32 are allowed")
    assert problem["errors"][0]["type"] == "json_too_deep"


def test_a_body_without_a_content_type_is_measured_as_fastapi_reads_it_as_json(
    engine: Engine,
) -> None:
    levels = MAX_JSON_DEPTH
    response = _client(engine).post(
        "/api/v1/session", content=_login_body("[" * levels + "]" * levels)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "json_too_deep"


def test_a_body_at_the_limit_reaches_the_route(engine: Engine) -> None:
    levels = MAX_JSON_DEPTH - 1  # inside the body's object: 32 levels in all
    response = _client(engine).post(
        "/api/v1/session", content=_login_body("[" * levels + "]" * levels),
        headers={"content-type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] != "json_too_deep"  # the route's own check


def test_a_good_login_body_still_works(engine: Engine) -> None:
    response = _client(engine).post("/api/v1/session", json={"username": "nobody", "password": "x"})
    assert response.status_code == 401


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


_TEXT = st.text(alphabet=st.sampled_from('[]{}"\\ab\n\u4e2d'), max_size=12)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(_JSON, st.booleans())
def test_json_depth_agrees_with_the_decoded_value(value: object, ascii_only: bool) -> None:
    body = json.dumps(value, ensure_ascii=ascii_only, indent=None).encode()
    assert json_depth(body) == _depth(value)
