"""Property-based API checks with schemathesis against /openapi.json: no 500s, and every
response (status, content type, body) matches the schema. A few examples per operation so
that CI stays fast; an officer's Bearer token so that the calls reach the handlers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from kechuang.store.engine import make_engine
from kechuang.store.migrate import upgrade
from kechuang.web.app import create_app
from tests.web.conftest import PASSWORD, Clock, build_world

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KECHUANG_VAR_DIR", str(tmp / "var"))
        engine = make_engine(f"sqlite:///{tmp / 'api.db'}")
        upgrade(engine)
        build_world(engine)
        app = create_app(engine)
        app.state.clock = Clock()
        yield app
        engine.dispose()


@pytest.fixture(scope="module")
def token(api_app: Any) -> str:
    from fastapi.testclient import TestClient

    response = TestClient(api_app).post(
        "/api/v1/session", json={"username": "officer1", "password": PASSWORD}
    )
    return str(response.json()["token"])


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(scope="module")
def api_schema(api_app: Any) -> Any:
    loaded = schemathesis.openapi.from_asgi("/openapi.json", api_app)
    # Logging out would end the token that the other operations use.
    return loaded.exclude(method="DELETE", path="/api/v1/session")


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_matches_its_schema(case: Any, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
