"""Access control of every API route, generated from app.routes: a route without a case here
fails `test_every_api_route_has_a_case`.

For each route: an unauthenticated call is refused (401); a state change riding on the session
cookie without the CSRF token is refused (403); another enterprise, and a bank, asking for an
enterprise's data get 403 or 404 (404 where the route is about one party's data, so nothing
leaks about what exists). Routes whose data is shared by everyone logged in (the policy
library, who-am-I) say so, and are checked to answer the enterprise.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kechuang.store.engine import make_engine
from kechuang.store.migrate import upgrade
from kechuang.web.app import create_app
from tests.web.conftest import PASSWORD, USCC_A, Clock, build_world, login

PUBLIC = {("GET", "/api/v1/status"), ("POST", "/api/v1/session")}


@dataclass(frozen=True)
class Case:
    """How to call a route against enterprise A's data, and who else may see it."""

    path: str  # with {names} filled from the world's ids
    body: dict[str, Any] | None = None
    shared: bool = False  # data every logged-in role may read (no party owns it)
    query: dict[str, Any] = field(default_factory=dict)


CASES: dict[tuple[str, str], Case] = {
    ("DELETE", "/api/v1/session"): Case("/api/v1/session", shared=True),
    ("GET", "/api/v1/me"): Case("/api/v1/me", shared=True),
    ("GET", "/api/v1/accounts"): Case("/api/v1/accounts"),
    ("GET", "/api/v1/audit"): Case("/api/v1/audit"),
    ("GET", "/api/v1/policies"): Case("/api/v1/policies", shared=True),
    ("GET", "/api/v1/policies/{policy_id}"): Case(
        "/api/v1/policies/first-above-scale-reward", shared=True
    ),
    ("GET", "/api/v1/enterprises"): Case("/api/v1/enterprises", query={"q": USCC_A}),
    ("GET", "/api/v1/enterprises/{uscc}"): Case("/api/v1/enterprises/{uscc}"),
    ("GET", "/api/v1/enterprises/{uscc}/policies"): Case("/api/v1/enterprises/{uscc}/policies"),
    ("GET", "/api/v1/enterprises/{uscc}/policies/{policy_id}"): Case(
        "/api/v1/enterprises/{uscc}/policies/first-above-scale-reward"
    ),
    ("GET", "/api/v1/enterprises/{uscc}/awards"): Case("/api/v1/enterprises/{uscc}/awards"),
    ("POST", "/api/v1/enterprises/{uscc}/awards/{award_id}/bank-account"): Case(
        "/api/v1/enterprises/{uscc}/awards/{award_id}/bank-account",
        {"account_name": "x", "bank": "y", "account_number": "12345678"},
    ),
    ("POST", "/api/v1/enterprises/{uscc}/awards/{award_id}/objections"): Case(
        "/api/v1/enterprises/{uscc}/awards/{award_id}/objections", {"reason": "r"}
    ),
    ("POST", "/api/v1/runs"): Case(
        "/api/v1/runs", {"policy_id": "first-above-scale-reward", "year": 2024}
    ),
    ("GET", "/api/v1/jobs/{job_id}"): Case("/api/v1/jobs/{job_id}"),
    ("GET", "/api/v1/runs"): Case("/api/v1/runs"),
    ("GET", "/api/v1/runs/{run_id}"): Case("/api/v1/runs/{run_id}"),
    ("GET", "/api/v1/runs/{run_id}/results"): Case("/api/v1/runs/{run_id}/results"),
    ("GET", "/api/v1/runs/{run_id}/awards"): Case("/api/v1/runs/{run_id}/awards"),
    ("GET", "/api/v1/runs/{run_id}/objections"): Case("/api/v1/runs/{run_id}/objections"),
    ("POST", "/api/v1/runs/{run_id}/publish"): Case("/api/v1/runs/{run_id}/publish", {}),
    ("POST", "/api/v1/runs/{run_id}/approve"): Case("/api/v1/runs/{run_id}/approve", {}),
    ("POST", "/api/v1/objections/{objection_id}/decision"): Case(
        "/api/v1/objections/{objection_id}/decision", {"decision": "rejected", "reason": "r"}
    ),
    ("POST", "/api/v1/runs/{run_id}/pay"): Case("/api/v1/runs/{run_id}/pay"),
    ("POST", "/api/v1/runs/{run_id}/awards/{uscc}/clawback"): Case(
        "/api/v1/runs/{run_id}/awards/{uscc}/clawback", {"reason": "r"}
    ),
    ("GET", "/api/v1/runs/{run_id}/export/{kind}"): Case("/api/v1/runs/{run_id}/export/notice"),
    ("POST", "/api/v1/whatif"): Case(
        "/api/v1/whatif", {"policy_id": "first-above-scale-reward", "year": 2024}
    ),
    ("GET", "/api/v1/stats"): Case("/api/v1/stats"),
    # kechuang.stats and kechuang.cultivation: analysts' aggregates, no party's own data.
    ("GET", "/api/v1/indicators"): Case("/api/v1/indicators"),
    ("GET", "/api/v1/indicators/{indicator_id}/values"): Case(
        "/api/v1/indicators/enterprises/values"
    ),
    ("GET", "/api/v1/cultivation/funnel"): Case("/api/v1/cultivation/funnel"),
    ("GET", "/api/v1/cultivation/moves"): Case("/api/v1/cultivation/moves"),
    ("GET", "/api/v1/cultivation/watch"): Case("/api/v1/cultivation/watch"),
    ("GET", "/api/v1/cultivation/incubators"): Case("/api/v1/cultivation/incubators"),
    ("GET", "/api/v1/stats.csv"): Case("/api/v1/stats.csv"),
    # Finance (kechuang.finance.router; its own access tests are tests/finance/test_api.py).
    ("GET", "/api/v1/finance/products"): Case("/api/v1/finance/products", shared=True),
    ("GET", "/api/v1/finance/loans"): Case("/api/v1/finance/loans"),
    ("GET", "/api/v1/finance/loans/{loan_id}"): Case("/api/v1/finance/loans/1"),
    # A bank may apply for any enterprise; this one is not in the store (404).
    ("POST", "/api/v1/finance/loans"): Case(
        "/api/v1/finance/loans",
        {
            "product_id": "performance-loan",
            "uscc": "91310115MA19999998",
            "partner_org": "p",
            "bank_ref": "r",
            "principal_fen": 100_000_000,
            "term_months": 12,
            "method": "interest_only",
        },
    ),
    **{
        ("POST", f"/api/v1/finance/loans/{{loan_id}}/{step}"): Case(
            f"/api/v1/finance/loans/1/{step}", {}
        )
        for step in ("approve", "disburse", "default", "claim")
    },
    **{
        ("POST", f"/api/v1/finance/loans/{{loan_id}}/{kind}"): Case(
            f"/api/v1/finance/loans/1/{kind}", {"ref": "r", "amount_fen": 1}
        )
        for kind in ("repayments", "recoveries")
    },
    ("GET", "/api/v1/finance/indicators"): Case("/api/v1/finance/indicators"),
    ("GET", "/api/v1/finance/sub-funds"): Case("/api/v1/finance/sub-funds"),
    ("GET", "/api/v1/finance/returns"): Case("/api/v1/finance/returns"),
}
# Lists scoped to the caller rather than refused: a 200 must hold nothing of enterprise A.
SCOPED = {
    ("GET", "/api/v1/enterprises"),
    ("GET", "/api/v1/finance/loans"),
    ("GET", "/api/v1/finance/indicators"),
}


def api_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every API route, included routers flattened."""

    def flat(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            if hasattr(route, "original_router"):
                yield from flat(route.original_router.routes)
            else:
                yield route

    return {
        (method, route.path)
        for route in flat(app.routes)
        if route.path.startswith("/api/")
        for method in getattr(route, "methods", set()) - {"HEAD"}
    }


@dataclass
class World:
    app: Any
    ids: dict[str, Any]

    def client(self, username: str | None = None) -> TestClient:
        client = TestClient(self.app)
        if username:
            client.headers["X-CSRF-Token"] = login(client, username)
        return client


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A published run in which enterprise A has an award and an objection."""
    tmp = tmp_path_factory.mktemp("access")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KECHUANG_VAR_DIR", str(tmp / "var"))
        engine = make_engine(f"sqlite:///{tmp / 'access.db'}")
        upgrade(engine)
        build_world(engine)
        app = create_app(engine)
        app.state.clock = Clock()
        world = World(app, {"uscc": USCC_A, "kind": "notice"})
        officer = world.client("officer1")
        job = officer.post("/api/v1/runs", json=CASES[("POST", "/api/v1/runs")].body).json()
        deadline = time.monotonic() + 60
        while not officer.get(f"/api/v1/jobs/{job['id']}").json()["finished"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        run_id = officer.get(f"/api/v1/jobs/{job['id']}").json()["run_id"]
        officer.post(f"/api/v1/runs/{run_id}/publish", json={})
        enterprise = world.client("ent_a")
        award_id = enterprise.get(f"/api/v1/enterprises/{USCC_A}/awards").json()["items"][0]["id"]
        objection = enterprise.post(
            f"/api/v1/enterprises/{USCC_A}/awards/{award_id}/objections", json={"reason": "r"}
        ).json()
        world.ids.update(
            job_id=job["id"], run_id=run_id, award_id=award_id, objection_id=objection["id"]
        )
        yield world
        engine.dispose()


def _call(client: TestClient, method: str, case: Case, ids: dict[str, Any]) -> Any:
    return client.request(method, case.path.format(**ids), params=case.query, json=case.body)


def test_every_api_route_has_a_case(world: World) -> None:
    routes = api_routes(world.app)
    missing = routes - set(CASES) - PUBLIC
    assert not missing, f"API routes without an access case: {sorted(missing)}"
    assert not set(CASES) - routes, "cases of routes that no longer exist"


@pytest.mark.parametrize(("method", "path"), sorted(CASES))
def test_unauthenticated_call_is_refused(world: World, method: str, path: str) -> None:
    response = _call(world.client(), method, CASES[(method, path)], world.ids)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401


@pytest.mark.parametrize(
    ("method", "path"), sorted(k for k in CASES if k[0] in {"POST", "PUT", "PATCH", "DELETE"})
)
def test_state_change_without_csrf_token_is_refused(world: World, method: str, path: str) -> None:
    for username in ("officer2", "ent_a"):
        client = world.client(username)
        del client.headers["X-CSRF-Token"]
        response = _call(client, method, CASES[(method, path)], world.ids)
        assert response.status_code == 403, (username, response.text)
        assert response.json()["type"].endswith("/csrf")
        client.headers["X-CSRF-Token"] = "forged"
        assert _call(client, method, CASES[(method, path)], world.ids).status_code == 403


@pytest.mark.parametrize("username", ["ent_b", "bank1"])
@pytest.mark.parametrize(("method", "path"), sorted(CASES))
def test_another_party_cannot_reach_enterprise_a(
    world: World, username: str, method: str, path: str
) -> None:
    case = CASES[(method, path)]
    client = world.client(username)
    response = _call(client, method, case, world.ids)
    if case.shared:
        assert response.status_code in (200, 204), response.text
        return
    if (method, path) in SCOPED and response.status_code == 200:
        # A list is scoped, not refused: it holds nothing of A.
        body = response.json()
        if "items" in body:
            assert all(item.get("uscc") != USCC_A for item in body["items"])
        else:
            assert USCC_A not in response.text
        return
    assert response.status_code in (403, 404), response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_enterprise_sees_only_itself_in_the_list(world: World) -> None:
    items = world.client("ent_b").get("/api/v1/enterprises").json()["items"]
    assert [i["uscc"] for i in items] != [] and all(i["uscc"] != USCC_A for i in items)
    assert len(items) == 1


def test_bearer_token_needs_no_csrf_token(world: World) -> None:
    client = TestClient(world.app)
    token = client.post(
        "/api/v1/session", json={"username": "analyst1", "password": PASSWORD}
    ).json()["token"]
    bare = TestClient(world.app)  # no cookie: the token is not ambient, nothing to forge
    response = bare.post(
        "/api/v1/whatif",
        json={"policy_id": "first-above-scale-reward", "year": 2024, "overrides": {}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text


def test_pages_and_forms_need_login_and_csrf(world: World, tmp_path: Path) -> None:
    anonymous = TestClient(world.app, follow_redirects=False)
    page = anonymous.get("/officer/runs")
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    officer = world.client("officer1")
    del officer.headers["X-CSRF-Token"]
    form = officer.post(f"/officer/runs/{world.ids['run_id']}/pay", data={"csrf_token": "no"})
    assert form.status_code == 403
    login_form = anonymous.post("/login", data={"username": "officer1", "password": PASSWORD})
    assert login_form.status_code == 403  # no double-submit token: no login CSRF
