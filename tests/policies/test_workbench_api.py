"""The workbench through the API on SQLite and PostgreSQL: an officer drafts the new city reward,
adds golden cases, a second officer approves and publishes it, and a run screens exactly that
version; who may do what (officers author, the author never approves, admins read, enterprises
see only what is published), stale edits and edits of a published version refused with 409."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from kechuang.policies import service
from kechuang.screening.tables import ScreeningRun
from kechuang.store.engine import make_sessionmaker
from tests.policies.workbench_helpers import CASES, REWARD
from tests.web.conftest import USCC_A, USCC_B, any_app, login  # noqa: F401 - any_app: fixture
from tests.web.test_workflow_api import wait_for_job

API = "/api/v1/policies"


def _seed(app: Any) -> None:
    with make_sessionmaker(app.state.engine)() as session:
        service.seed(session)
        session.commit()


def _client(app: Any, user: str) -> tuple[TestClient, dict[str, str]]:
    client = TestClient(app)
    return client, {"X-CSRF-Token": login(client, user)}


def test_draft_review_publish_and_run_through_the_api(any_app: Any) -> None:  # noqa: F811
    _seed(any_app)
    officer1, h1 = _client(any_app, "officer1")
    officer2, h2 = _client(any_app, "officer2")
    admin, ha = _client(any_app, "admin1")
    enterprise, he = _client(any_app, "ent_a")

    # Only officers author; an enterprise learns nothing of drafts.
    assert admin.post(f"{API}/drafts", json={"source": REWARD}, headers=ha).status_code == 403
    assert enterprise.post(f"{API}/drafts", json={"source": REWARD}, headers=he).status_code == 403
    created = officer1.post(f"{API}/drafts", json={"source": REWARD}, headers=h1)
    assert created.status_code == 201, created.text
    draft = created.json()
    vid = draft["id"]
    assert (draft["state"], draft["author"], draft["revision"]) == ("draft", "officer1", 1)
    assert enterprise.get(f"{API}/versions/{vid}").status_code == 403
    assert admin.get(f"{API}/versions/{vid}").json()["state"] == "draft"
    assert enterprise.get(f"{API}/city-growth-reward").status_code == 404

    for name, facts, outcome, fen in CASES:
        body = {"name": name, "year": 2024, "facts": facts, "outcome": outcome}
        if fen is not None:
            body["benefit_yuan"] = f"{fen // 100}"
        added = officer1.post(f"{API}/versions/{vid}/add-case", json=body, headers=h1)
        assert added.status_code == 201, added.text
    # A case may take a stored enterprise's facts (kept in the case, so it stays reproducible).
    real = officer1.post(f"{API}/versions/{vid}/add-case", headers=h1, json={
        "name": "enterprise A as stored", "year": 2024, "uscc": USCC_A, "outcome": "eligible",
        "benefit_yuan": "100000"})  # fmt: skip
    assert real.status_code == 201, real.text
    cases = officer1.get(f"{API}/versions/{vid}/cases").json()
    assert [c["passed"] for c in cases] == [True, True, True, True]

    # One click screens the stored population against the version in force (none: all new).
    simulated = officer1.post(f"{API}/versions/{vid}/simulate", json={"year": 2024}, headers=h1)
    assert simulated.status_code == 201, simulated.text
    sim = simulated.json()
    assert sim["baseline"] is None and sim["population"] == 3 and sim["changed"] == 3
    assert sim["outcomes"] == {"eligible": {"gained": 2, "lost": 0, "kept": 0},
                               "ineligible": {"gained": 1, "lost": 0, "kept": 0}}  # fmt: skip
    assert (sim["after_due_fen"], sim["budget_fen"], sim["after_factor"]) == (
        20_000_000, 500_000_000, "1")  # fmt: skip
    table = officer1.get(f"{API}/versions/{vid}/simulation.csv").text.splitlines()
    assert table[0].startswith("uscc,district,park,before,after") and len(table) == 4
    assert f"{USCC_A},310115,,none,eligible,0.00,100000.00," in table

    # An edit from a stale revision is refused, naming who saved in between.
    ok = officer1.post(f"{API}/versions/{vid}/edit", headers=h1,
                       json={"source": REWARD.replace("1号", "2号"), "revision": 1})  # fmt: skip
    assert ok.status_code == 200 and ok.json()["revision"] == 2
    stale = officer2.post(f"{API}/versions/{vid}/edit", headers=h2,
                          json={"source": REWARD, "revision": 1})  # fmt: skip
    assert stale.status_code == 409 and "officer1" in stale.json()["detail"]

    # Four eyes: the author submits but neither approves nor publishes.
    assert officer1.post(f"{API}/versions/{vid}/submit", headers=h1).json()["state"] == "in_review"
    refused = officer1.post(f"{API}/versions/{vid}/approve", json={}, headers=h1)
    assert refused.status_code == 403
    approved = officer2.post(f"{API}/versions/{vid}/approve", json={"comment": "ok"}, headers=h2)
    assert approved.json()["state"] == "approved" and approved.json()["reviewer"] == "officer2"
    assert officer1.post(f"{API}/versions/{vid}/publish", headers=h1).status_code == 403
    assert officer2.post(f"{API}/versions/{vid}/publish", headers=h2).json()["state"] == "published"

    # Published versions are immutable.
    edit = officer1.post(f"{API}/versions/{vid}/edit", headers=h1,
                         json={"source": REWARD, "revision": 2})  # fmt: skip
    assert edit.status_code == 409
    assert "已发布" in edit.json()["detail"]

    # Now enterprises see it in the library, and a run screens exactly this version.
    assert enterprise.get(f"{API}/city-growth-reward").json()["version"] == "2024.1"
    started = officer1.post("/api/v1/runs", json={"policy_id": "city-growth-reward", "year": 2024},
                            headers=h1)  # fmt: skip
    assert started.status_code == 202, started.text
    job = wait_for_job(officer1, started.json()["id"])
    assert job["error"] is None, job
    run = officer1.get(f"/api/v1/runs/{job['run_id']}").json()
    assert run["policy_version"] == "2024.1" and run["counts"]["eligible"] == 2
    results = officer1.get(f"/api/v1/runs/{job['run_id']}/results",
                           params={"outcome": "eligible"}).json()  # fmt: skip
    assert {r["uscc"] for r in results["items"]} == {USCC_A, USCC_B}
    exported = officer1.get(f"{API}/versions/{vid}/yaml").text
    with make_sessionmaker(any_app.state.engine)() as session:
        stored = session.scalars(select(ScreeningRun.policy_hash)).one()
    assert stored == hashlib.sha256(exported.encode()).hexdigest()
    history = [e["event"] for e in admin.get(f"{API}/versions/{vid}/history").json()]
    assert history == ["create", "submit", "approve", "publish"]


def test_the_live_check_answers_with_line_and_column(any_app: Any) -> None:  # noqa: F811
    officer, headers = _client(any_app, "officer1")
    broken = REWARD.replace("years_ago(revenue, 1)", "years_ago(revenu, 1)")
    answer = officer.post("/api/v1/policy-check", json={"source": broken}, headers=headers).json()
    assert answer["ok"] is False
    (error,) = answer["errors"]
    lines = broken.splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "revenu," in text)
    assert (error["line"], error["column"]) == (line, lines[line - 1].index("revenu,") + 1)
    assert "revenue" in error["message"]  # the suggestion
    assert answer["server_ms"] < 50
    check = "/api/v1/policy-check"
    assert officer.post(check, json={"source": REWARD}, headers=headers).json()["ok"]
    enterprise, he = _client(any_app, "ent_a")
    assert enterprise.post(check, json={"source": REWARD}, headers=he).status_code == 403


def test_a_smaller_budget_shows_its_pro_rata_factor(any_app: Any) -> None:  # noqa: F811
    _seed(any_app)
    officer, headers = _client(any_app, "officer1")
    versions = officer.get(f"{API}/versions").json()
    (shipped,) = [v for v in versions if v["policy_id"] == "first-above-scale-reward"]
    copy = officer.post(f"{API}/versions/{shipped['id']}/copy", json={"new_version": "2026.3"},
                        headers=headers).json()  # fmt: skip
    text = officer.get(f"{API}/versions/{copy['id']}/yaml").text
    smaller = text.replace("budget: {amount: 20000000", "budget: {amount: 300000")
    edited = officer.post(f"{API}/versions/{copy['id']}/edit", headers=headers,
                          json={"source": smaller, "revision": 1})  # fmt: skip
    assert edited.status_code == 200, edited.text
    sim = officer.post(f"{API}/versions/{copy['id']}/simulate", json={"year": 2024},
                       headers=headers).json()  # fmt: skip
    # Two enterprises due 200,000 yuan each against 300,000: three quarters each, exactly.
    assert sim["baseline"] == "first-above-scale-reward@2026.2"
    assert sim["outcomes"]["eligible"] == {"gained": 0, "lost": 0, "kept": 2}
    assert (sim["before_factor"], sim["after_factor"]) == ("1", "3/4")
    assert sim["after_due_fen"] == 40_000_000 and sim["changed"] == 0
