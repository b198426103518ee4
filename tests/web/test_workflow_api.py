"""The 免申即享 workflow through the API: screening run → publish → four-eyes approval → the
enterprise confirms its account → payment, seen by the officer and by the enterprise."""

from __future__ import annotations

import io
import time
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.web.conftest import USCC_A, USCC_B, login


def wait_for_job(client: TestClient, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["finished"]:
            return job  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError("screening job did not finish")


def start_run(client: TestClient, csrf: str) -> int:
    response = client.post(
        "/api/v1/runs",
        json={"policy_id": "first-above-scale-reward", "year": 2024},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 202, response.text
    job = wait_for_job(client, response.json()["id"])
    assert job["error"] is None, job
    return int(job["run_id"])


def test_screen_publish_approve_confirm_pay(any_app: Any) -> None:
    world_app = any_app
    officer1, officer2, enterprise = (
        TestClient(world_app),
        TestClient(world_app),
        TestClient(world_app),
    )
    csrf1, csrf2, csrf_e = (
        login(officer1, "officer1"),
        login(officer2, "officer2"),
        login(enterprise, "ent_a"),
    )

    run_id = start_run(officer1, csrf1)
    run = officer1.get(f"/api/v1/runs/{run_id}").json()
    assert run["state"] == "screened"
    assert run["counts"]["eligible"] == 2
    results = officer1.get(f"/api/v1/runs/{run_id}/results", params={"outcome": "eligible"}).json()
    assert {r["uscc"] for r in results["items"]} == {USCC_A, USCC_B}
    assert results["total"] == 2

    # Before publication the enterprise sees no award.
    assert enterprise.get(f"/api/v1/enterprises/{USCC_A}/awards").json()["total"] == 0

    published = officer1.post(
        f"/api/v1/runs/{run_id}/publish", json={"notice_days": 5}, headers={"X-CSRF-Token": csrf1}
    )
    assert published.status_code == 200, published.text
    assert published.json()["state"] == "published"

    # Four-eyes: the publisher cannot approve; nobody approves during the notice period.
    world_app.state.clock.advance(30)
    same = officer1.post(f"/api/v1/runs/{run_id}/approve", json={}, headers={"X-CSRF-Token": csrf1})
    assert same.status_code == 409
    assert same.headers["content-type"] == "application/problem+json"
    assert "four-eyes" in same.json()["detail"]
    approved = officer2.post(
        f"/api/v1/runs/{run_id}/approve", json={}, headers={"X-CSRF-Token": csrf2}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_by"] == "officer2"

    awards = enterprise.get(f"/api/v1/enterprises/{USCC_A}/awards").json()["items"]
    assert len(awards) == 1 and awards[0]["state"] == "approved"
    assert awards[0]["allocated_fen"] == 20_000_000  # 200,000 yuan (the amount from 2024)
    why = enterprise.get(f"/api/v1/enterprises/{USCC_A}/policies/first-above-scale-reward").json()
    assert why["verdict"]["outcome"] == "eligible"
    assert "符合" in why["text"]

    confirmed = enterprise.post(
        f"/api/v1/enterprises/{USCC_A}/awards/{awards[0]['id']}/bank-account",
        json={
            "account_name": "上海世界1科技有限公司",
            "bank": "示例银行",
            "account_number": "6222 0000 1111 2222",
        },
        headers={"X-CSRF-Token": csrf_e},
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "confirmed"

    paid = officer1.post(f"/api/v1/runs/{run_id}/pay", headers={"X-CSRF-Token": csrf1}).json()
    assert paid == {"paid": 1, "paid_fen": 20_000_000, "waiting": 1, "excluded": 0}
    again = officer1.post(f"/api/v1/runs/{run_id}/pay", headers={"X-CSRF-Token": csrf1}).json()
    assert again["paid"] == 0  # paying twice pays nothing more

    mine = enterprise.get(f"/api/v1/enterprises/{USCC_A}/awards").json()["items"][0]
    assert mine["state"] == "paid" and mine["paid_at"] and mine["account_tail"] == "2222"
    officer_view = officer1.get(f"/api/v1/runs/{run_id}/awards", params={"state": "paid"}).json()
    assert [a["uscc"] for a in officer_view["items"]] == [USCC_A]

    clawed = officer2.post(
        f"/api/v1/runs/{run_id}/awards/{USCC_A}/clawback",
        json={"reason": "数据核查不实"},
        headers={"X-CSRF-Token": csrf2},
    )
    assert clawed.status_code == 200, clawed.text
    assert clawed.json()["state"] == "clawed_back"
    twice = officer2.post(
        f"/api/v1/runs/{run_id}/awards/{USCC_A}/clawback",
        json={"reason": "again"},
        headers={"X-CSRF-Token": csrf2},
    )
    assert twice.status_code == 409  # a clawed-back award cannot be clawed back again

    notice = officer1.get(f"/api/v1/runs/{run_id}/export/notice")
    assert notice.status_code == 200
    sheet = load_workbook(io.BytesIO(notice.content)).active
    assert sheet.max_row >= 4  # title, header, two enterprises
    payment = officer1.get(f"/api/v1/runs/{run_id}/export/payment")
    assert payment.status_code == 200 and payment.content[:2] == b"PK"

    admin = TestClient(world_app)
    login(admin, "admin1")
    actions = [
        e["action"] for e in admin.get("/api/v1/audit", params={"limit": 100}).json()["items"]
    ]
    for action in (
        "run.start",
        "run.publish",
        "run.approve",
        "award.confirm",
        "run.pay",
        "award.clawback",
    ):
        assert action in actions


def test_enterprise_objects_and_officer_decides(world_app: Any) -> None:
    officer, enterprise = TestClient(world_app), TestClient(world_app)
    csrf_o, csrf_e = login(officer, "officer1"), login(enterprise, "ent_b")
    run_id = start_run(officer, csrf_o)
    officer.post(f"/api/v1/runs/{run_id}/publish", json={}, headers={"X-CSRF-Token": csrf_o})
    award = enterprise.get(f"/api/v1/enterprises/{USCC_B}/awards").json()["items"][0]
    lodged = enterprise.post(
        f"/api/v1/enterprises/{USCC_B}/awards/{award['id']}/objections",
        json={"reason": "金额有误"},
        headers={"X-CSRF-Token": csrf_e},
    )
    assert lodged.status_code == 201, lodged.text
    objections = officer.get(f"/api/v1/runs/{run_id}/objections").json()["items"]
    assert objections[0]["reason"] == "金额有误"
    decided = officer.post(
        f"/api/v1/objections/{objections[0]['id']}/decision",
        json={"decision": "rejected", "reason": "经核实金额无误"},
        headers={"X-CSRF-Token": csrf_o},
    )
    assert decided.status_code == 200, decided.text
    again = officer.post(
        f"/api/v1/objections/{objections[0]['id']}/decision",
        json={"decision": "upheld", "reason": "x"},
        headers={"X-CSRF-Token": csrf_o},
    )
    assert again.status_code == 409


def test_a_run_of_an_unknown_policy_is_404_and_starts_nothing(world_app: Any) -> None:
    officer = TestClient(world_app)
    csrf = login(officer, "officer1")
    response = officer.post(
        "/api/v1/runs", json={"policy_id": "no-such", "year": 2024}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 404
    assert officer.get("/api/v1/runs").json()["total"] == 0
