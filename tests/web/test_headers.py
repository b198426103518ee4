"""Security headers on every page and API response, signed in or not, success or error."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from starlette.routing import Route

from kechuang.http.headers import CONTENT_SECURITY_POLICY
from tests.web.conftest import USCC_A, login

# Path parameters of the routes, by name; anything else gets "1".
VALUES = {"uscc": USCC_A, "kind": "notice", "policy_id": "first-above-scale-reward"}


def routes(router: Any) -> list[Route]:
    """Every route, including those of the routers the app includes (ours have no prefix)."""
    found = []
    for route in router.routes:
        included = getattr(route, "original_router", None)
        found.extend(routes(included) if included is not None else [route])
    return found


def get_paths(app: Any) -> list[str]:
    return [
        re.sub(r"\{(\w+)(:\w+)?\}", lambda m: VALUES.get(m.group(1), "1"), route.path)
        for route in routes(app)
        if isinstance(route, Route) and "GET" in (route.methods or ())
    ]


def assert_secured(response: Any, cached: bool = False) -> None:
    headers = response.headers
    where = f"{response.request.url.path} ({response.status_code})"
    assert headers["x-frame-options"] == "DENY", where
    assert headers["x-content-type-options"] == "nosniff", where
    assert headers["referrer-policy"] == "same-origin", where
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy, where
    assert "'unsafe-inline'" not in re.sub(r"style-src(-attr)? [^;]*", "", policy), where
    assert "'unsafe-eval'" not in policy, where
    if not cached:
        assert headers["cache-control"] == "no-store", where


def test_the_page_policy_runs_no_inline_script_and_allows_no_framing() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"


@pytest.mark.parametrize("who", ["officer1", "admin1", "ent_a", None])
def test_every_get_route_answers_with_the_security_headers(world_app: Any, who: str | None) -> None:
    client = TestClient(world_app, follow_redirects=False)
    if who:
        login(client, who)
    paths = get_paths(world_app)
    assert {"/officer/runs", "/dashboard", "/indicators", "/report", "/cultivation",
            "/transfer", "/finance", "/api/v1/status", "/docs"} <= set(paths)  # fmt: skip
    statuses = set()
    for path in paths:
        response = client.get(path)
        statuses.add(response.status_code)
        assert_secured(response)
    assert 200 in statuses and statuses & {303, 401, 403, 404}


def test_posts_and_errors_carry_them_too(world_app: Any) -> None:
    client = TestClient(world_app, follow_redirects=False)
    assert_secured(client.post("/api/v1/session", json={"username": "x", "password": "y"}))
    assert_secured(client.post("/logout"))
    login(client, "officer1")
    assert_secured(client.post("/api/v1/runs", json={}))  # no CSRF token: 403
    assert_secured(client.get("/no-such-page"))


def test_static_assets_may_be_cached_but_not_sniffed(world_app: Any) -> None:
    client = TestClient(world_app)
    for name in ("kechuang.js", "charts.js", "kechuang.css", "vendor/htmx.min.js"):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200
        assert_secured(response, cached=True)
        assert "no-store" not in response.headers.get("cache-control", "")


def test_the_report_is_served_under_its_own_hash_policy(world_app: Any) -> None:
    from kechuang.stats.report import policy

    client = TestClient(world_app)
    login(client, "analyst1")
    response = client.get("/report")
    # The world has facts: the report renders; its policy is the file's, plus no framing.
    assert response.status_code == 200, response.text[:200]
    assert response.headers["content-security-policy"] == f"{policy()}; frame-ancestors 'none'"
    assert f'content="{escape(policy())}"' in response.text  # the file carries it too
    assert_secured(response)
