"""The once scope and its neighbours through the API and pages, on SQLite and PostgreSQL: a second
run after payment pays nobody again and says why (zh/en), a repeated live run is 409 without a
reason, a run can be withdrawn, and an award in an unpublished run is as unknown to its
enterprise as an id that does not exist."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from kechuang.accounts.tables import AuditEntry
from tests.web.conftest import USCC_A, USCC_B, login
from tests.web.test_workflow_api import start_run, wait_for_job

RUN = {"policy_id": "first-above-scale-reward", "year": 2024}
ACCOUNT = {"account_name": "上海世界科技有限公司", "bank": "中国银行上海分行",
           "account_number": "6217000012345678"}  # fmt: skip


class Officers:
    """officer1 publishes, officer2 approves; both through the JSON API."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.one, self.two = TestClient(app), TestClient(app)
        self.one.headers["X-CSRF-Token"] = login(self.one, "officer1")
        self.two.headers["X-CSRF-Token"] = login(self.two, "officer2")

    def publish_and_approve(self, run_id: int) -> None:
        published = self.one.post(f"/api/v1/runs/{run_id}/publish", json={})
        assert published.status_code == 200, published.text
        self.app.state.clock.advance(14)
        approved = self.two.post(f"/api/v1/runs/{run_id}/approve", json={})
        assert approved.status_code == 200, approved.text


def enterprise(app: Any, username: str) -> TestClient:
    client = TestClient(app)
    client.headers["X-CSRF-Token"] = login(client, username)
    return client


def awards_of(client: TestClient, uscc: str) -> list[dict[str, Any]]:
    return client.get(f"/api/v1/enterprises/{uscc}/awards").json()["items"]  # type: ignore[no-any-return]


def test_a_second_run_after_payment_pays_nobody_again(any_app: Any) -> None:
    officers = Officers(any_app)
    first = start_run(officers.one, officers.one.headers["X-CSRF-Token"])
    officers.publish_and_approve(first)
    clients = {
        uscc: enterprise(any_app, name) for uscc, name in ((USCC_A, "ent_a"), (USCC_B, "ent_b"))
    }
    for uscc, client in clients.items():
        award = awards_of(client, uscc)[0]
        confirmed = client.post(f"/api/v1/enterprises/{uscc}/awards/{award['id']}/bank-account",
                                json=ACCOUNT)  # fmt: skip
        assert confirmed.status_code == 200, confirmed.text
    assert officers.one.post(f"/api/v1/runs/{first}/pay").json()["paid"] == 2

    second = start_run(officers.one, officers.one.headers["X-CSRF-Token"])  # first is closed
    run = officers.one.get(f"/api/v1/runs/{second}").json()
    assert (run["once_scope"], run["scope_key"], run["excluded"]) == ("ever", "ever", 2)
    assert run["allocated_fen"] == 0 and run["by_state"] == {}
    results = officers.one.get(f"/api/v1/runs/{second}/results", params={"outcome": "eligible"})
    for row in results.json()["items"]:
        assert row["excluded"] == {
            "scope_key": "ever",
            "held_by_run_id": first,
            "held_by_award_id": row["excluded"]["held_by_award_id"],
            "held_state": "paid",
            "reason_zh": f"已在批次 #{first} 获拨付，按政策只享受一次",
            "reason_en": f"already paid in run #{first}; the policy pays once",
        }
    officers.publish_and_approve(second)
    paid = officers.one.post(f"/api/v1/runs/{second}/pay").json()
    assert (paid["paid"], paid["paid_fen"]) == (0, 0)
    for uscc, client in clients.items():
        assert [a["state"] for a in awards_of(client, uscc)] == ["paid"]

    page = officers.one.get(f"/officer/runs/{second}").text
    assert f"已在批次 #{first} 获拨付，按政策只享受一次" in page and "每家企业只享受一次" in page
    english = officers.one.get(f"/officer/runs/{second}?lang=en").text
    assert f"already paid in run #{first}; the policy pays once" in english
    assert "once per enterprise, ever" in english


def test_a_repeated_live_run_is_409_until_it_gives_a_reason(any_app: Any) -> None:
    officers = Officers(any_app)
    first = start_run(officers.one, officers.one.headers["X-CSRF-Token"])
    refused = officers.two.post("/api/v1/runs", json=RUN)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert f"run {first} already screens first-above-scale-reward" in refused.json()["detail"]
    assert officers.one.get("/api/v1/runs").json()["total"] == 1

    started = officers.two.post("/api/v1/runs", json={**RUN, "reason": "更正数据后复核"})
    assert started.status_code == 202, started.text
    second = wait_for_job(officers.two, started.json()["id"])["run_id"]
    run = officers.two.get(f"/api/v1/runs/{second}").json()
    assert (run["start_reason"], run["duplicate_of"], run["excluded"]) == (
        "更正数据后复核",
        first,
        2,
    )
    with any_app.state.sessionmaker() as session:
        starts = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "run.start").order_by(AuditEntry.id)
        ).all()
    assert [(e.actor, (e.after or {}).get("reason")) for e in starts] == [
        ("officer1", None),
        ("officer2", "更正数据后复核"),
    ]

    # The page asks for the reason in its own language and names the run it repeats.
    form = {
        "policy_id": RUN["policy_id"],
        "year": "2024",
        "csrf_token": officers.one.headers["X-CSRF-Token"],
    }
    page = officers.one.post("/officer/runs", data=form)
    assert page.status_code == 409
    assert f'href="/officer/runs/{first}">#{first}</a>' in page.text and "请填写理由" in page.text
    english = officers.one.post("/officer/runs?lang=en", data=form)
    assert "Give the reason for another run" in english.text


def test_withdrawing_a_run_frees_its_enterprises(any_app: Any) -> None:
    officers = Officers(any_app)
    first = start_run(officers.one, officers.one.headers["X-CSRF-Token"])
    assert (
        officers.one.post(f"/api/v1/runs/{first}/withdraw", json={"reason": ""}).status_code == 422
    )
    withdrawn = officers.one.post(f"/api/v1/runs/{first}/withdraw", json={"reason": "数据有误"})
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["state"] == "withdrawn"
    again = officers.one.post(f"/api/v1/runs/{first}/withdraw", json={"reason": "再次"})
    assert again.status_code == 409 and "不能撤回" in again.json()["detail"]
    english = officers.one.post(f"/api/v1/runs/{first}/withdraw?lang=en", json={"reason": "再次"})
    assert english.status_code == 409 and "cannot withdraw" in english.json()["detail"]
    second = start_run(officers.one, officers.one.headers["X-CSRF-Token"])  # no reason needed
    assert officers.one.get(f"/api/v1/runs/{second}").json()["excluded"] == 0
    # Never published: the enterprise never learns the withdrawn run existed.
    assert awards_of(enterprise(any_app, "ent_a"), USCC_A) == []


def test_an_award_in_an_unpublished_run_is_404_like_an_unknown_id(any_app: Any) -> None:
    officers = Officers(any_app)
    run_id = start_run(officers.one, officers.one.headers["X-CSRF-Token"])
    award_id = next(
        a["id"] for a in officers.one.get(f"/api/v1/runs/{run_id}/awards").json()["items"]
        if a["uscc"] == USCC_A
    )  # fmt: skip
    unknown = award_id + 1000
    client = enterprise(any_app, "ent_a")
    csrf = client.headers["X-CSRF-Token"]

    def answers(guess: int) -> list[tuple[int, str, str]]:
        def masked(text: str) -> str:
            return re.sub(rf"award(\s|%20|\+){guess}\b", r"award\1N", text)

        base = f"/api/v1/enterprises/{USCC_A}/awards/{guess}"
        found = []
        for path, body in (("bank-account", ACCOUNT), ("objections", {"reason": "x"})):
            response = client.post(f"{base}/{path}", json=body)
            problem = response.json()
            found.append((response.status_code, problem["type"], masked(problem["detail"])))
        for path, form in (("bank-account", ACCOUNT), ("objections", {"reason": "x"})):
            url = f"/enterprises/{USCC_A}/awards/{guess}/{path}"
            page = client.post(url, data={**form, "csrf_token": csrf}, follow_redirects=False)
            # the form answers with the error page, saying the same as the API
            said = f"no award N for {USCC_A}" in masked(page.text)
            found.append((page.status_code, str(said), ""))
        return found

    hidden, missing = answers(award_id), answers(unknown)
    assert hidden == missing
    assert hidden[0] == (404, "https://kechuang.example/problems/not-found",
                         f"no award N for {USCC_A}")  # fmt: skip
    officers.publish_and_approve(run_id)
    confirmed = client.post(
        f"/api/v1/enterprises/{USCC_A}/awards/{award_id}/bank-account", json=ACCOUNT
    )
    assert confirmed.status_code == 200, confirmed.text


def test_a_negative_amount_is_422_naming_the_parameter(any_app: Any) -> None:
    officers = Officers(any_app)
    sets = {**RUN, "sets": ["first-above-scale-reward.amount=-5"]}
    refused = officers.one.post("/api/v1/runs", json=sets)
    assert refused.status_code == 422
    assert "amount must be at least 0 (unit yuan)" in refused.json()["detail"]
    what_if = officers.one.post("/api/v1/whatif", json={**RUN, "overrides": {"amount": "-5"}})
    assert what_if.status_code == 422
    assert "amount must be at least 0 (unit yuan)" in what_if.json()["detail"]
    assert officers.one.get("/api/v1/runs").json()["total"] == 0


def test_the_policy_page_says_what_once_means(any_app: Any) -> None:
    client = TestClient(any_app)
    login(client, "ent_a")
    detail = client.get("/api/v1/policies/first-above-scale-reward").json()
    assert detail["once_scope"] == "ever"
    assert detail["once_text"] == {"zh": "每家企业只享受一次", "en": "once per enterprise, ever"}
    premium = client.get("/api/v1/policies/premium-subsidy-2025").json()
    assert premium["once_scope"] == "per_period"
    share = next(p for p in premium["parameters"] if p["name"] == "subsidy_share")
    assert (share["minimum"], share["maximum"]) == ("0%", "100%")
    assert client.get("/api/v1/policies/tsme-2017").json()["once_scope"] is None
    page = client.get("/policies/premium-subsidy-2025").text
    assert "每家企业在本版本有效期内享受一次" in page
