"""The workbench pages and forms (what the browser journey clicks), through HTTP on SQLite: the
list, the live check fragment, a draft created and cased by forms, review and publication by a
second officer, the page of a published version saying why it cannot be edited, in zh and en;
enterprises are kept out of every workbench page."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient

from kechuang.policies import service
from kechuang.store.engine import make_sessionmaker
from tests.policies.workbench_helpers import CASES, REWARD
from tests.web.conftest import (  # noqa: F401 - fixtures
    engine,
    login,
    world_app,
    world_engine,
)


def _client(app: Any, user: str) -> tuple[TestClient, str]:
    client = TestClient(app, follow_redirects=False)
    return client, login(client, user)


def test_the_workbench_by_forms(world_app: Any) -> None:  # noqa: F811
    with make_sessionmaker(world_app.state.engine)() as session:
        service.seed(session)
        session.commit()
    officer, csrf = _client(world_app, "officer1")
    listing = officer.get("/officer/policies")
    assert listing.status_code == 200
    assert "first-above-scale-reward" in listing.text and "new-source" in listing.text

    typo = REWARD.replace("revenue > min_revenue", "revenue > min_revenu")
    fragment = officer.post("/officer/policies/check", data={"source": typo},
                            headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert "field-error" in fragment.text and "min_revenue" in fragment.text
    good = officer.post("/officer/policies/check", data={"source": REWARD},
                        headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert 'class="ok"' in good.text

    created = officer.post("/officer/policies/drafts", data={"source": REWARD, "csrf_token": csrf})
    assert created.status_code == 303, created.text
    page_url = created.headers["location"].split("?")[0]
    for name, facts, outcome, fen in CASES:
        form = {"name": name, "year": "2024", "facts": json.dumps(facts), "outcome": outcome,
                "csrf_token": csrf}  # fmt: skip
        if fen is not None:
            form["benefit_yuan"] = f"{fen // 100}"
        added = officer.post(f"{page_url}/add-case", data=form)
        assert added.status_code == 303, added.text
    page = officer.get(page_url).text
    assert page.count('data-passed="true"') == 3 * 3  # each case, by scalar and by SQL
    assert 'id="step-submit"' in page and 'id="editor"' in page
    assert officer.post(f"{page_url}/submit", data={"csrf_token": csrf}).status_code == 303

    reviewer, csrf2 = _client(world_app, "officer2")
    refused = officer.post(f"{page_url}/approve", data={"csrf_token": csrf})
    assert refused.status_code == 403 and "四眼" in refused.text
    approved = reviewer.post(f"{page_url}/approve", data={"comment": "ok", "csrf_token": csrf2})
    assert approved.status_code == 303
    assert reviewer.post(f"{page_url}/publish", data={"csrf_token": csrf2}).status_code == 303
    published = reviewer.get(page_url).text
    assert 'data-state="published"' in published and 'id="immutable"' in published
    assert 'id="editor"' not in published and 'id="step-copy"' in published
    english = reviewer.get(page_url + "?lang=en").text
    assert "it cannot be edited" in english and "Golden cases" in english

    runs = officer.get("/officer/runs").text
    assert "科技服务业企业成长奖励 (v2024.1: 2024–2026)" in runs

    enterprise, _ = _client(world_app, "ent_a")
    for path in ("/officer/policies", page_url):
        assert enterprise.get(path).status_code in (403, 404)


def test_a_saved_whatif_becomes_a_draft_amending_the_amount(world_app: Any) -> None:  # noqa: F811
    with make_sessionmaker(world_app.state.engine)() as session:
        service.seed(session)
        session.commit()
    officer, csrf = _client(world_app, "officer1")
    headers = {"X-CSRF-Token": csrf}
    tried = {"policy_id": "first-above-scale-reward", "year": "2024", "param.amount": "250000"}
    fragment = officer.post("/officer/whatif", headers=headers, data=tried)
    assert 'id="whatif-save"' in fragment.text
    values = re.search(r"name=\"values\" value='([^']*)'", fragment.text)
    assert values is not None
    saved = officer.post("/officer/policies/drafts/what-if", data={
        "policy_id": "first-above-scale-reward", "year": "2024", "values": values.group(1),
        "new_version": "2026.3", "csrf_token": csrf})  # fmt: skip
    assert saved.status_code == 303, saved.text
    version_id = int(saved.headers["location"].split("?")[0].rsplit("/", 1)[1])
    with make_sessionmaker(world_app.state.engine)() as session:
        draft = service.get(session, version_id)
        assert (draft.state, draft.version, draft.author) == ("draft", "2026.3", "officer1")
        policy = service.parse(draft)
    # 2024 and 2025 pay the tried amount from the what-if's year; 2026 keeps its own value.
    assert policy.parameter_values(2024)["amount"] == 250000
    assert policy.parameter_values(2026)["amount"] == 300000
    refused = officer.post("/officer/policies/drafts/what-if", data={
        "policy_id": "first-above-scale-reward", "year": "2024", "values": '{"amount": "-1"}',
        "new_version": "2026.4", "csrf_token": csrf})  # fmt: skip
    assert refused.status_code == 422 and "amount" in refused.text
